"""Outbox and queue: one SMS per due message, whatever the queue does."""
import os
import subprocess
import sys

from sqlalchemy import select, update

from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import jobs, outbox
from flask_phonecapture.messaging.queue import RQQueue, job_id_for
from flask_phonecapture.models import Message, utcnow
from tests.conftest import REDIS_URL, require_services, sent_codes, submit


WORKER_APP = "tests.fakes.worker_app:create_app"


def worker_env(app, queue_name, tmp_path) -> dict:
    """Environment for a worker subprocess building the test app on the same database and queue."""
    return dict(os.environ, PHONECAPTURE_FAULT_DB=app.config["SQLALCHEMY_DATABASE_URI"],
                PHONECAPTURE_FAULT_REDIS=REDIS_URL, PHONECAPTURE_FAULT_QUEUE=queue_name,
                PHONECAPTURE_FAULT_INSTANCE=str(tmp_path))


def only_message(app):
    with app.app_context():
        return get_state().db.session.execute(select(Message)).scalar_one()


def test_job_run_twice_sends_once(app, client, capsys, run_jobs):
    submit(client)
    run_jobs()
    message = only_message(app)
    assert len(sent_codes(capsys)) == 1
    with app.app_context():
        assert jobs.send_message(message.id) == "skipped"
        assert jobs.send_message(message.id) == "skipped"
    assert sent_codes(capsys) == []


def test_job_arguments_are_ids_only(make_app):
    app, _ = make_app(PHONECAPTURE_REDIS_URL="redis://127.0.0.1:1/0")  # unreachable: rows stay pending
    client = app.test_client()
    assert submit(client).status_code == 201  # the visitor is not failed by the queue
    message = only_message(app)
    assert message.status == "pending"
    assert job_id_for(message.id) == f"phonecapture-msg-{message.id}"


def test_enqueue_failure_leaves_row_pending_and_the_sweeper_sends_it(make_app, capsys):
    app, _ = make_app(PHONECAPTURE_REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    submit(client)
    assert sent_codes(capsys) == []
    with app.app_context():
        state = get_state()
        state.queue = outbox_inline()
        state.db.session.execute(update(Message).values(updated_at=utcnow().replace(year=2000)))
        state.db.session.commit()
        assert outbox.sweep(state) == 1
    assert len(sent_codes(capsys)) == 1
    assert only_message(app).status == "delivered"


def outbox_inline():
    from flask_phonecapture.messaging.queue import InlineQueue

    return InlineQueue()


def test_rows_stuck_in_sending_become_unknown_and_are_not_resent(app, client, capsys, run_jobs):
    submit(client)
    run_jobs()
    sent_codes(capsys)
    with app.app_context():
        state = get_state()
        state.db.session.execute(update(Message).values(status="sending", updated_at=utcnow().replace(year=2000)))
        state.db.session.commit()
        outbox.sweep(state)
    assert only_message(app).status == "unknown"
    assert sent_codes(capsys) == []


def test_message_not_yet_due_is_not_claimed(app, client, capsys, run_jobs):
    submit(client)
    run_jobs()
    message = only_message(app)
    with app.app_context():
        state = get_state()
        state.db.session.execute(update(Message).values(status="pending", not_before=utcnow().replace(year=2100)))
        state.db.session.commit()
        assert jobs.send_message(message.id) == "skipped"


def test_real_rq_worker_process_sends_the_code(make_app, queue_name, capsys, tmp_path):
    """`flask phonecapture worker --burst` in its own process, on PostgreSQL and Redis."""
    require_services()
    app, _ = make_app()
    client = app.test_client()
    assert submit(client).status_code == 201
    assert only_message(app).status == "pending"  # in Redis, not sent yet
    with app.app_context():
        assert RQQueue(REDIS_URL, queue_name).rq.count == 1
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", WORKER_APP, "phonecapture", "worker", "--burst"],
        env=worker_env(app, queue_name, tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[phonecapture sms] +7 *** ***-**-89" in result.stdout
    assert only_message(app).status == "delivered"


def test_plain_rq_worker_runs_the_jobs_too(make_app, queue_name, tmp_path):
    """Jobs are importable by dotted path: `rq worker <queue>` with FLASK_APP set sends the code."""
    require_services()
    app, _ = make_app()
    assert submit(app.test_client()).status_code == 201
    env = dict(worker_env(app, queue_name, tmp_path), FLASK_APP=WORKER_APP)
    result = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL, "-w", "rq.SimpleWorker",
         queue_name], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "[phonecapture sms] +7 *** ***-**-89" in result.stdout
    assert only_message(app).status == "delivered"
