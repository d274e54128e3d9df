"""Measure the source report (reports.source_report) on a seeded PostgreSQL database, without and
with conversions, and print the ratio.

Fills a fresh PostgreSQL schema by bulk insert with N submissions (60 days, two forms, 20 utm
sources, 8 campaigns, 60% verified, 30% with a first touch), their contacts (no numbers: the report
never reads them) and the widget's event counters; then times the report (median of --runs) for
the last 30 days by utm_source, by utm_campaign, by utm_source with first touch, and by form.
Then it adds conversions to a quarter of the verified submissions (one or two each; RUB, USD and
EUR values, some calls without a value), runs ANALYZE, and times the same reports again.

Both rounds run the same code on the same machine one after the other: read the ratios, not the
absolute figures (the machine is shared).

    .venv/bin/python bench/report.py [--submissions 200000] [--runs 7] [--quick]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
PG = os.environ.get("PHONECAPTURE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SOURCES = [f"src{i:02d}" for i in range(20)]
CAMPAIGNS = [f"camp{i}" for i in range(8)]
FORMS = ("callback", "tracking")
EVENTS = ("impression", "open", "close", "submit_error")
REPORTS = {"by utm_source": {"by": "utm_source"}, "by utm_campaign": {"by": "utm_campaign"},
           "first touch": {"by": "utm_source", "first_touch": True}, "by form": {"by": "form"}}


def make_app(db_uri: str):
    os.environ.setdefault("EXAMPLE_INSTANCE_PATH", tempfile.mkdtemp(prefix="pc-bench-report-"))
    from example_app import create_app

    return create_app(test_config={"SQLALCHEMY_DATABASE_URI": db_uri, "PHONECAPTURE_KEYS": "k1:" + "A" * 43,
                                   "PHONECAPTURE_INDEX_KEY": "B" * 43})


def fill_leads(app, n: int, rng: random.Random) -> list[str]:
    """Contacts, submissions and event counters; returns the verified submissions' ids."""
    from sqlalchemy import insert

    from flask_phonecapture.extension import get_state
    from flask_phonecapture.models import Contact, EventCounter, Submission, new_id, utcnow

    now = utcnow()
    verified_ids = []
    with app.app_context():
        session = get_state().db.session
        chunk = 10000
        for start in range(0, n, chunk):
            contacts, submissions = [], []
            for _ in range(start, min(start + chunk, n)):
                cid, sid = new_id(), new_id()
                made = now - timedelta(seconds=rng.randrange(60 * 86400))
                verified = rng.random() < 0.6
                contacts.append(dict(id=cid, region="RU", number_type="mobile", status="active", created_at=made))
                first = ({"utm_source": rng.choice(SOURCES), "at": "2026-01-01T00:00:00Z"}
                         if rng.random() < 0.3 else None)
                submissions.append(dict(
                    id=sid, contact_id=cid, form_id=rng.choice(FORMS), form_version="v1", created_at=made,
                    status="verified" if verified else "pending_verification", locale="ru",
                    utm_source=rng.choice(SOURCES + [None]), utm_medium=rng.choice(["cpc", "email", None]),
                    utm_campaign=rng.choice(CAMPAIGNS + [None]), first_touch=first,
                    verified_at=made + timedelta(minutes=1) if verified else None))
                if verified:
                    verified_ids.append(sid)
            session.execute(insert(Contact.__table__), contacts)
            session.execute(insert(Submission.__table__), submissions)
            session.commit()
        counters = [dict(form_id=form, day=(now - timedelta(days=d)).date(), source=source, event=event,
                         count=rng.randrange(1, 400))
                    for form in FORMS for d in range(60) for source in SOURCES + ["(direct)"] for event in EVENTS]
        session.execute(insert(EventCounter.__table__), counters)
        session.commit()
    return verified_ids


def fill_conversions(app, verified_ids: list[str], rng: random.Random) -> int:
    from sqlalchemy import insert

    from flask_phonecapture.extension import get_state
    from flask_phonecapture.models import Conversion, new_id, utcnow

    rows = []
    for n, sid in enumerate(rng.sample(verified_ids, len(verified_ids) // 4)):
        for k in range(rng.choice((1, 1, 1, 2))):
            currency = rng.choices(["RUB", "USD", "EUR", None], weights=[75, 12, 5, 8])[0]
            value = Decimal(rng.randrange(100, 500000)) / 100 if currency else None
            rows.append(dict(id=new_id(), submission_id=sid, kind="order" if currency else "call",
                             value=value, currency=currency, external_id=f"Z-{n}-{k}",
                             occurred_at=utcnow(), created_at=utcnow()))
    with app.app_context():
        session = get_state().db.session
        for start in range(0, len(rows), 10000):
            session.execute(insert(Conversion.__table__), rows[start:start + 10000])
        session.commit()
    return len(rows)


def analyze(app) -> None:
    from sqlalchemy import text

    from flask_phonecapture.extension import get_state

    with app.app_context():
        with get_state().db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def time_reports(app, runs: int) -> dict[str, float]:
    from flask_phonecapture.extension import get_state
    from flask_phonecapture.models import utcnow
    from flask_phonecapture.reports import source_report

    out = {}
    with app.app_context():
        state = get_state()
        until = utcnow().date()
        since = until - timedelta(days=29)
        for name, kw in REPORTS.items():
            source_report(state, since=since, until=until, **kw)  # warm the cache
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                rows = source_report(state, since=since, until=until, **kw)
                samples.append(time.perf_counter() - start)
            state.db.session.rollback()
            out[name] = statistics.median(samples)
            out[name + " rows"] = len(rows)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--submissions", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="20,000 submissions, 3 runs")
    args = ap.parse_args()
    if args.quick:
        args.submissions, args.runs = 20_000, 3
    import sqlalchemy as sa

    schema = f"pcbench_report_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG else "?"
    try:
        app = make_app(f"{PG}{sep}options=-csearch_path%3D{schema}")
        from flask_phonecapture import migrate

        with app.app_context():
            migrate.upgrade()
        rng = random.Random(42)
        started = time.perf_counter()
        verified = fill_leads(app, args.submissions, rng)
        analyze(app)
        print(f"seeded {args.submissions} submissions ({len(verified)} verified), event counters for 60 days, "
              f"in {time.perf_counter() - started:.1f} s")
        without = time_reports(app, args.runs)
        count = fill_conversions(app, verified, rng)
        analyze(app)
        print(f"added {count} conversions to a quarter of the verified submissions")
        with_conv = time_reports(app, args.runs)
        print(f"\nsource report, last 30 days, median of {args.runs} runs (PostgreSQL)")
        print(f"{'report':<16} {'rows':>5} {'no conversions':>15} {'with conversions':>17} {'ratio':>6}")
        for name in REPORTS:
            print(f"{name:<16} {with_conv[name + ' rows']:>5} {without[name] * 1000:>12.1f} ms "
                  f"{with_conv[name] * 1000:>14.1f} ms {with_conv[name] / without[name]:>6.2f}")
        with app.app_context():
            from flask_phonecapture.extension import get_state

            get_state().db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
