"""No phone number, in any spelling, in the database, the Redis keys or the logs."""
import logging
import re

import sqlalchemy as sa

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import metadata
from tests.conftest import REDIS_URL, submit

NUMBER = "+7 (912) 345-67-89"
NEEDLES = ["9123456789", "912 345", "912) 345", "345-67-89", "3456789", "Анна"]


def digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def dump_database(app) -> str:
    parts = []
    with app.app_context():
        engine = get_state().db.engine
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def dump_redis(queue_name: str) -> str:
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    parts = []
    for key in redis.scan_iter("*"):
        parts.append(key.decode("latin-1"))
        kind = redis.type(key).decode()
        if kind == "string":
            parts.append((redis.get(key) or b"").decode("latin-1"))
        elif kind == "hash":
            for k, v in redis.hgetall(key).items():
                parts.append(k.decode("latin-1") + "=" + v.decode("latin-1"))
        elif kind == "list":
            parts.extend(v.decode("latin-1") for v in redis.lrange(key, 0, -1))
        elif kind == "zset":
            parts.extend(v.decode("latin-1") for v in redis.zrange(key, 0, -1))
    return "\n".join(parts)


def test_no_plaintext_number_or_name_anywhere(app, client, caplog, run_jobs, queue_name, tmp_path):
    caplog.set_level(logging.DEBUG)
    response = submit(client, NUMBER, name="Анна", source={
        "page_url": "https://shop.example/p?phone=%2B79123456789&utm_source=ya", "utm_content": "89123456789"})
    assert response.status_code == 201
    if REDIS_URL:  # the job is in Redis now: its arguments must be ids only
        assert "9123456789" not in dump_redis(queue_name)
    run_jobs()
    dump = dump_database(app)
    for needle in NEEDLES:
        assert needle not in dump, needle
    assert "ya" in dump  # the scan does see the submission's other columns
    db_file = tmp_path / "test.sqlite"
    if db_file.exists():
        raw = db_file.read_bytes()
        assert b"9123456789" not in raw and "Анна".encode() not in raw
    for record in caplog.records:
        assert "9123456789" not in digits_only(record.getMessage())
    if REDIS_URL:
        assert "9123456789" not in dump_redis(queue_name)


def test_error_answers_do_not_echo_the_number(client):
    response = submit(client, "+49 30 1234567", form_id="tracking")
    assert response.status_code == 422
    assert "1234567" not in response.get_data(as_text=True)
