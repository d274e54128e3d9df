"""``flask phonecapture keys status`` / ``keys rotate``: retiring an encryption key."""
import getpass
from collections import Counter
from datetime import timedelta

from sqlalchemy import event, select, update

from flask_phonecapture import keyrotation
from flask_phonecapture.crypto import Keyring, parse_keyring
from flask_phonecapture.extension import get_state
from flask_phonecapture.keyrotation import encrypted_columns
from flask_phonecapture.messaging import outbox
from flask_phonecapture.models import AuditRecord, Contact, Message, utcnow
from flask_phonecapture.privacy import audit, verify_audit_chain
from tests.conftest import TEST_KEYS

NEW_KEY = "k2:" + "C" * 43
ROTATED_KEYS = f"{NEW_KEY},{TEST_KEYS}"  # the new key first, the old one kept for reading
NEEDLES = ["9123456789", "912 345", "345-67-89", "3456789", "9161112233", "Анна"]


def run(app, *args):
    return app.test_cli_runner().invoke(args=["phonecapture", "keys", *args])


def stored(app) -> dict[str, str]:
    """Every ciphertext in the database, by its associated-data context."""
    with app.app_context():
        session = get_state().db.session
        out = {}
        for table, column in encrypted_columns():
            (pk,) = table.primary_key.columns
            for rid, token in session.execute(select(pk, column).where(column.is_not(None))):
                out[f"{table.name}.{column.name}.{rid}"] = token
        session.rollback()
    return out


def readable(app) -> dict[str, str]:
    """What ``app``'s keyring decrypts every stored value to."""
    with app.app_context():
        keyring = get_state().keyring
    return {ctx: keyring.decrypt(token, ctx) for ctx, token in stored(app).items()}


def key_ids(app) -> set[str]:
    return {token.split(".")[1] for token in stored(app).values()}


def contact_of(app, sid) -> str:
    with app.app_context():
        from flask_phonecapture.models import Submission

        return get_state().db.session.get(Submission, sid).contact_id


def write_now(app, contact_id, **values):
    """A write from another connection, committed at once (a concurrent request)."""
    with app.app_context():
        with get_state().db.engine.begin() as conn:
            conn.execute(update(Contact).where(Contact.id == contact_id).values(**values))


def test_every_column_ending_in_enc_is_found_from_the_models():
    names = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert names == {"phonecapture_contact.e164_enc", "phonecapture_contact.national_enc",
                     "phonecapture_contact.international_enc", "phonecapture_submission.name_enc",
                     "phonecapture_message.body_enc"}


def test_rotation_moves_every_value_to_the_new_key_and_the_app_still_reads_them(
        app, client, submitted, make_app):
    sid, code = submitted(name="Анна")
    before = readable(app)
    assert key_ids(app) == {"k1"} and len(before) >= 4  # the number's three forms and the name

    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    status = run(rotated, "status")
    assert status.exit_code == 0
    assert "k1: 0 values left" not in status.output and "run `flask phonecapture keys rotate`" in status.output

    result = run(rotated, "rotate", "--actor", "ops@example.com")
    assert result.exit_code == 0, result.output
    assert f"{len(before)} rotated" in result.output and "rows/s" in result.output
    assert key_ids(app) == {"k2"}

    # the old key can go: an app that only knows the new one reads everything
    new_only, _ = make_app(PHONECAPTURE_KEYS=NEW_KEY)
    assert readable(new_only) == before
    response = new_only.test_client().post(f"/phonecapture/api/v1/submissions/{sid}/verify", json={"code": code})
    assert response.status_code == 200 and response.json == {"status": "verified"}

    status = run(rotated, "status")
    assert status.output.rstrip().splitlines()[-2:] == [
        "k1: 0 values left — it can be removed from PHONECAPTURE_KEYS",
        "every value is under the primary key k2"]
    assert "phonecapture_contact.e164_enc: k2 1" in status.output


def test_an_interrupted_rotation_keeps_its_work_and_a_rerun_finishes_it(app, client, submitted, make_app,
                                                                        monkeypatch):
    submitted("8 912 345-67-89", name="Анна")
    submitted("8 916 111-22-33")
    before = readable(app)
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    real, calls = keyrotation._reencrypt, []

    def crash_on_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(*args)

    monkeypatch.setattr(keyrotation, "_reencrypt", crash_on_second)
    result = run(rotated, "rotate", "--batch-size", "1")
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    tokens = stored(rotated).values()
    assert sum(t.startswith("pc1.k2.") for t in tokens) == 1  # the first batch was committed

    monkeypatch.setattr(keyrotation, "_reencrypt", real)
    result = run(rotated, "rotate", "--batch-size", "1")
    assert result.exit_code == 0, result.output
    assert f"{len(before) - 1} rotated" in result.output  # only what was left
    assert key_ids(app) == {"k2"} and readable(rotated) == before


def test_an_erasure_during_rotation_is_not_undone(app, client, submitted, make_app, monkeypatch):
    sid, _ = submitted()
    contact_id = contact_of(app, sid)
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    real = keyrotation._reencrypt

    def erase_meanwhile(keyring, token, context):
        if context == f"phonecapture_contact.e164_enc.{contact_id}":  # between select and update
            write_now(rotated, contact_id, e164_enc=None, national_enc=None, international_enc=None)
        return real(keyring, token, context)

    monkeypatch.setattr(keyrotation, "_reencrypt", erase_meanwhile)
    result = run(rotated, "rotate")
    assert result.exit_code == 0, result.output
    assert "phonecapture_contact.e164_enc: 0 rotated, 1 skipped" in result.output
    assert not any(ctx.startswith("phonecapture_contact.") for ctx in stored(rotated))


def test_a_value_rewritten_under_the_old_key_during_rotation_is_rotated_as_rewritten(
        app, client, submitted, make_app, monkeypatch):
    sid, _ = submitted()
    contact_id = contact_of(app, sid)
    context = f"phonecapture_contact.e164_enc.{contact_id}"
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    old_app_server = Keyring(parse_keyring(TEST_KEYS), b"\0" * 32)
    real, written = keyrotation._reencrypt, []

    def rewrite_meanwhile(keyring, token, ctx):
        if ctx == context and not written:  # an app server not yet on the new keyring writes
            written.append(old_app_server.encrypt("+74950000000", context))
            write_now(rotated, contact_id, e164_enc=written[0])
        return real(keyring, token, ctx)

    monkeypatch.setattr(keyrotation, "_reencrypt", rewrite_meanwhile)
    result = run(rotated, "rotate")
    assert result.exit_code == 0, result.output
    assert "phonecapture_contact.e164_enc: 1 rotated, 1 skipped" in result.output
    token = stored(rotated)[context]
    assert token.startswith("pc1.k2.") and readable(rotated)[context] == "+74950000000"


def test_each_batch_is_written_in_one_statement_not_one_per_value(app, client, submitted, make_app):
    """A statement per value made rotation as slow at batch 2000 as at 100 (bench/key_rotation.py)."""
    submitted("8 912 345-67-89", name="Анна")
    submitted("8 916 111-22-33", name="Борис")
    before = readable(app)
    per_column = Counter(ctx.rsplit(".", 1)[0] for ctx in before)  # values by table.column
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    with rotated.app_context():
        engine = get_state().db.engine
    writes = []  # values per UPDATE sent to the database

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE"):
            writes.append(len(parameters) if executemany else 1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = run(rotated, "rotate", "--batch-size", "2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.exit_code == 0, result.output
    assert sum(writes) == len(before)
    assert len(writes) == sum(-(-n // 2) for n in per_column.values())  # one UPDATE per batch of 2
    assert readable(rotated) == before and key_ids(app) == {"k2"}


def test_a_waiting_message_is_rotated_without_looking_fresh_to_the_sweeper(app, client, submitted, make_app):
    sid, _ = submitted()
    with app.app_context():
        state = get_state()
        message = outbox.add_message(state, contact_id=contact_of(app, sid), kind="followup", body="Привет, Анна")
        message.updated_at = utcnow() - timedelta(hours=1)  # stale: the sweeper should pick it up
        state.db.session.commit()
        message_id, stale_since = message.id, message.updated_at
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    assert run(rotated, "rotate").exit_code == 0
    assert readable(rotated)[outbox.body_context(message_id)] == "Привет, Анна"
    assert stored(rotated)[outbox.body_context(message_id)].startswith("pc1.k2.")
    with rotated.app_context():
        assert get_state().db.session.get(Message, message_id).updated_at == stale_since


def test_undecryptable_values_are_reported_by_row_and_left_while_the_rest_rotate(
        app, client, submitted, make_app):
    first, second = contact_of(app, submitted("8 912 345-67-89")[0]), contact_of(app, submitted("8 916 111-22-33")[0])
    lost_key = Keyring(parse_keyring("k0:" + "D" * 43), b"\0" * 32)
    unknown = lost_key.encrypt("+79123456789", f"phonecapture_contact.e164_enc.{first}")
    good = stored(app)[f"phonecapture_contact.national_enc.{second}"]
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    write_now(app, first, e164_enc=unknown)
    write_now(app, second, national_enc=tampered)
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)

    result = run(rotated, "rotate")
    assert result.exit_code != 0
    assert (f"phonecapture_contact.e164_enc row {first}: key id not in PHONECAPTURE_KEYS"
            in result.output)
    assert f"phonecapture_contact.national_enc row {second}: does not authenticate" in result.output
    assert unknown not in result.output and tampered.split(".")[2] not in result.output
    after = stored(rotated)
    assert after[f"phonecapture_contact.e164_enc.{first}"] == unknown
    assert after[f"phonecapture_contact.national_enc.{second}"] == tampered
    left = {ctx for ctx, token in after.items() if not token.startswith("pc1.k2.")}
    assert left == {f"phonecapture_contact.e164_enc.{first}", f"phonecapture_contact.national_enc.{second}"}

    status = run(rotated, "status")
    assert "not in PHONECAPTURE_KEYS, so not decryptable: k0 (1 values)" in status.output
    assert "k1: 1 values left" in status.output


def test_command_output_holds_no_number_or_name(app, client, submitted, make_app):
    sid, _ = submitted("8 912 345-67-89", name="Анна")
    submitted("8 916 111-22-33")
    contact = contact_of(app, sid)
    token = stored(app)[f"phonecapture_contact.international_enc.{contact}"]
    write_now(app, contact, international_enc=token[:-3] + "AAA")  # a failure line is printed too
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    outputs = [run(rotated, "status").output, run(rotated, "rotate", "--batch-size", "1").output,
               run(rotated, "status").output]
    assert f"row {contact}" in outputs[1]
    for output in outputs:
        for needle in NEEDLES:
            assert needle not in output, needle
        assert "9123456789" not in "".join(ch for ch in output if ch.isdigit())


def test_rotation_appends_one_audit_record_to_a_chain_that_still_verifies(app, client, submitted, make_app,
                                                                           monkeypatch):
    submitted(name="Анна")
    with app.app_context():
        audit(get_state(), action="reveal", target="x", actor="earlier")
        get_state().db.session.commit()
    count = len(stored(app))
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    assert run(rotated, "rotate", "--actor", "ops@example.com").exit_code == 0
    monkeypatch.setattr(getpass, "getuser", lambda: "deploy")
    assert run(rotated, "rotate").exit_code == 0  # nothing left: still recorded

    with rotated.app_context():
        state = get_state()
        records = state.db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars().all()
        assert [(r.action, r.actor, r.outcome) for r in records] == [
            ("reveal", "earlier", "ok"), ("key_rotate", "ops@example.com", "ok"), ("key_rotate", "deploy", "ok")]
        assert records[1].reason == f"rotated {count}, skipped 0, failed 0"
        assert records[1].target == "PHONECAPTURE_KEYS:k2"
        assert records[1].prev_hash == records[0].hash
        assert verify_audit_chain(state) is None


def test_a_key_id_with_a_like_wildcard_selects_only_its_own_values(app, client, submitted, make_app):
    submitted(name="Анна")
    before = readable(app)
    rotated, _ = make_app(PHONECAPTURE_KEYS=f"k_:{'C' * 43},{TEST_KEYS}")  # "pc1.k_.%" would match k1
    assert run(rotated, "rotate").exit_code == 0
    assert key_ids(app) == {"k_"} and readable(rotated) == before


def test_status_names_a_long_key_id_of_the_keyring_but_not_a_strange_unknown_one(app, client, submitted,
                                                                                 make_app):
    sid, _ = submitted()
    write_now(app, contact_of(app, sid), national_enc="pc1.+79123456789.AAAA", international_enc="+79123456789")
    long_kid = "rotated-on-2026-11-29"
    rotated, _ = make_app(PHONECAPTURE_KEYS=f"{long_kid}:{'C' * 43},{TEST_KEYS}")
    assert run(rotated, "rotate").exit_code != 0  # the two odd values can't be rotated
    output = run(rotated, "status").output
    assert f"phonecapture_contact.e164_enc: {long_kid} 1" in output
    assert "(malformed key id) (1 values)" in output and "(not a pc1 ciphertext) (1 values)" in output
    assert "9123456789" not in output


def test_a_blank_actor_is_refused_before_anything_is_rotated_or_audited(app, client, submitted, make_app):
    submitted()
    rotated, _ = make_app(PHONECAPTURE_KEYS=ROTATED_KEYS)
    for blank in ("", "   ", "\t"):
        result = run(rotated, "rotate", "--actor", blank)
        assert result.exit_code == 2 and "--actor" in result.stderr, result.output
    assert key_ids(app) == {"k1"}
    with rotated.app_context():
        assert get_state().db.session.execute(select(AuditRecord)).scalars().all() == []
