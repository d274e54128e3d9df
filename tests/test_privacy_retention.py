"""Retention: numbers never confirmed are erased 30 days after their last submission (by default);
with PHONECAPTURE_RETENTION_DAYS set, every number is, that long after its last submission."""
import threading
import time
from datetime import timedelta

from sqlalchemy import select, update

from flask_phonecapture import privacy
from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import jobs
from flask_phonecapture.models import AuditRecord, Contact, Submission, utcnow
from tests.conftest import sent_codes, submit


def lead(app, client, capsys, run_jobs, phone, days_ago, verify=False):
    response = submit(client, phone)
    assert response.status_code == 201, response.json
    run_jobs()
    (code,) = sent_codes(capsys)
    if verify:
        assert client.post(f"/phonecapture/api/v1/submissions/{response.json['id']}/verify",
                           json={"code": code}).status_code == 200
        run_jobs()
        capsys.readouterr()
    with app.app_context():
        session = get_state().db.session
        session.execute(update(Submission).where(Submission.id == response.json["id"])
                        .values(created_at=utcnow() - timedelta(days=days_ago)))
        session.commit()
        return session.execute(select(Submission.contact_id).where(Submission.id == response.json["id"])).scalar()


def statuses(app) -> dict:
    with app.app_context():
        return dict(get_state().db.session.execute(select(Contact.id, Contact.status)).all())


def test_numbers_never_confirmed_are_erased_after_30_days(make_app, capsys, run_jobs):
    app, _ = make_app()
    client = app.test_client()
    old = lead(app, client, capsys, run_jobs, "+7 912 345-67-81", days_ago=31)
    fresh = lead(app, client, capsys, run_jobs, "+7 912 345-67-82", days_ago=29)
    confirmed = lead(app, client, capsys, run_jobs, "+7 912 345-67-83", days_ago=400, verify=True)
    result = app.test_cli_runner().invoke(args=["phonecapture", "retention"])
    assert result.exit_code == 0 and "erased 1 contact(s)" in result.output
    assert statuses(app) == {old: "erased", fresh: "active", confirmed: "active"}
    with app.app_context():
        session = get_state().db.session
        assert session.get(Contact, old).e164_enc is None
        record = session.execute(select(AuditRecord)).scalar_one()
        assert (record.actor, record.target, record.reason) == ("retention", old, "retention: never confirmed")


def test_with_retention_days_every_number_goes_that_long_after_its_last_submission(make_app, capsys, run_jobs,
                                                                                  monkeypatch):
    app, _ = make_app(PHONECAPTURE_RETENTION_DAYS=365, PHONECAPTURE_UNVERIFIED_RETENTION_DAYS=None)
    client = app.test_client()
    stale = lead(app, client, capsys, run_jobs, "+7 912 345-67-81", days_ago=366, verify=True)
    back = lead(app, client, capsys, run_jobs, "+7 912 345-67-82", days_ago=500, verify=True)
    lead(app, client, capsys, run_jobs, "+7 912 345-67-82", days_ago=10)  # came back: a new submission
    young = lead(app, client, capsys, run_jobs, "+7 912 345-67-83", days_ago=40)  # unverified rule off
    with app.app_context():
        jobs.sweep()  # the scheduled sweep job erases them too (once an hour)
    assert statuses(app) == {stale: "erased", back: "active", young: "active"}


def test_retention_off_erases_nothing(make_app, capsys, run_jobs):
    app, _ = make_app(PHONECAPTURE_UNVERIFIED_RETENTION_DAYS=None)
    client = app.test_client()
    kept = lead(app, client, capsys, run_jobs, "+7 912 345-67-81", days_ago=3650)
    result = app.test_cli_runner().invoke(args=["phonecapture", "retention"])
    assert "erased 0 contact(s)" in result.output and statuses(app) == {kept: "active"}


def _slow_first_erasure(monkeypatch, pause_s, before=False):
    """The sweep pauses before or after its first erasure (a big batch, a slow disk): others act
    meanwhile."""
    real = privacy.erase_contact
    calls = []

    def slow(state, contact, **kw):
        calls.append(kw["actor"])
        if before and len(calls) == 1:
            time.sleep(pause_s)
        real(state, contact, **kw)
        if not before and len(calls) == 1:
            time.sleep(pause_s)

    monkeypatch.setattr(privacy, "erase_contact", slow)


def test_a_number_signing_up_again_while_the_sweep_runs_keeps_its_new_lead(make_app, capsys, run_jobs,
                                                                         monkeypatch):
    app, _ = make_app()
    client = app.test_client()
    first = lead(app, client, capsys, run_jobs, "+7 912 345-67-81", days_ago=40)
    lead(app, client, capsys, run_jobs, "+7 912 345-67-82", days_ago=40)
    _slow_first_erasure(monkeypatch, 0.6, before=True)
    back = {}

    def sign_up_again():  # while the sweep holds its list of due contacts
        time.sleep(0.2)
        back["response"] = submit(app.test_client(), "+7 912 345-67-82", form_id="tracking")

    thread = threading.Thread(target=sign_up_again)
    thread.start()
    with app.app_context():
        privacy.sweep_retention(get_state())
    thread.join()
    assert back["response"].status_code == 201
    run_jobs()
    (code,) = sent_codes(capsys)  # the new lead got its code and takes it
    verify = client.post(f"/phonecapture/api/v1/submissions/{back['response'].json['id']}/verify",
                         json={"code": code})
    assert verify.status_code == 200, verify.json
    with app.app_context():
        session = get_state().db.session
        fresh = session.get(Submission, back["response"].json["id"])
        assert fresh.contact.status == "active" and fresh.status == "verified"
        assert session.get(Contact, first).status == "erased"


def test_a_visitor_confirming_while_the_sweep_erases_gets_the_receipt_not_an_error(make_app, capsys, run_jobs,
                                                                                   monkeypatch):
    """On PostgreSQL the two used to lock the audit table and the contact's rows in opposite
    orders: a deadlock, and a 500 for the visitor."""
    from tests.test_privacy_erase import confirm, erase_code_for

    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    lead(app, client, capsys, run_jobs, "+7 912 345-67-81", days_ago=40)
    mine = lead(app, client, capsys, run_jobs, "+7 912 345-67-82", days_ago=40)
    visitor, url, code = erase_code_for(app, capsys, run_jobs, "+7 912 345-67-82")
    _slow_first_erasure(monkeypatch, 0.8)
    answer = {}

    def confirm_meanwhile():
        time.sleep(0.3)
        answer["response"] = confirm(visitor, url, code)

    thread = threading.Thread(target=confirm_meanwhile)
    thread.start()
    with app.app_context():
        privacy.sweep_retention(get_state())
    thread.join()
    assert answer["response"].status_code == 200
    assert statuses(app)[mine] == "erased"
    with app.app_context():  # erased once, by whoever came first
        targets = get_state().db.session.execute(select(AuditRecord.target)).scalars().all()
        assert sorted(targets) == sorted(set(targets)) and mine in targets


def test_a_failing_retention_pass_leaves_the_sweep_job_done_and_the_outbox_swept(make_app, capsys, run_jobs,
                                                                               monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture.messaging.queue import SWEEP_JOB
    from flask_phonecapture.models import Message
    from tests.conftest import REDIS_URL
    from tests.messaging_helpers import add_due

    app, _ = make_app()
    contact = lead(app, app.test_client(), capsys, run_jobs, "+7 912 345-67-81", days_ago=1)
    waiting = add_due(app, contact, kind="confirmation", body="Спасибо, перезвоним")

    def broken(state, *args, **kw):
        raise OperationalError("SELECT", {}, Exception("canceling statement due to statement timeout"))

    monkeypatch.setattr(privacy, "sweep_retention", broken)
    if REDIS_URL:  # the real job, in a real worker
        from redis import Redis
        from rq import Queue
        from rq.job import Job

        redis = Redis.from_url(REDIS_URL)
        Queue(app.config["PHONECAPTURE_QUEUE_NAME"], connection=redis).enqueue(
            SWEEP_JOB, kwargs={"older_than_s": 0}, job_id=app.config["PHONECAPTURE_QUEUE_NAME"] + "-sweep")
        run_jobs()
        assert Job.fetch(app.config["PHONECAPTURE_QUEUE_NAME"] + "-sweep", connection=redis).get_status() == "finished"
    else:
        with app.app_context():
            assert jobs.sweep(older_than_s=0) == 1
    with app.app_context():
        assert get_state().db.session.get(Message, waiting).status in ("sent", "delivered")
    assert "retention pass failed (OperationalError)" in caplog.text
