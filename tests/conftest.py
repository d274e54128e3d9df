"""Test fixtures: an app factory on a fresh database per test.

Backends come from the environment, so the same suite runs twice in ``make test``:
- default: SQLite file in tmp_path + in-process queue;
- ``PHONECAPTURE_TEST_DATABASE_URL`` (PostgreSQL; a schema per test, dropped after) and
  ``PHONECAPTURE_TEST_REDIS_URL`` (real RQ; a queue name per test, its keys deleted after).
``PHONECAPTURE_TEST_STRICT=1`` turns every skip for a missing service into a failure.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture

pytest_plugins = ["tests.fakes.fixtures"]

STRICT = os.environ.get("PHONECAPTURE_TEST_STRICT") == "1"
DATABASE_URL = os.environ.get("PHONECAPTURE_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("PHONECAPTURE_TEST_REDIS_URL")

CONSENTS = [
    {"purpose": "service_sms", "required": True, "policy_url": "/privacy",
     "text": "Согласен на обработку номера для ответа на заявку (152-ФЗ)."},
    {"purpose": "marketing_sms", "required": False, "policy_url": "/privacy",
     "text": "Хочу получать SMS о скидках (можно отписаться)."},
]
FORMS = {
    "callback": {"mode": "inline", "locale": "ru", "default_region": "RU",
                 "countries": ["RU", "KZ", "BY", "DE"], "fields": {"name": "optional"},
                 "texts": {"title": "Перезвоните мне"}, "consents": CONSENTS},
    "tracking": {"mode": "popup", "locale": "ru", "default_region": "RU", "countries": ["RU"],
                 "consents": CONSENTS},
    "world": {"mode": "inline", "locale": "en", "default_region": "US", "consents": CONSENTS[:1]},
}
TEST_KEYS = "k1:" + "A" * 43  # 32 zero-ish bytes; fixed so tests can build a second app on the same data
TEST_INDEX_KEY = "B" * 43


EMBEDDED_PASS = os.environ.get("PHONECAPTURE_TEST_PASS") == "embedded"


def require_services() -> None:
    """For tests that only mean something on PostgreSQL + Redis.

    ``make test`` runs the suite twice; in the embedded (SQLite) pass these tests are
    deliberately skipped, in the services pass a missing service is a skip or, strict, a failure.
    """
    if EMBEDDED_PASS:
        pytest.skip("runs in the PostgreSQL + Redis pass of make test")
    require(bool(DATABASE_URL), "PHONECAPTURE_TEST_DATABASE_URL is not set")
    require(bool(REDIS_URL), "PHONECAPTURE_TEST_REDIS_URL is not set")


def require(condition: bool, reason: str) -> None:
    """Skip, or fail under PHONECAPTURE_TEST_STRICT=1."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"strict mode: {reason}")
    pytest.skip(reason)


def _reachable() -> dict[str, str | None]:
    """Why each configured service can't be used (None when it can); checked once per session."""
    problems: dict[str, str | None] = {"db": None, "redis": None}
    if DATABASE_URL:
        import sqlalchemy as sa

        try:
            engine = sa.create_engine(DATABASE_URL, connect_args={"connect_timeout": 3})
            with engine.connect():
                pass
            engine.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
            problems["db"] = f"PostgreSQL at PHONECAPTURE_TEST_DATABASE_URL is unreachable ({type(exc).__name__})"
    if REDIS_URL:
        from redis import Redis

        try:
            redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
            redis.ping()
            policy = redis.config_get("maxmemory-policy").get("maxmemory-policy")
            if policy not in (None, "noeviction"):
                problems["redis"] = f"Redis maxmemory-policy is {policy}; queued jobs need noeviction"
            redis.close()
        except Exception as exc:  # noqa: BLE001
            problems["redis"] = f"Redis at PHONECAPTURE_TEST_REDIS_URL is unreachable ({type(exc).__name__})"
    return problems


@pytest.fixture(scope="session")
def services():
    return _reachable()


# -- database ------------------------------------------------------------------
@pytest.fixture
def database_url(tmp_path, services):
    if not DATABASE_URL:
        yield "sqlite:///" + str(tmp_path / "test.sqlite")
        return
    require(services["db"] is None, services["db"] or "")
    require(services["redis"] is None, services["redis"] or "")
    import sqlalchemy as sa

    schema = f"pctest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in DATABASE_URL else "?"
    yield f"{DATABASE_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def queue_name():
    name = f"pctest-{uuid.uuid4().hex[:12]}"
    yield name
    if REDIS_URL:
        from redis import Redis

        redis = Redis.from_url(REDIS_URL)
        for key in redis.scan_iter(f"*{name}*"):
            redis.delete(key)
        redis.close()


@pytest.fixture
def make_app(tmp_path, database_url, queue_name):
    """Build (app, extension) with test defaults; keyword arguments override config."""
    apps = []

    def factory(migrate: bool = True, **overrides) -> tuple[Flask, PhoneCapture]:
        app = Flask("phonecapture_test", instance_path=str(tmp_path / f"instance{len(apps)}"))
        app.config.update(
            TESTING=True,
            SECRET_KEY="test-secret",
            SQLALCHEMY_DATABASE_URI=database_url,
            PHONECAPTURE_FORMS=FORMS,
            PHONECAPTURE_KEYS=TEST_KEYS,
            PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY,
            PHONECAPTURE_MIN_FILL_MS=0,
            PHONECAPTURE_ERASE_ANSWER_MS=0,  # test_privacy_erase measures the default on its own
            PHONECAPTURE_QUEUE_NAME=queue_name,
            PHONECAPTURE_REDIS_URL=REDIS_URL,
            PHONECAPTURE_RATELIMIT_SUBMIT="1000/minute",
            PHONECAPTURE_RATELIMIT_VERIFY="1000/minute",
            PHONECAPTURE_PUMP_LIMITS={},  # tests move the clock in the DB; test_messaging_antipump sets them
        )
        app.config.update(overrides)
        db = SQLAlchemy(app)
        ext = PhoneCapture(app, db=db)
        if migrate:
            with app.app_context():
                from flask_phonecapture import migrate as migrations

                migrations.upgrade()
        apps.append((app, db))
        return app, ext

    yield factory
    for app, db in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app, _ = make_app()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


# -- queue ---------------------------------------------------------------------
@pytest.fixture
def run_jobs(app):
    """Run queued jobs to completion: a real RQ SimpleWorker in burst mode when Redis is on."""

    def run():
        if not app.config.get("PHONECAPTURE_REDIS_URL"):
            return
        from redis import Redis
        from rq import Queue, SimpleWorker

        redis = Redis.from_url(app.config["PHONECAPTURE_REDIS_URL"])
        queue = Queue(app.config["PHONECAPTURE_QUEUE_NAME"], connection=redis)
        with app.app_context():
            SimpleWorker([queue], connection=redis).work(burst=True, logging_level="ERROR")

    return run


# -- API helpers -------------------------------------------------------------
SMS_LINE = re.compile(r"\[phonecapture sms\] (\S+ .*?) (?:Код подтверждения|Your confirmation code): (\d{6})")


def sent_codes(capsys) -> list[str]:
    """Codes the console provider printed since the last call."""
    out = capsys.readouterr().out
    return [m.group(2) for m in SMS_LINE.finditer(out)]


def get_token(client, form_id="callback") -> str:
    response = client.get(f"/phonecapture/api/v1/forms/{form_id}")
    assert response.status_code == 200, response.json
    return response.json["token"]


def submit(client, phone="8 912 345-67-89", form_id="callback", consents=None, **extra):
    body = {"form_id": form_id, "token": get_token(client, form_id), "phone": phone,
            "consents": {"service_sms": True} if consents is None else consents,
            "hp": "", "elapsed_ms": 4000}
    body.update(extra)
    return client.post("/phonecapture/api/v1/submissions", json=body)


@pytest.fixture
def submitted(client, capsys, run_jobs):
    """Submit a number and return (submission id, code read from the console SMS)."""

    def go(phone="8 912 345-67-89", **kw):
        response = submit(client, phone, **kw)
        assert response.status_code == 201, response.json
        run_jobs()
        codes = sent_codes(capsys)
        assert codes, "no SMS was printed"
        return response.json["id"], codes[-1]

    return go
