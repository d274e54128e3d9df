"""What the form registry costs GET /api/v1/forms/<id>, the request the widget makes on every page view.

In one process, through Flask's test client (no network, so the difference is the registry's own):
- ``config only``: ``state.forms`` replaced by a plain dict (the code before forms could be edited)
  holding the same specs, so only the registry's own cost differs;
- ``edited, cache 5 s``: the form has saved versions, PHONECAPTURE_FORMS_CACHE_S=5 (the default);
- ``edited, cache 0``: the same, looking at the version table on every request (max(id), count).

Rounds alternate the setups so a busy machine slows them alike; the median round is printed, in
ms per request and requests/s, with the ratio against ``config only``.

    .venv/bin/python bench/form_config.py [--requests 2000] [--rounds 5] [--database-url postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def make_app(database_url: str, ttl: float):
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from flask_phonecapture import PhoneCapture
    from tests.conftest import FORMS, TEST_INDEX_KEY, TEST_KEYS

    app = Flask("bench", instance_path=tempfile.mkdtemp(prefix="pc-bench-"))
    app.config.update(SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI=database_url, PHONECAPTURE_FORMS=FORMS,
                      PHONECAPTURE_KEYS=TEST_KEYS, PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY,
                      PHONECAPTURE_FORMS_CACHE_S=ttl)
    PhoneCapture(app, db=SQLAlchemy(app))
    return app


def seed(app) -> None:
    from flask_phonecapture import formstore, migrate
    from flask_phonecapture.extension import get_state

    with app.app_context():
        migrate.upgrade()
        state = get_state()
        for n, delay in enumerate((30, 45, 20)):
            spec = formstore.parse("tracking", {**formstore.config_of(state.forms.base["tracking"]),
                                                "triggers": {"delay_s": delay}})
            formstore.save(state, "tracking", spec, base=n, actor="bench", role="marketer", note=f"delay {delay}")


def timed(client, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = client.get("/phonecapture/api/v1/forms/tracking")
        assert response.status_code == 200
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    args = ap.parse_args()
    schema = None
    url = args.database_url
    if url and url.startswith("postgresql"):
        import sqlalchemy as sa

        schema = f"pcbench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    url = url or "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="pc-bench-"), "bench.sqlite")
    try:
        apps = {"edited, cache 5 s": make_app(url, 5), "edited, cache 0": make_app(url, 0)}
        seed(apps["edited, cache 5 s"])
        baseline = make_app(url, 5)
        from flask_phonecapture.extension import get_state

        with baseline.app_context():  # as before forms could be edited: a plain dict (of the same specs)
            get_state(baseline).forms = dict(get_state(baseline).forms.live(fresh=True))
        setups = {"config only": baseline, **apps}
        clients = {name: app.test_client() for name, app in setups.items()}
        for client in clients.values():
            timed(client, 50)  # warm up: imports, first queries, masks cache
        results = {name: [] for name in setups}
        for _ in range(args.rounds):
            for name, client in clients.items():
                results[name].append(timed(client, args.requests))
        base = statistics.median(results["config only"])
        print(f"GET /api/v1/forms/tracking, {args.requests} requests x {args.rounds} rounds, "
              f"{'PostgreSQL' if schema else 'SQLite'}; median round:")
        for name, runs in results.items():
            ms = statistics.median(runs)
            print(f"  {name:<18} {ms:7.3f} ms/request  {1000 / ms:8.0f} requests/s  x{ms / base:.2f}")
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
