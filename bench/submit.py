"""Load POST /api/v1/submissions against a bare Flask JSON endpoint on the same gunicorn setup.

Starts the example shop under gunicorn (2 sync workers) on PostgreSQL (a fresh schema) and Redis
(a fresh queue, no worker: enqueueing is part of the cost), runs wrk with 32 connections, then does the
same for a bare Flask app, and prints requests/s, p50/p99 and the ratio. Cleans up after itself.

    .venv/bin/python bench/submit.py [--duration 10] [--connections 32] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG = os.environ.get("PHONECAPTURE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("PHONECAPTURE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def gunicorn(app: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", app]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_wrk(url: str, connections: int, duration: int, env: dict) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-s", os.path.join(ROOT, "bench", "submit.lua"), url],
                         env=env, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99"), "requests": requests,
            "non_2xx": int(errors.group(1)) if errors else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    import sqlalchemy as sa
    from redis import Redis

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    queue = f"bench-{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    instance = tempfile.mkdtemp(prefix="pc-bench-")
    env = dict(os.environ,
               EXAMPLE_INSTANCE_PATH=instance,
               FLASK_SQLALCHEMY_DATABASE_URI=f"{PG}?options=-csearch_path%3D{schema}",
               FLASK_SQLALCHEMY_ENGINE_OPTIONS=json.dumps({"pool_size": 8}),
               FLASK_PHONECAPTURE_REDIS_URL=REDIS,
               FLASK_PHONECAPTURE_QUEUE_NAME=queue,
               FLASK_PHONECAPTURE_RATELIMIT_SUBMIT="1000000/minute",
               FLASK_PHONECAPTURE_MIN_FILL_MS="0",
               # Load comes from one IP, one country and random prefixes: lift the anti-pumping
               # limits, which would (rightly) answer 429 to this traffic after a few requests.
               FLASK_PHONECAPTURE_PUMP_LIMITS=json.dumps({"number": "1/60;5/600", "ip": "10000000/60",
                                                          "prefix": "10000000/60",
                                                          "country": "10000000/60"}),
               FLASK_PHONECAPTURE_PREFIX_HEALTH=json.dumps({"min_sent": 10 ** 9, "min_ratio": 0.1,
                                                            "window_s": 86400, "block_s": 86400}))
    procs = []
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "example_app", "phonecapture", "db",
                        "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        results = {}
        for name, app in (("phonecapture", "bench.apps:shop()"), ("bare flask", "bench.apps:bare()")):
            port = free_port()
            proc = gunicorn(app, port, args.workers, env)
            procs.append(proc)
            base = f"http://127.0.0.1:{port}"
            if name == "phonecapture":
                wait_up(base + "/phonecapture/api/v1/forms/callback")
                with urllib.request.urlopen(base + "/phonecapture/api/v1/forms/callback") as resp:
                    env["BENCH_TOKEN"] = json.load(resp)["token"]
            else:
                time.sleep(1.5)
            run_wrk(base, args.connections, 2, env)  # warm-up
            results[name] = run_wrk(base, args.connections, args.duration, env)
            proc.terminate()
            proc.wait(10)
        pc, bare = results["phonecapture"], results["bare flask"]
        print(f"gunicorn -w {args.workers} (sync), wrk -c{args.connections} -d{args.duration}s, "
              f"PostgreSQL + Redis, {os.cpu_count()} cores")
        print(f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'non-2xx':>9}")
        for name, r in results.items():
            print(f"{name:<16}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
                  f"{r['requests']:>10}{r['non_2xx']:>9}")
        ratio = pc["rps"] / bare["rps"]
        print(f"ratio phonecapture/bare = {ratio:.2f}  (goal >= 0.33, p99 < 100 ms: "
              f"{'met' if ratio >= 0.33 and pc['p99_ms'] < 100 else 'NOT met'})")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        redis = Redis.from_url(REDIS)
        for key in list(redis.scan_iter(f"*{queue}*")) + list(redis.scan_iter("rq:job:phonecapture-msg-*")):
            redis.delete(key)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
