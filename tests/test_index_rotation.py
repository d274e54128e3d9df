"""Replacing the index key: the old one listed in PHONECAPTURE_OLD_INDEX_KEYS keeps finding numbers,
checking codes, submit tokens and unsubscribe links made before the switch, and honouring STOPs;
``flask phonecapture keys rotate-index`` moves held numbers (and their STOPs) to the new key."""
import pytest
from sqlalchemy import select

from flask_phonecapture.crypto import CryptoError
from flask_phonecapture.extension import get_state
from flask_phonecapture.messaging import inbound, links, outbox
from flask_phonecapture.models import AuditRecord, Contact, Message, Submission, Suppression
from tests.conftest import TEST_INDEX_KEY, get_token, sent_codes, submit

OLD = TEST_INDEX_KEY  # what the data below is indexed under
NEW = "C" * 43
API = "/phonecapture/api/v1"
HELD, STRANGER = "+79123456781", "+79123456782"


def drain(app):
    """Run what the app queued: a real RQ SimpleWorker in burst mode when Redis is on."""
    if not app.config.get("PHONECAPTURE_REDIS_URL"):
        return
    from redis import Redis
    from rq import Queue, SimpleWorker

    redis = Redis.from_url(app.config["PHONECAPTURE_REDIS_URL"])
    with app.app_context():
        SimpleWorker([Queue(app.config["PHONECAPTURE_QUEUE_NAME"], connection=redis)],
                     connection=redis).work(burst=True, logging_level="ERROR")


def contact_index(app, e164=HELD) -> str:
    with app.app_context():
        state = get_state()
        return next(c.blind_index for c in state.db.session.execute(select(Contact)).scalars()
                    if c.e164_enc and state.keyring.decrypt(c.e164_enc, f"phonecapture_contact.e164_enc.{c.id}") == e164)


def marketing_outcome(app, contact_id) -> str:
    """Queue a marketing SMS to the contact and say what became of it."""
    with app.app_context():
        state = get_state()
        message_id = outbox.add_message(state, contact_id=contact_id, kind="marketing", body="Sale today",
                                        purpose="marketing_sms").id
        state.db.session.commit()
        outbox.dispatch(state, [message_id])
    drain(app)
    with app.app_context():
        row = get_state().db.session.get(Message, message_id)
        return row.last_error if row.status == "cancelled" else row.status


@pytest.fixture
def before(make_app, capsys):
    """Data made under the old index key: a verified lead with marketing consent, a STOP from a
    number we don't hold, a code sent but not yet typed, a form shown, an unsubscribe link."""
    app, _ = make_app()
    client = app.test_client()
    lead = submit(client, "8 912 345-67-81", consents={"service_sms": True, "marketing_sms": True})
    assert lead.status_code == 201
    drain(app)
    (code,) = sent_codes(capsys)
    assert client.post(f"{API}/submissions/{lead.json['id']}/verify", json={"code": code}).status_code == 200
    drain(app)
    pending = submit(client, "8 912 345-67-83")
    drain(app)
    (pending_code,) = sent_codes(capsys)
    with app.app_context():
        state = get_state()
        inbound.handle(state, "console", STRANGER, "STOP")
        state.db.session.commit()
        contact_id = state.db.session.get(Submission, lead.json["id"]).contact_id
        link = links.make_token(state, contact_id)
    capsys.readouterr()
    return {"contact": contact_id, "pending": (pending.json["id"], pending_code), "link": link,
            "token": get_token(client), "old_index": contact_index(app)}


def switched(make_app, old=(OLD,), **config):
    app, _ = make_app(migrate=False, PHONECAPTURE_INDEX_KEY=NEW, PHONECAPTURE_OLD_INDEX_KEYS=",".join(old), **config)
    return app


def verified(app, phone, capsys) -> str:
    """A lead with marketing consent, confirmed with its SMS code; returns its contact id."""
    client = app.test_client()
    capsys.readouterr()
    response = submit(client, phone, consents={"service_sms": True, "marketing_sms": True})
    assert response.status_code == 201, response.json
    drain(app)
    (code,) = sent_codes(capsys)
    assert client.post(f"{API}/submissions/{response.json['id']}/verify", json={"code": code}).status_code == 200
    drain(app)
    capsys.readouterr()
    with app.app_context():
        return get_state().db.session.get(Submission, response.json["id"]).contact_id


def test_after_the_switch_the_old_key_still_finds_checks_and_suppresses(make_app, before, capsys):
    app = switched(make_app)
    client = app.test_client()
    # the same number again is the same contact (found under the old index), not a second one
    again = submit(client, "+7 912 345-67-81", consents={"service_sms": True, "marketing_sms": True})
    assert again.status_code == 201
    drain(app)
    with app.app_context():
        session = get_state().db.session
        assert session.get(Submission, again.json["id"]).contact_id == before["contact"]
        assert session.execute(select(Contact)).scalars().all().__len__() == 2  # HELD and the pending one
    # a code sent before the switch, a form shown before it, an unsubscribe link sent before it
    sid, code = before["pending"]
    assert client.post(f"{API}/submissions/{sid}/verify", json={"code": code}).status_code == 200
    assert submit(client, "+7 912 345-67-84", token=before["token"]).status_code == 201
    drain(app)  # its code SMS
    assert client.get(f"/phonecapture/u/{before['link']}").status_code == 200
    # a STOP recorded before the switch, from a number that signs up only now, still holds
    assert marketing_outcome(app, verified(app, STRANGER, capsys)) == "number is on the suppression list"


def test_without_the_old_key_nothing_made_before_the_switch_is_accepted(make_app, before):
    app = switched(make_app, old=())
    client = app.test_client()
    sid, code = before["pending"]
    assert client.post(f"{API}/submissions/{sid}/verify", json={"code": code}).status_code == 422
    assert submit(client, "+7 912 345-67-84", token=before["token"]).json["error"] == "invalid_token"
    assert client.get(f"/phonecapture/u/{before['link']}").status_code == 404


def test_rotate_index_moves_held_numbers_and_their_stops_to_the_new_key(make_app, before, capsys):
    app = switched(make_app)
    with app.app_context():  # the held number says STOP (an unsubscribe link) before the re-index
        state = get_state()
        inbound.withdraw_marketing(state, state.db.session.get(Contact, before["contact"]), channel="link")
        state.db.session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["phonecapture", "keys", "rotate-index", "--actor", "dpo@shop.example",
                               "--batch-size", "1"])
    assert done.exit_code == 0, done.output
    assert "contacts: 2 re-indexed, 0 already under the current key" in done.output
    assert "suppressions copied under the current key: 1" in done.output
    assert "1 suppression row(s) belong to numbers not held" in done.output  # the stranger's STOP
    assert contact_index(app) != before["old_index"]
    with app.app_context():
        state = get_state()
        assert contact_index(app) == state.keyring.blind_index(HELD)
        audit = state.db.session.execute(select(AuditRecord).order_by(AuditRecord.id.desc())).scalars().first()
        assert (audit.action, audit.target, audit.actor) == ("key_rotate", "PHONECAPTURE_INDEX_KEY", "dpo@shop.example")
    again = runner.invoke(args=["phonecapture", "keys", "rotate-index", "--actor", "dpo"])
    assert "contacts: 0 re-indexed, 2 already under the current key" in again.output  # resumable, idempotent

    # Once the old key is dropped: the held number is still found (the same contact, ticking the
    # marketing box again) and its STOP still holds.
    after = switched(make_app, old=())
    assert verified(after, HELD, capsys) == before["contact"]
    with after.app_context():
        suppressed = get_state().db.session.execute(select(Suppression.blind_index)).scalars().all()
        assert get_state().keyring.blind_index(HELD) in suppressed
    assert marketing_outcome(after, before["contact"]) == "number is on the suppression list"


def test_rotate_index_needs_the_old_key_listed(make_app, before):
    app, _ = make_app(migrate=False)
    refused = app.test_cli_runner().invoke(args=["phonecapture", "keys", "rotate-index", "--actor", "ops"])
    assert refused.exit_code == 2 and "PHONECAPTURE_OLD_INDEX_KEYS is empty" in refused.output


@pytest.mark.parametrize("old, said", [("A" * 20, "key 1 is shorter than 32 bytes"),
                                       (TEST_INDEX_KEY, "key 1 is PHONECAPTURE_INDEX_KEY itself"),
                                       ("C" * 43 + ",!!!", "key 2 is not base64")])
def test_a_bad_old_index_key_stops_the_app_with_a_message(make_app, old, said):
    with pytest.raises(CryptoError, match=said):
        make_app(PHONECAPTURE_OLD_INDEX_KEYS=old)


def processes_on_both_sides_of_the_switch(make_app, **config):
    """An app on the old keys and one given the new keys, counting in the same place: the same
    Redis when there is one; otherwise this test hands them one in-memory store (each process
    would count alone without Redis, which the counters' own tests cover)."""
    from flask_phonecapture.messaging import runtime

    old, _ = make_app(**config)
    new = switched(make_app, **config)
    if not old.config.get("PHONECAPTURE_REDIS_URL"):
        with old.app_context():
            new.extensions[runtime.KEY] = runtime.runtime()
    return old, new


def code_send_refusal(app, e164=HELD) -> str | None:
    from flask_phonecapture.leads import LeadError
    from flask_phonecapture.messaging import antipump

    with app.app_context():
        try:
            antipump.check_code_send(get_state(), e164=e164, region="RU", ip_prefix="203.0.113.0/24")
        except LeadError as err:
            return err.code
    return None


@pytest.mark.parametrize("first, second", [("old", "new"), ("new", "old")])
def test_anti_pumping_limits_run_on_through_the_key_switch(make_app, first, second):
    """One code a minute per number, whichever side of a deploy sent the first: counted under every
    key a process holds, read under every key."""
    from flask_phonecapture.config import DEFAULTS

    old, new = processes_on_both_sides_of_the_switch(
        make_app, PHONECAPTURE_PUMP_LIMITS={"number": DEFAULTS["PHONECAPTURE_PUMP_LIMITS"]["number"]},
        PHONECAPTURE_PREFIX_HEALTH={})
    apps = {"old": old, "new": new}
    assert code_send_refusal(apps[first]) is None
    assert code_send_refusal(apps[second]) == "too_many_codes_number"
    assert code_send_refusal(apps[second], "+79123456782") is None  # another number: its own count


def test_a_prefix_blocked_before_the_switch_stays_blocked(make_app):
    """Prefix health: codes to a prefix that nobody verifies block it, and the new keys see it."""
    old, new = processes_on_both_sides_of_the_switch(
        make_app, PHONECAPTURE_PUMP_LIMITS={},
        PHONECAPTURE_PREFIX_HEALTH={"min_sent": 3, "min_ratio": 0.5, "window_s": 3600, "block_s": 600})
    for last4 in range(3):
        assert code_send_refusal(old, f"+7912345{last4:04d}") is None
    assert code_send_refusal(new, "+79123459999") == "prefix_blocked"
    assert code_send_refusal(old, "+79123458888") == "prefix_blocked"


def test_a_process_with_the_new_keys_takes_the_number_lock_of_one_without_them(make_app):
    """The per-number lock (one SMS for two simultaneous submissions) holds through a deploy: the new
    keys take the old key's slot as well as their own."""
    from flask_phonecapture.contacts import lock_slots

    old, new = processes_on_both_sides_of_the_switch(make_app)
    with old.app_context():
        (before_slot,) = lock_slots(get_state(), HELD)
    with new.app_context():
        slots = lock_slots(get_state(), HELD)
    assert before_slot in slots and slots == sorted(slots) and len(slots) == 2
    with switched(make_app, old=()).app_context():
        assert lock_slots(get_state(), HELD) == [s for s in slots if s != before_slot]
