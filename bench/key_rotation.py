"""Measure ``flask phonecapture keys rotate``: values/s per batch size, and the app's latency while it runs.

Fills a fresh PostgreSQL schema (or, with ``--db sqlite``, a SQLite file) with N contacts, one
submission each (most with a name), their verifications and some pending code SMS, all encrypted
under k1 exactly as the app writes them (real Keyring, real associated-data contexts), by bulk
insert. Then:

1. throughput: rotates k1->k2, k2->k3, ... once per batch size (each run starts from a database
   wholly under the previous key, so no refill), in-process, and prints values/s;
2. online: starts the example shop under gunicorn on 127.0.0.1 with the next keyring, drives a
   paced mix of new submissions, repeat submissions (blind-index lookup + decrypt) and code
   checks (which update the very contact and submission rows the rotation rewrites) over real
   HTTP, first alone (baseline), then while ``flask phonecapture keys rotate`` runs in its own
   process, and prints p50/p95/p99/max for both, their ratio, the 5xx/exception count and (on
   PostgreSQL) how often an app connection was caught waiting for a lock;
3. checks that every value decrypts under a keyring holding only the last key and that
   ``key_usage`` shows no other key id.

Prints counts and timings only (numbers are synthetic, none is printed). Baseline and rotation
run in the same process on the same machine: compare the ratios, not the absolute figures.

    .venv/bin/python bench/key_rotation.py [--contacts 50000] [--batch-sizes 100,500,2000]
                                           [--db postgresql|sqlite] [--quick]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PG = os.environ.get("PHONECAPTURE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("PHONECAPTURE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
INDEX_KEY = "B" * 43
FORM = "callback"
# `flask --app example_app phonecapture keys rotate --batch-size N --actor bench`, started on "go"
ROTATE = """
import sys
from flask.cli import main
import example_app, flask_phonecapture.cli, flask_phonecapture.keyrotation
batch = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["flask", "--app", "example_app", "phonecapture", "keys", "rotate", "--batch-size", batch,
            "--actor", "bench"]
main()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# -- the database -------------------------------------------------------------
def app_config(db_uri: str, keys: list[str], queue: str) -> dict:
    """What both the bench's own app and the gunicorn server run with; ``keys`` newest first."""
    return {
        "SQLALCHEMY_DATABASE_URI": db_uri,
        "PHONECAPTURE_KEYS": ",".join(keys),
        "PHONECAPTURE_INDEX_KEY": INDEX_KEY,
        "PHONECAPTURE_REDIS_URL": REDIS,
        "PHONECAPTURE_QUEUE_NAME": queue,
        "PHONECAPTURE_RATELIMIT_SUBMIT": "1000000/minute",
        "PHONECAPTURE_RATELIMIT_VERIFY": "1000000/minute",
        "PHONECAPTURE_MIN_FILL_MS": 0,
        # one client IP and one prefix: lift the anti-pumping limits, as bench/submit.py does
        "PHONECAPTURE_PUMP_LIMITS": {"number": "1/60;5/600", "ip": "10000000/60",
                                     "prefix": "10000000/60", "country": "10000000/60"},
        "PHONECAPTURE_PREFIX_HEALTH": {"min_sent": 10 ** 9, "min_ratio": 0.1, "window_s": 86400,
                                       "block_s": 86400},
    }


def fresh_database(db: str, instance: str, prefix: str):
    """(database URI, schema, admin engine): a schema of its own on PostgreSQL (drop it with the
    admin engine afterwards), else a SQLite file in ``instance`` (schema and engine None)."""
    import sqlalchemy as sa

    if db != "postgresql":
        return "sqlite:///" + os.path.join(instance, "bench.sqlite"), None, None
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return f"{PG}?options=-csearch_path%3D{schema}", schema, admin


def make_app(config: dict):
    from example_app import create_app

    return create_app(test_config=config)


def fill(app, contacts: int, seed_codes: dict) -> dict:
    """Bulk-insert ``contacts`` contacts with one submission each; returns row counts.

    Rows are built as contacts.insert_contact, leads.create_submission and outbox.add_message
    build them: the same columns, the same ``table.column.row_id`` contexts."""
    from sqlalchemy import insert

    from flask_phonecapture.extension import get_state
    from flask_phonecapture.messaging.outbox import body_context
    from flask_phonecapture.models import Contact, Message, Submission, Verification, new_id, utcnow
    from flask_phonecapture.phone import parse_phone

    with app.app_context():
        state = get_state()
        ring, spec = state.keyring, state.forms.get(FORM)
        enc = ring.encrypt
        # old enough that no resend cooldown or hourly cap applies to the load's requests
        then, now = utcnow() - timedelta(hours=2), utcnow()
        counts = {"contacts": 0, "names": 0, "messages": 0}
        chunk = 5000  # rows per executemany: bounded memory, few round trips
        for start in range(0, contacts, chunk):
            rows = {"c": [], "s": [], "v": [], "m": []}
            for i in range(start, min(start + chunk, contacts)):
                phone = parse_phone(f"+7900{i:07d}", "RU")  # synthetic, all distinct
                cid, sid, vid = new_id(), new_id(), new_id()
                rows["c"].append(dict(
                    id=cid, region=phone.region, number_type=phone.number_type, status="active",
                    blind_index=ring.blind_index(phone.e164), created_at=then,
                    e164_enc=enc(phone.e164, f"phonecapture_contact.e164_enc.{cid}"),
                    national_enc=enc(phone.national, f"phonecapture_contact.national_enc.{cid}"),
                    international_enc=enc(phone.international,
                                          f"phonecapture_contact.international_enc.{cid}")))
                named = i % 3 != 0  # the name field is optional: two in three fill it
                rows["s"].append(dict(
                    id=sid, contact_id=cid, form_id=FORM, form_version=spec.version, locale="ru",
                    status="pending_verification", created_at=then, ip_prefix="127.0.0.0/24",
                    name_enc=enc(f"Name {i}", f"phonecapture_submission.name_enc.{sid}") if named else None))
                code = f"{i % 10 ** 6:06d}"
                seed_codes[sid] = code
                rows["v"].append(dict(
                    id=vid, submission_id=sid, code_mac=ring.code_mac(vid, code), attempts=0, sends=1,
                    max_attempts=5, last_sent_at=then, expires_at=now + timedelta(days=1)))
                if i % 5 == 0:  # one in five code SMS still waiting in the outbox
                    mid = new_id()
                    rows["m"].append(dict(
                        id=mid, contact_id=cid, submission_id=sid, kind="otp", template="otp",
                        status="pending", idempotency_key=f"otp-{vid}-1", not_before=then,
                        created_at=then, updated_at=then, locale="ru",
                        body_enc=enc(f"Code {code}", body_context(mid))))
                counts["names"] += named
            session = state.db.session
            for key, model in (("c", Contact), ("s", Submission), ("v", Verification), ("m", Message)):
                if rows[key]:
                    session.execute(insert(model.__table__), rows[key])
            session.commit()
            counts["contacts"] += len(rows["c"])
            counts["messages"] += len(rows["m"])
    return counts


def rotate_in_process(config: dict, batch_size: int) -> tuple[int, float]:
    from flask_phonecapture.extension import get_state
    from flask_phonecapture.keyrotation import rotate

    app = make_app(config)
    with app.app_context():
        result = rotate(get_state(), actor="bench", batch_size=batch_size)
        assert not result.failures and not result.skipped, "nothing else writes: all must rotate"
        get_state().db.engine.dispose()
    return result.rotated, result.seconds


def check_all_under(config: dict, kid: str) -> tuple[int, int, set]:
    """(values decrypted, values failed, key ids seen) with a keyring holding only ``kid``."""
    from sqlalchemy import select

    from flask_phonecapture.crypto import CryptoError
    from flask_phonecapture.extension import get_state
    from flask_phonecapture.keyrotation import encrypted_columns, key_usage

    app = make_app(config)
    ok = bad = 0
    with app.app_context():
        state = get_state()
        session = state.db.session
        for table, column in encrypted_columns():
            (pk,) = table.primary_key.columns
            for rid, token in session.execute(select(pk, column).where(column.is_not(None))):
                try:
                    state.keyring.decrypt(token, f"{table.name}.{column.name}.{rid}")
                    ok += 1
                except (CryptoError, ValueError):
                    bad += 1
        session.rollback()
        kids = {k for counts in key_usage(state).values() for k, n in counts.items() if n}
        state.db.engine.dispose()
    return ok, bad, kids


# -- the online workload -------------------------------------------------------
class Load:
    """Paced client threads over real HTTP; each request's latency is kept with its phase."""

    def __init__(self, port: int, token: str, seed_codes: dict, threads: int, rate: float):
        self.port, self.token, self.threads, self.rate = port, token, threads, rate
        self.pending = list(seed_codes.items())  # each seeded submission is checked once
        random.Random(1).shuffle(self.pending)
        self.phase = "warmup"
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}      # 5xx and exceptions
        self.unexpected: dict[str, int] = {}  # any other non-2xx (a bench mistake, not the app's)
        self.lock_waits: dict[str, list[int]] = {}  # phase: [samples, samples with a lock wait]
        self.lock, self.stop = threading.Lock(), threading.Event()

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def submit(self, e164: str) -> int:
        return self.request("POST", "/phonecapture/api/v1/submissions", {
            "form_id": FORM, "token": self.token, "phone": e164, "name": "Bench",
            "consents": {"service_sms": True, "marketing_sms": False}, "hp": "", "elapsed_ms": 5000,
            "source": {"page_url": "http://127.0.0.1/product/kettle"}})[0]

    def verify(self, sid: str, code: str) -> int:
        return self.request("POST", f"/phonecapture/api/v1/submissions/{sid}/verify", {"code": code})[0]

    def worker(self, n: int) -> None:
        interval = self.threads / self.rate
        next_at, i = time.monotonic(), 0
        while not self.stop.is_set():
            i += 1
            # one in four: a new number; one in four: a stored number again (lookup + decrypt);
            # two in four: the right code for a stored submission (updates its contact and submission)
            kind = i % 4
            with self.lock:
                sid, code = self.pending.pop() if kind and self.pending else (None, None)
            kind = kind if sid else 0  # seeded submissions used up: a new number instead
            started = time.perf_counter()
            try:
                if kind == 0:
                    status = self.submit(f"+7902{n}{i:06d}")
                elif kind == 1:
                    status = self.submit(f"+7900{int(code):07d}")  # a seeded number (same i as its code)
                else:
                    status = self.verify(sid, code)
                bad = status >= 500
                odd = not bad and not 200 <= status < 300
            except Exception:  # noqa: BLE001 - a refused or dropped connection counts as an error
                bad, odd = True, False
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.samples.setdefault(self.phase, []).append(elapsed)
                self.errors[self.phase] = self.errors.get(self.phase, 0) + bad
                self.unexpected[self.phase] = self.unexpected.get(self.phase, 0) + odd
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - interval)  # behind: don't burst to catch up

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.worker, args=(n,), daemon=True) for n in range(self.threads)]
        for thread in threads:
            thread.start()
        return threads


def watch_locks(admin, app_name: str, load: Load) -> None:
    """Every 20 ms: is any of the app's connections waiting for a row lock (the rotation's)?"""
    import sqlalchemy as sa

    query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND wait_event_type = 'Lock'")
    with admin.connect() as conn:
        while not load.stop.is_set():
            waiting = conn.execute(query, {"name": app_name}).scalar()
            conn.rollback()  # a fresh snapshot of pg_stat_activity each time
            with load.lock:
                seen = load.lock_waits.setdefault(load.phase, [0, 0])
                seen[0] += 1
                seen[1] += bool(waiting)
            time.sleep(0.02)


def summary(samples: list[float]) -> dict:
    return {"n": len(samples), "p50": pct(samples, 50), "p95": pct(samples, 95), "p99": pct(samples, 99),
            "max": max(samples) if samples else float("nan"),
            "mean": statistics.fmean(samples) if samples else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--batch-sizes", default="100,500,2000")
    parser.add_argument("--online-batch-size", type=int, default=500, help="the command's default")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--baseline", type=float, default=20, help="seconds of load without rotation")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rate", type=float, default=40, help="requests/s over all client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--quick", action="store_true", help="10,000 contacts, 5 s baseline (~30 s)")
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.baseline = min(args.contacts, 10_000), min(args.baseline, 5)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]

    import sqlalchemy as sa
    from redis import Redis

    from flask_phonecapture.crypto import new_key

    # k1 fills, then one key per throughput run and one for the online run
    keys = [f"k{n}:{new_key()}" for n in range(1, len(batch_sizes) + 3)]
    instance = tempfile.mkdtemp(prefix="pc-rotbench-")
    os.environ["EXAMPLE_INSTANCE_PATH"] = instance  # create_app keeps its secret key file there
    queue = f"rotbench-{uuid.uuid4().hex[:10]}"
    db_uri, schema, admin = fresh_database(args.db, instance, "rotbench")
    server, rotation, redis = None, None, Redis.from_url(REDIS)
    try:
        app = make_app(app_config(db_uri, keys[:1], queue))
        with app.app_context():
            from flask_phonecapture import migrate

            migrate.upgrade()
        seed_codes: dict[str, str] = {}
        started = time.monotonic()
        counts = fill(app, args.contacts, seed_codes)
        fill_s = time.monotonic() - started
        values = counts["contacts"] * 3 + counts["names"] + counts["messages"]
        print(f"{args.db}, {os.cpu_count()} cores: {counts['contacts']} contacts, {counts['names']} names, "
              f"{counts['messages']} pending SMS = {values} encrypted values, filled in {fill_s:.1f} s")

        # 1. throughput, nothing else running
        throughput = []
        for n, batch in enumerate(batch_sizes, start=1):
            rotated, seconds = rotate_in_process(app_config(db_uri, [keys[n], keys[n - 1]], queue), batch)
            throughput.append((batch, rotated, seconds))
            print(f"  rotate k{n}->k{n + 1}, batch {batch}: {rotated} values in {seconds:.1f} s", flush=True)

        # 2. online: the server runs on the keyring the rotation moves to (new key first)
        last = len(keys) - 1
        app_name = f"{queue}-app"  # the server's connections, as pg_stat_activity names them
        server_uri = f"{db_uri}&application_name={app_name}" if admin is not None else db_uri
        config = app_config(server_uri, [keys[last], keys[last - 1]], queue)
        env = dict(os.environ, **{f"FLASK_{k}": v if isinstance(v, str) else json.dumps(v)
                                  for k, v in config.items()})
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
                                   f"127.0.0.1:{port}", "--log-level", "warning", "example_app:create_app()"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        load = Load(port, "", seed_codes, args.threads, args.rate)
        deadline = time.time() + 30
        while True:
            try:
                load.token = load.request("GET", f"/phonecapture/api/v1/forms/{FORM}")[1]["token"]
                break
            except Exception:  # noqa: BLE001 - not up yet
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
        threads = load.start()
        if admin is not None:
            threads.append(threading.Thread(target=watch_locks, args=(admin, app_name, load), daemon=True))
            threads[-1].start()
        time.sleep(2)  # warm-up: both workers have connected and compiled their templates
        load.phase = "baseline"
        time.sleep(args.baseline)
        # The command, in its own process; imports done before "go", so that the rotation phase
        # holds the rotation itself rather than Python starting up.
        rotation = subprocess.Popen([sys.executable, "-c", ROTATE, str(args.online_batch_size)], cwd=ROOT,
                                    env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
        if rotation.stdout.readline().strip() != "ready":
            raise SystemExit("the rotation process did not start")
        load.phase = "rotation"
        rotation.stdin.write("go\n")
        rotation.stdin.close()
        out = rotation.stdout.read()
        rotation.wait()
        load.phase = "after"
        load.stop.set()
        for thread in threads:
            thread.join(35)
        match = re.search(r"(\d+) rotated, (\d+) skipped .*?, (\d+) failed, ([\d.]+) s", out)
        if rotation.returncode != 0 or not match:
            print(out[-2000:])  # the command's own output: counts, timings and row ids only
            raise SystemExit(f"keys rotate exited {rotation.returncode}")
        online_rotated, online_skipped, online_failed = (int(match.group(g)) for g in (1, 2, 3))
        online_s = float(match.group(4))
        server.terminate()
        server.wait(10)

        # 3. every value readable with only the newest key, and no other key id left
        ok, bad, kids = check_all_under(app_config(db_uri, keys[last:], queue), keys[last].split(":")[0])

        base, rot = summary(load.samples["baseline"]), summary(load.samples.get("rotation", []))
        print()
        print(f"{'rotation':<26}{'values':>9}{'seconds':>9}{'values/s':>10}{'vs batch ' + str(batch_sizes[0]):>16}")
        first = throughput[0][1] / throughput[0][2]
        for batch, rotated, seconds in throughput:
            rate = rotated / seconds
            print(f"{'idle, batch ' + str(batch):<26}{rotated:>9}{seconds:>9.1f}{rate:>10.0f}{rate / first:>16.2f}")
        rate = online_rotated / online_s
        print(f"{'under load, batch ' + str(args.online_batch_size):<26}{online_rotated:>9}{online_s:>9.1f}"
              f"{rate:>10.0f}{rate / first:>16.2f}   ({online_skipped} skipped, {online_failed} failed)")
        print()
        print(f"HTTP load: {args.rate:.0f} req/s paced over {args.threads} threads, gunicorn -w {args.workers} "
              f"(sync), 1/4 new number, 1/4 repeat number, 1/2 code check")
        print(f"{'phase':<12}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
              f"{'5xx/exc':>9}{'other':>7}")
        for name, s in (("baseline", base), ("rotation", rot)):
            print(f"{name:<12}{s['n']:>9}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}{s['max']:>9.1f}"
                  f"{load.errors.get(name, 0):>9}{load.unexpected.get(name, 0):>7}")
        print(f"{'ratio':<12}{'':>9}" + "".join(f"{rot[k] / base[k]:>9.2f}" for k in ("p50", "p95", "p99", "max")))
        for name in ("baseline", "rotation"):
            if name in load.lock_waits:
                samples, waiting = load.lock_waits[name]
                print(f"{name}: an app connection was waiting for a lock in {waiting} of {samples} "
                      f"pg_stat_activity samples ({100 * waiting / samples:.1f}%)")
        print()
        print(f"after: {ok} values decrypt under {keys[last].split(':')[0]} alone, {bad} do not; "
              f"key ids in use: {', '.join(sorted(kids))}")
        print("2 cores shared by server, rotation, client and database: absolute figures are noisy, "
              "the ratios (same run) are the result")
        if bad or kids != {keys[last].split(":")[0]} or load.errors.get("rotation", 0):
            raise SystemExit("FAILED: errors during rotation or values left behind")
    finally:
        for proc in (rotation, server):
            if proc is not None and proc.poll() is None:
                proc.kill()
        ids = []
        try:
            engine = sa.create_engine(db_uri)
            with engine.connect() as conn:
                ids = conn.execute(sa.text("SELECT id FROM phonecapture_message")).scalars().all()
            engine.dispose()
        except sa.exc.DBAPIError:  # failed before the tables were made
            pass
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        # the RQ jobs and messaging keys this run made (the queue name is unique to it)
        doomed = [f"rq:job:phonecapture-msg-{mid}" for mid in ids] + list(redis.scan_iter(f"*{queue}*"))
        for start in range(0, len(doomed), 1000):
            redis.delete(*doomed[start:start + 1000])
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
