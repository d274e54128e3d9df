"""Fault tests: real Redis (a private server we stop and start), real ``flask phonecapture
worker`` processes, the local provider servers. Nothing lost, nothing sent twice.

``PHONECAPTURE_FAULT_OUTAGE_S`` sets the Redis outage (default 30 s, as the issue asks).
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging.signatures import twilio_signature
from flask_phonecapture.models import Message
from tests.conftest import require_services, submit
from tests.fakes.faults import AppServer, RedisServer, Worker, free_port, wait_until

OUTAGE_S = float(os.environ.get("PHONECAPTURE_FAULT_OUTAGE_S", "30"))
#: knobs that make a fault test take seconds instead of minutes
FAST = {"PHONECAPTURE_SWEEP_INTERVAL_S": 1, "PHONECAPTURE_SWEEP_STALE_S": 2,
        "PHONECAPTURE_SMS_SENDING_TIMEOUT_S": 3, "PHONECAPTURE_SMS_TIMEOUT": 1,
        "PHONECAPTURE_PREFIX_HEALTH": {}}  # the test numbers share one prefix and are never verified


@pytest.fixture
def private_redis(tmp_path):
    require_services()
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path, queue_name):
    started: list[Worker] = []

    def start(app, config, name="w1"):
        worker = Worker(db_url=app.config["SQLALCHEMY_DATABASE_URI"],
                        redis_url=app.config["PHONECAPTURE_REDIS_URL"], queue=queue_name,
                        workdir=tmp_path, config=config, name=name)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def rows(app) -> list[Message]:
    with app.app_context():
        session = get_state().db.session
        session.rollback()  # see what the workers committed
        result = session.execute(select(Message).order_by(Message.created_at)).scalars().all()
        session.expunge_all()
        return result


def numbers():
    i = 0
    while True:
        i += 1
        yield f"+7912{i:07d}"


def test_redis_outage_loses_nothing_and_sends_every_code_once(make_app, private_redis, workers,
                                                              fake_twilio):
    config = {**fake_twilio.config(), **FAST}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    worker = workers(app, config)
    client = app.test_client()
    phones, answers = numbers(), []

    def submit_one():
        answers.append(submit(client, next(phones)).status_code)

    for _ in range(5):
        submit_one()
    wait_until(lambda: len(fake_twilio.accepted) == 5, 30, what="codes before the outage")

    private_redis.stop()
    outage_ends = time.monotonic() + OUTAGE_S
    while time.monotonic() < outage_ends:  # visitors keep coming while Redis is down
        submit_one()
        time.sleep(0.5)
    during = len(answers) - 5
    private_redis.start()  # back, and empty: every job it held is gone
    for _ in range(3):
        submit_one()

    assert during >= 5 and Counter(answers) == {201: len(answers)}  # nobody got an error
    wait_until(lambda: len(fake_twilio.accepted) >= len(answers), 60 + OUTAGE_S,
               what=f"all {len(answers)} codes after Redis returned")
    time.sleep(3)  # would a duplicate still arrive?
    sent_to = Counter(m.to for m in fake_twilio.accepted)
    assert len(fake_twilio.accepted) == len(answers) and max(sent_to.values()) == 1
    final = rows(app)
    assert len(final) == len(answers) and {m.status for m in final} == {"sent"}
    assert worker.process.poll() is None, worker.log()[-2000:]


def test_sigkill_mid_send_never_resends_what_the_provider_accepted(make_app, private_redis, workers,
                                                                  fake_twilio):
    config = {**fake_twilio.config(), **FAST, "PHONECAPTURE_SMS_TIMEOUT": 20}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    client = app.test_client()
    phones = numbers()
    fake_twilio.hang_next(1, seconds=15, accept=True)  # the first send is accepted, then hangs
    for _ in range(6):
        assert submit(client, next(phones)).status_code == 201
    first = workers(app, config, name="doomed")
    wait_until(lambda: fake_twilio.requests_to("send"), 30, what="the first send to start")
    time.sleep(0.3)
    first.kill()  # SIGKILL in the middle of the provider call
    assert len(fake_twilio.accepted) == 1

    workers(app, config, name="second")
    wait_until(lambda: len(fake_twilio.accepted) == 6, 60, what="the other five codes")
    killed = next(m for m in rows(app) if m.status not in ("sent",))
    wait_until(lambda: next(m for m in rows(app) if m.id == killed.id).status == "unknown", 30,
               what="the interrupted send to become unknown")
    time.sleep(3)
    assert Counter(m.to for m in fake_twilio.accepted).most_common(1)[0][1] == 1
    assert Counter(m.status for m in rows(app)) == {"sent": 5, "unknown": 1}


def test_500_then_timeout_then_success_is_one_delivery_with_the_retries_counted(
        make_app, private_redis, workers, fake_http_gateway):
    config = {**fake_http_gateway.config(), **FAST, "PHONECAPTURE_SMS_BACKOFF": [0.5, 0.5, 0.5]}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    fake_http_gateway.fail_next(1, status=500)
    fake_http_gateway.hang_next(1, seconds=3)
    workers(app, config)
    assert submit(app.test_client()).status_code == 201
    wait_until(lambda: fake_http_gateway.accepted, 30, what="the delivery")
    message = wait_until(lambda: next((m for m in rows(app) if m.status == "sent"), None), 10,
                         what="the row to be sent")
    time.sleep(1.5)
    assert len(fake_http_gateway.accepted) == 1 and len(fake_http_gateway.requests_to("send")) == 3
    assert message.attempts == 3 and rows(app)[0].status == "sent"


def test_500_then_ambiguous_timeout_on_twilio_is_not_resent(make_app, private_redis, workers,
                                                            fake_twilio):
    """Twilio can't de-duplicate: after the answer is lost the row waits as unknown."""
    config = {**fake_twilio.config(), **FAST, "PHONECAPTURE_SMS_BACKOFF": [0.5, 0.5, 0.5]}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    fake_twilio.fail_next(1, status=500)
    fake_twilio.hang_next(1, seconds=3, accept=True)
    workers(app, config)
    assert submit(app.test_client()).status_code == 201
    wait_until(lambda: rows(app)[0].status == "unknown", 30, what="the row to become unknown")
    time.sleep(3)
    assert len(fake_twilio.accepted) == 1 and len(fake_twilio.requests_to("send")) == 2
    assert rows(app)[0].attempts == 2


@pytest.mark.parametrize("provider", ["twilio", "smsru"])
def test_receipt_before_the_send_returns_then_again_then_out_of_order(make_app, private_redis,
                                                                     workers, provider, request):
    server = request.getfixturevalue(f"fake_{provider}")
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    config = {**server.config(), **FAST, "PHONECAPTURE_PUBLIC_URL": public}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    web = AppServer(app, port)
    try:
        hook = f"{public}/phonecapture/hooks/{provider}/status"
        if provider == "smsru":
            server.callback_url = hook  # the SMS.ru cabinet setting
        server.receipt_before_response = "delivered"
        workers(app, config)
        assert submit(app.test_client()).status_code == 201
        wait_until(lambda: server.accepted, 30, what="the send")
        wait_until(lambda: rows(app)[0].provider_id, 10, what="the send answer to be recorded")
        [accepted] = server.accepted
        # On a loaded machine the worker's read can time out while the receipt is still being
        # posted, and its retry (same idempotency key) records the answer first: wait for it.
        wait_until(lambda: server.callbacks, 15, what="the early receipt's answer")
        assert server.callbacks[0][1] == 200  # the receipt raced the answer, and was taken
        assert rows(app)[0].status == "delivered"
        server.fire_status(hook if provider == "smsru" else accepted.callback_url, accepted.id,
                           "delivered")                                  # again
        target = hook if provider == "smsru" else accepted.callback_url
        assert server.fire_status(target, accepted.id, "sent").status_code == 200   # out of order
        assert rows(app)[0].status == "delivered"
    finally:
        web.stop()


def test_a_worker_started_while_redis_is_down_waits_for_it_then_sends(make_app, private_redis,
                                                                        workers, fake_twilio):
    config = {**fake_twilio.config(), **FAST}
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url, **config)
    private_redis.stop()
    worker = workers(app, config)
    time.sleep(4)  # it has met the closed port by now
    assert worker.process.poll() is None, worker.log()[-2000:]
    private_redis.start()
    assert submit(app.test_client()).status_code == 201
    wait_until(lambda: fake_twilio.accepted, 30, what="the code once Redis is up")


def test_worker_stops_on_sigterm_and_survives_a_redis_restart(make_app, private_redis, workers):
    app, _ = make_app(PHONECAPTURE_REDIS_URL=private_redis.url)
    worker = workers(app, {})
    time.sleep(3)  # up and idle
    private_redis.stop()
    time.sleep(2)
    private_redis.start()
    time.sleep(3)
    assert worker.process.poll() is None, worker.log()[-2000:]
    started = time.monotonic()
    worker.process.terminate()
    worker.process.wait(8)
    assert time.monotonic() - started < 8
