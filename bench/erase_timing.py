"""Does the erasure page's answer time tell a held number from an unknown one?

Posts /privacy/erase for a number the example shop holds (a verified lead: its code SMS is queued)
and for numbers it doesn't (no SMS), alternating, through the Flask test client, and prints the
median answer time of each kind and their difference: first with PHONECAPTURE_ERASE_ANSWER_MS=0
(the raw gap the fixed answer time hides), then with the default. Both configurations run in one
process on one database, so compare the differences, not the absolute figures.

    .venv/bin/python bench/erase_timing.py                       # SQLite, in-process queue
    .venv/bin/python bench/erase_timing.py --db postgresql       # PostgreSQL + RQ (Redis db 14)
    .venv/bin/python bench/erase_timing.py --rounds 50

Each number may ask three times an hour, so every round uses fresh numbers: the held ones are
created (verified) before the timed part. Numbers are synthetic and never printed.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PG = os.environ.get("PHONECAPTURE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("PHONECAPTURE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')


def shop(db: str):
    """The example shop on a fresh database (a schema of its own on PostgreSQL)."""
    tmp = tempfile.mkdtemp()
    os.environ["EXAMPLE_INSTANCE_PATH"] = tmp
    if db == "postgresql":
        schema = "bench_erase_" + uuid.uuid4().hex[:8]
        os.environ["FLASK_SQLALCHEMY_DATABASE_URI"] = PG
        os.environ["FLASK_SQLALCHEMY_ENGINE_OPTIONS"] = (
            '{"connect_args": {"options": "-csearch_path=%s"}}' % schema)
        os.environ["FLASK_PHONECAPTURE_REDIS_URL"] = REDIS
        os.environ["FLASK_PHONECAPTURE_QUEUE_NAME"] = schema
        import sqlalchemy

        with sqlalchemy.create_engine(PG).begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    else:
        schema = None
    os.environ["FLASK_PHONECAPTURE_RATELIMIT_SUBMIT"] = "100000/minute"
    from example_app import create_app
    from flask_phonecapture import migrate

    app = create_app()
    with app.app_context():
        migrate.upgrade()
    return app, schema


def hold(app, phones: list[str]) -> None:
    """Make each number a contact of the shop, through the extension's own functions."""
    from flask_phonecapture.contacts import find_or_create
    from flask_phonecapture.extension import get_state
    from flask_phonecapture.phone import parse_phone

    with app.app_context():
        state = get_state()
        for phone in phones:
            find_or_create(state, parse_phone(phone, "RU"))
        state.db.session.commit()


def ask(client, phone: str) -> float:
    html = client.get("/phonecapture/privacy/erase?lang=ru").get_data(as_text=True)
    started = time.perf_counter()
    response = client.post("/phonecapture/privacy/erase?lang=ru",
                           data={"csrf_token": CSRF.search(html).group(1), "phone": phone})
    took = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return took * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    app, schema = shop(args.db)
    try:
        rounds = args.rounds
        held = [f"+7912{n:07d}" for n in range(1000001, 1000001 + 2 * rounds)]
        unknown = [f"+7913{n:07d}" for n in range(1000001, 1000001 + 2 * rounds)]
        hold(app, held)
        from flask_phonecapture.config import DEFAULTS

        print(f"erasure answer time, {args.db}, {'RQ' if args.db == 'postgresql' else 'in-process queue'}, "
              f"{rounds} held and {rounds} unknown numbers per setting, medians:")
        for setting in (0, DEFAULTS["PHONECAPTURE_ERASE_ANSWER_MS"]):
            app.config["PHONECAPTURE_ERASE_ANSWER_MS"] = setting
            part = slice(0, rounds) if setting == 0 else slice(rounds, 2 * rounds)
            times = {"held": [], "unknown": []}
            with contextlib.redirect_stdout(io.StringIO()):  # the console provider's SMS lines
                for h, u in zip(held[part], unknown[part]):
                    times["held"].append(ask(app.test_client(), h))
                    times["unknown"].append(ask(app.test_client(), u))
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"  PHONECAPTURE_ERASE_ANSWER_MS={setting}: held {med['held']:.1f} ms, unknown "
                  f"{med['unknown']:.1f} ms, difference {med['held'] - med['unknown']:+.1f} ms "
                  f"(held range {min(times['held']):.1f}-{max(times['held']):.1f}, unknown "
                  f"{min(times['unknown']):.1f}-{max(times['unknown']):.1f})")
    finally:
        if schema:
            import redis
            import sqlalchemy
            from rq import Queue

            conn = redis.Redis.from_url(REDIS)
            Queue(schema, connection=conn).delete(delete_jobs=True)  # the code SMS jobs
            for key in conn.scan_iter(f"*{schema}*"):  # rate-limit counters
                conn.delete(key)

            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()
            with sqlalchemy.create_engine(PG).begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
