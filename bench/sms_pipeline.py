"""Push due SMS through the outbox, RQ and real worker processes to a local provider stub.

PostgreSQL (a fresh schema), a private redis-server on a free port, the generic ``http``
provider pointed at a local stub gateway (tests/fakes: it records when it accepted each
message and counts duplicate idempotency keys). For 1 and then 2 ``flask phonecapture
worker`` processes (SimpleWorker, and RQ's forking Worker with ``--fork``): write N outbox
rows, enqueue them (all at once, or paced with ``--rate``), wait until the stub has them
all, and print msgs/s, enqueue->accepted latency p50/p95 and the duplicate count.

    .venv/bin/python bench/sms_pipeline.py [--messages 10000] [--rate 0] [--workers 1,2]
                                           [--classes simple,fork]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PG = os.environ.get("PHONECAPTURE_BENCH_DATABASE_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KEYS = "k1:" + "A" * 43
INDEX_KEY = "B" * 43


def create_app():
    """The app each worker process builds (settings come from the environment)."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_phonecapture import PhoneCapture

    app = Flask("sms_pipeline_bench", instance_path=os.environ["BENCH_INSTANCE"])
    app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["BENCH_DB"], PHONECAPTURE_KEYS=KEYS,
                      PHONECAPTURE_INDEX_KEY=INDEX_KEY, SECRET_KEY="bench",
                      PHONECAPTURE_REDIS_URL=os.environ["BENCH_REDIS"],
                      PHONECAPTURE_QUEUE_NAME=os.environ["BENCH_QUEUE"],
                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2})
    app.config.update(json.loads(os.environ["BENCH_CONFIG"]))
    PhoneCapture(app, db=SQLAlchemy(app))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(workdir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from redis import Redis

    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            Redis.from_url(url).ping()
            return proc, url
        except Exception:  # noqa: BLE001
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def run_once(n: int, workers: int, fork: bool, rate: float, workdir: str, redis_url: str) -> dict:
    import sqlalchemy as sa

    from tests.fakes.sms_servers import FakeHttpGateway

    gateway = FakeHttpGateway().start()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    db_url = f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    config = {**gateway.config(), "PHONECAPTURE_SWEEP_INTERVAL_S": 0,
              "PHONECAPTURE_PREFIX_HEALTH": {}}
    env = dict(os.environ, BENCH_DB=db_url, BENCH_REDIS=redis_url, BENCH_QUEUE=queue,
               BENCH_INSTANCE=workdir, BENCH_CONFIG=json.dumps(config), PYTHONPATH=ROOT)
    os.environ.update({k: env[k] for k in ("BENCH_DB", "BENCH_REDIS", "BENCH_QUEUE",
                                           "BENCH_INSTANCE", "BENCH_CONFIG")})
    procs = []
    try:
        app = create_app()
        with app.app_context():
            from flask_phonecapture import migrate
            from flask_phonecapture.extension import get_state
            from flask_phonecapture.messaging.outbox import body_context
            from flask_phonecapture.models import Contact, Message, new_id, utcnow

            migrate.upgrade()
            state = get_state()
            ring = state.keyring
            contacts = []
            for i in range(200):
                cid, e164 = new_id(), f"+7912{i:07d}"
                contacts.append(dict(id=cid, region="RU", number_type="mobile", status="active",
                                     blind_index=ring.blind_index(e164), created_at=utcnow(),
                                     e164_enc=ring.encrypt(e164, f"phonecapture_contact.e164_enc.{cid}")))
            ids = [new_id() for _ in range(n)]
            rows = [dict(id=mid, contact_id=contacts[i % len(contacts)]["id"], kind="otp",
                         template="otp", status="pending", locale="ru",
                         body_enc=ring.encrypt(f"Код подтверждения: {i % 1000000:06d}", body_context(mid)),
                         idempotency_key=f"bench-{mid}", not_before=utcnow(), created_at=utcnow(),
                         updated_at=utcnow(), attempts=0) for i, mid in enumerate(ids)]
            with state.db.engine.begin() as conn:
                conn.execute(sa.insert(Contact.__table__), contacts)
                for start in range(0, n, 2000):
                    conn.execute(sa.insert(Message.__table__), rows[start:start + 2000])
            rq_queue = state.queue

            args = ["phonecapture", "worker"] + (["--fork"] if fork else [])
            for w in range(workers):
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "bench.sms_pipeline:create_app", *args],
                    env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(3)  # workers up (imports, time-zone preload)

            enqueued_at = {}
            t0 = time.time()
            for i, mid in enumerate(ids):
                if rate:
                    delay = t0 + i / rate - time.time()
                    if delay > 0:
                        time.sleep(delay)
                enqueued_at[f"bench-{mid}"] = time.time()
                rq_queue.enqueue_send(mid)
            t_enqueued = time.time()
            deadline = time.time() + max(120, n / 20)
            while len(gateway.accepted) < n and time.time() < deadline:
                time.sleep(0.2)
            accepted = gateway.accepted
            done = max(m.created_at for m in accepted) if accepted else time.time()
            latencies = sorted(m.created_at - enqueued_at[m.idempotency_key] for m in accepted)
            with state.db.engine.connect() as conn:
                statuses = dict(conn.execute(sa.select(Message.status, sa.func.count())
                                             .group_by(Message.status)).all())
            keys = [m.idempotency_key for m in accepted]
        return {
            "workers": workers, "class": "Worker (fork)" if fork else "SimpleWorker",
            "messages": n, "accepted": len(accepted),
            "msgs_per_s": len(accepted) / max(done - t0, 1e-9),
            "enqueue_s": t_enqueued - t0,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
            "duplicates": gateway.duplicates + (len(keys) - len(set(keys))),
            "statuses": statuses,
        }
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        gateway.stop()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=0,
                        help="enqueue this many per second (0: all at once, a backlog)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--classes", default="simple", help="simple,fork")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="sms-bench-")
    redis_proc, redis_url = start_redis(workdir)
    try:
        print(f"{'worker class':<14} {'procs':>5} {'msgs':>6} {'msgs/s':>8} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'dups':>5}  statuses   (rate={args.rate or 'burst'})")
        for cls in args.classes.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                r = run_once(args.messages, workers, cls == "fork", args.rate, workdir, redis_url)
                print(f"{r['class']:<14} {r['workers']:>5} {r['accepted']:>6} {r['msgs_per_s']:>8.1f} "
                      f"{r['p50_ms']:>8.0f} {r['p95_ms']:>8.0f} {r['duplicates']:>5}  {r['statuses']}",
                      flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
