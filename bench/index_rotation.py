"""Measure replacing the index key: ``keys rotate-index`` throughput, and what a retired key
listed in PHONECAPTURE_OLD_INDEX_KEYS costs each lookup.

Fills a fresh PostgreSQL schema (or SQLite with ``--db sqlite``) with N contacts indexed under the
old index key (bench/key_rotation.py's ``fill``: real keyring, real contexts, bulk insert), one in
ten with a STOP, then:

1. lookups: ``contacts.find_id_by_e164`` for 2,000 numbers held, alternating rounds of the app on
   the old key alone and the app on the new key with the old one retired (before the re-index,
   so every number is found through the retired key): median µs per lookup and the ratio; then
   the same for the code-send guards (anti-pumping check and number lock), taken under both keys
   while the old one is listed;
2. ``rotate_index`` in-process at the default batch size: contacts/s and suppressions copied;
3. checks that every contact is now under the new key and every STOP has its twin under it.

Numbers are synthetic and never printed.

    .venv/bin/python bench/index_rotation.py [--contacts 50000] [--db postgresql|sqlite]
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

from bench.key_rotation import INDEX_KEY, REDIS, app_config, fill, fresh_database, make_app  # noqa: E402

NEW_INDEX_KEY = "C" * 43


def lookups(app, numbers: list[str]) -> float:
    """Median µs of find_id_by_e164 over ``numbers`` (all held)."""
    from flask_phonecapture.contacts import find_id_by_e164
    from flask_phonecapture.extension import get_state

    with app.app_context():
        state = get_state()
        took = []
        for e164 in numbers:
            started = time.perf_counter()
            assert find_id_by_e164(state, e164) is not None
            took.append((time.perf_counter() - started) * 1e6)
        state.db.session.rollback()
    return statistics.median(took)


def guards(app, first: int, count: int) -> float:
    """Median µs of what stands before a code send and is keyed by the index: the anti-pumping
    check (counters in Redis, prefix health on) and the per-number lock (rolled back), for
    ``count`` numbers not seen before, each with a prefix of its own (no limit is reached)."""
    from flask_phonecapture.contacts import lock_number
    from flask_phonecapture.extension import get_state
    from flask_phonecapture.messaging import antipump

    with app.app_context():
        state = get_state()
        took = []
        for n in range(first, first + count):
            e164 = f"+79{n:05d}1234"
            started = time.perf_counter()
            antipump.check_code_send(state, e164=e164, region="RU", ip_prefix="203.0.113.0/24")
            lock_number(state, e164)
            state.db.session.rollback()
            took.append((time.perf_counter() - started) * 1e6)
    return statistics.median(took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=50_000)
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    args = ap.parse_args()

    import sqlalchemy as sa

    from flask_phonecapture.crypto import new_key

    keys = [f"k1:{new_key()}"]
    instance = tempfile.mkdtemp(prefix="pc-idxbench-")
    os.environ["EXAMPLE_INSTANCE_PATH"] = instance
    queue = f"idxbench-{uuid.uuid4().hex[:10]}"
    db_uri, schema, admin = fresh_database(args.db, instance, "idxbench")
    try:
        old_config = app_config(db_uri, keys, queue)
        new_config = {**old_config, "PHONECAPTURE_INDEX_KEY": NEW_INDEX_KEY, "PHONECAPTURE_OLD_INDEX_KEYS": INDEX_KEY}
        old_app, new_app = make_app(old_config), make_app(new_config)
        from flask_phonecapture import migrate
        from flask_phonecapture.extension import get_state
        from flask_phonecapture.models import Contact, Suppression

        with old_app.app_context():
            migrate.upgrade()
        fill(old_app, args.contacts, {})
        with old_app.app_context():
            state = get_state()
            stops = [Suppression(blind_index=state.keyring.blind_index(f"+7900{i:07d}"), scope="marketing",
                                 reason="optout_sms") for i in range(0, args.contacts, 10)]
            state.db.session.add_all(stops)
            state.db.session.commit()
        print(f"{args.db}: {args.contacts} contacts under the old index key, {len(stops)} of them with a STOP")

        sample = [f"+7900{i:07d}" for i in range(0, args.contacts, max(1, args.contacts // 2000))][:2000]
        rounds = {"old key alone": [], "new key + old retired": []}
        for _ in range(3):
            rounds["old key alone"].append(lookups(old_app, sample))
            rounds["new key + old retired"].append(lookups(new_app, sample))
        alone, both = (statistics.median(v) for v in rounds.values())
        print(f"lookup (find_id_by_e164, {len(sample)} numbers, median of 3 alternating rounds): "
              f"old key alone {alone:.0f} µs, new key with the old one retired {both:.0f} µs (×{both / alone:.2f})")

        rounds = {"old key alone": [], "new key + old retired": []}
        for r in range(3):
            for i, (name, app) in enumerate((("old key alone", old_app), ("new key + old retired", new_app))):
                rounds[name].append(guards(app, (2 * r + i) * 1000, 1000))
        alone, both = (statistics.median(v) for v in rounds.values())
        print(f"code-send guards (anti-pumping check + number lock, 1,000 new numbers, median of 3 alternating "
              f"rounds): old key alone {alone:.0f} µs, new key with the old one retired {both:.0f} µs "
              f"(×{both / alone:.2f})")

        from flask_phonecapture.indexrotation import rotate_index

        with new_app.app_context():
            result = rotate_index(get_state(), actor="bench")
        print(f"rotate-index (batch 500): {result.contacts} contacts in {result.seconds:.1f} s "
              f"({result.contacts / result.seconds:.0f} contacts/s), {result.suppressions} suppressions copied, "
              f"{result.skipped} skipped, {result.failed} failed, {result.unheld} suppressions of numbers not held")

        with new_app.app_context():
            state = get_state()
            session = state.db.session
            wrong = sum(1 for c in session.execute(sa.select(Contact)).scalars()
                        if c.blind_index != state.keyring.blind_index(
                            state.keyring.decrypt(c.e164_enc, f"phonecapture_contact.e164_enc.{c.id}")))
            twins = session.execute(sa.select(sa.func.count(Suppression.id))).scalar()
            session.rollback()
        print(f"after: {wrong} contacts not under the new key; {twins} suppression rows "
              f"({len(stops)} old + their twins)")
        if wrong or twins != 2 * len(stops):
            raise SystemExit("FAILED: contacts or STOPs left behind")
        print("lookups after the re-index, old key emptied:",
              f"{lookups(make_app({**old_config, 'PHONECAPTURE_INDEX_KEY': NEW_INDEX_KEY}), sample):.0f} µs")
    finally:
        for app in ("old_app", "new_app"):
            if app in locals():
                with locals()[app].app_context():
                    get_state().db.engine.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        from redis import Redis

        redis = Redis.from_url(REDIS)
        for key in redis.scan_iter(f"*{queue}*"):
            redis.delete(key)


if __name__ == "__main__":
    main()
