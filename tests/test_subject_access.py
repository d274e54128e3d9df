"""Access requests: `flask phonecapture export` (what we hold about a number) and `reveal`."""
import json
import logging
import os
import re
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import AuditRecord, ConsentText, Contact, utcnow
from flask_phonecapture.privacy import verify_audit_chain
from tests.conftest import CONSENTS
from tests.messaging_helpers import add_due
from tests.test_plaintext import NEEDLES, digits_only
from tests.test_privacy_erase import confirm, erase_code_for, verified_lead

PHONE = "8 912 345-67-89"
E164 = "+79123456789"
REASON = "access request of 1 Dec from 8 912 345-67-89"


@pytest.fixture
def sar_app(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_EXPORT_NOTE="Shop LLC, dpo@shop.example")
    return app


def signed_up(app, capsys, run_jobs, phone=PHONE) -> str:
    """A lead through the API with a name, a campaign and both consents, verified with its SMS
    code; returns the contact id."""
    verified_lead(app, app.test_client(), capsys, run_jobs, phone=phone)
    with app.app_context():
        return get_state().db.session.execute(select(Contact.id)).scalar_one()


def export(app, *args, reason=REASON):
    result = app.test_cli_runner().invoke(
        args=["phonecapture", "export", *args, "--actor", "dpo@shop.example", "--reason", reason])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout), result.stdout


def reveal(app, contact_id, reason="call back about order 17"):
    return app.test_cli_runner().invoke(
        args=["phonecapture", "reveal", contact_id, "--actor", "manager@shop.example", "--reason", reason])


def audit_rows(app) -> list[AuditRecord]:
    with app.app_context():
        return get_state().db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars().all()


def free_text(document) -> str:
    """Every string value of the export but ids and times (hex ids and clocks hold digits)."""
    out = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and not (key == "id" or key.endswith(("_id", "_at", "version"))
                                             or key in ("since", "not_before", "format")):
            out.append(value)

    walk(document)
    return "\n".join(out)


def assert_no_number_in_audit_or_logs(app, caplog):
    for record in audit_rows(app):
        for column in (record.actor, record.reason, record.origin, record.outcome):
            column = re.sub(r"\b[0-9a-f]{32}\b", "", column)  # ids (an erasure names its request)
            assert "912" not in column and "345" not in column and "67" not in digits_only(column), column
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert E164 not in logged and "9123456789" not in digits_only(logged)
    for needle in NEEDLES:
        assert needle not in logged, needle


def test_an_export_after_a_verified_signup_holds_its_source_consent_wording_and_messages(sar_app, capsys,
                                                                                        run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    # a follow-up still waiting carries its body, encrypted: the export shows it is due, not its text
    add_due(app, contact_id, kind="followup", body="Your code 482913 and a sale",
            not_before=utcnow() + timedelta(days=1))
    document, text = export(app, "+7 (912) 345-67-89")

    assert document["format"] == "flask-phonecapture/access-export/1" and document["generated_at"].endswith("Z")
    assert document["controller_note"] == "Shop LLC, dpo@shop.example"
    assert document["number"] == {"e164": E164, "region": "RU", "type": "mobile"}
    (contact,) = document["contacts"]
    assert contact["id"] == contact_id and contact["status"] == "active"
    assert contact["verified_at"] and contact["erased_at"] is None
    (submission,) = contact["submissions"]
    assert submission["form_id"] == "callback" and submission["form_version"]
    assert submission["status"] == "verified" and submission["name"] == "Анна"
    assert submission["source"]["utm_source"] == "vk"
    assert submission["source"]["gclid"] == "abc" and submission["source"]["referrer"] == "https://ya.ru/"
    assert submission["source"]["page_url"] == "https://shop.example/p?gclid=abc"
    consents = {c["purpose"]: c for c in contact["consents"]}
    assert set(consents) == {"service_sms", "marketing_sms"}
    service = consents["service_sms"]
    assert service["granted"] is True and service["text"] == CONSENTS[0]["text"]
    assert service["policy_url"] == "/privacy" and service["method"] == "checkbox"
    assert service["confirmed_at"] and service["withdrawn_at"] is None
    with app.app_context():  # the version is the hash the wording is stored under
        stored = get_state().db.session.get(ConsentText, service["text_version"])
        assert stored is not None and stored.body == CONSENTS[0]["text"]
    kinds = {(m["kind"], m["template"], m["status"]) for m in contact["messages"]}
    assert ("followup", "", "pending") in kinds and any(kind == "otp" for kind, _, _ in kinds)
    assert all("body" not in m for m in contact["messages"])
    assert "482913" not in text and "sale" not in text
    assert re.search(r"(?<!\d)\d{6}(?!\d)", free_text(document)) is None  # no code, sent or due
    assert document["suppressed"] is False and document["erasure_requests"] == []

    (record,) = audit_rows(app)
    assert record.action == "export" and record.target == contact_id and record.actor == "dpo@shop.example"
    assert record.reason == "access request of 1 Dec from [phone]" and record.origin == "cli"
    with app.app_context():
        assert verify_audit_chain(get_state()) is None
    assert_no_number_in_audit_or_logs(app, caplog)


def test_an_export_of_a_number_we_do_not_hold_is_empty_and_valid(sar_app, capsys, run_jobs):
    app = sar_app
    signed_up(app, capsys, run_jobs)  # someone else's number is held
    document, text = export(app, "+7 912 000-00-01")
    assert document["number"] == {"e164": "+79120000001", "region": "RU", "type": "mobile"}
    assert document["contacts"] == [] and document["erasure_requests"] == [] and document["suppressed"] is False
    assert "9123456789" not in digits_only(text)
    (record,) = audit_rows(app)
    assert record.action == "export" and record.target == "" and record.reason.endswith("[phone]")


def test_an_export_after_erasure_shows_the_erased_contact_and_no_more_of_the_number(sar_app, capsys,
                                                                                   run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    client, url, code = erase_code_for(app, capsys, run_jobs)
    assert confirm(client, url, code).status_code == 200

    # nothing held links the number to the erased contact any more: the number finds nothing
    by_number, _ = export(app, PHONE)
    assert by_number["contacts"] == [] and by_number["erasure_requests"] == []
    # the id (the audit record of the erasure receipt names it) still finds what is left
    document, text = export(app, "--contact", contact_id)
    assert document["number"] is None
    (contact,) = document["contacts"]
    assert contact["status"] == "erased" and contact["erased_at"] and contact["verified_at"]
    (submission,) = contact["submissions"]
    assert submission["name"] is None and submission["source"]["page_url"] is None
    assert submission["source"]["gclid"] is None and submission["ip_prefix"] is None
    assert submission["source"]["utm_source"] == "vk"  # erasure keeps the campaign tags
    service = next(c for c in contact["consents"] if c["purpose"] == "service_sms")
    assert service["withdrawn_channel"] == "erasure" and service["text"] == CONSENTS[0]["text"]
    (request,) = document["erasure_requests"]
    assert request["status"] == "erased" and request["masked_number"] == "+7 *** ***-**-89"
    # only the receipt's masked last two digits are left
    left = free_text(document)
    assert "912" not in left and "345" not in left and "67-89" not in left and "Анна" not in left
    assert left.count("89") == 1 and "+7 *** ***-**-89" in left

    actions = [(r.action, r.target) for r in audit_rows(app)]
    assert actions == [("erase", contact_id), ("export", ""), ("export", contact_id)]
    with app.app_context():
        assert verify_audit_chain(get_state()) is None
    assert_no_number_in_audit_or_logs(app, caplog)


def test_a_stop_shows_as_a_suppression_and_a_keyword_record(sar_app, capsys, run_jobs):
    from flask_phonecapture.messaging import inbound

    app = sar_app
    signed_up(app, capsys, run_jobs)
    with app.app_context():
        inbound.handle(get_state(), "console", E164, "STOP", "in-1")
    run_jobs()
    document, _ = export(app, E164)
    assert document["suppressed"] is True
    assert [(s["scope"], s["reason"]) for s in document["suppressions"]] == [("marketing", "optout_sms")]
    (contact,) = document["contacts"]
    assert [k["keyword"] for k in contact["keywords"]] == ["stop"]
    marketing = next(c for c in contact["consents"] if c["purpose"] == "marketing_sms")
    assert marketing["withdrawn_at"] and marketing["withdrawn_channel"] == "sms"


def test_the_export_file_is_readable_by_its_owner_only(sar_app, capsys, run_jobs, tmp_path):
    app = sar_app
    signed_up(app, capsys, run_jobs)
    fresh, old = tmp_path / "fresh.json", tmp_path / "old.json"
    old.write_text("stale")
    old.chmod(0o644)
    for path in (fresh, old):
        result = app.test_cli_runner().invoke(args=[
            "phonecapture", "export", PHONE, "--actor", "dpo", "--reason", "request 7", "--output", str(path)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert json.loads(path.read_text())["number"]["e164"] == E164
        assert "9123456789" not in digits_only(result.stdout + result.stderr)  # not on the terminal


def test_an_export_or_reveal_without_a_reason_is_refused_and_not_audited(sar_app, capsys, run_jobs):
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    runner = app.test_cli_runner()
    for args in (["export", PHONE, "--actor", "dpo"], ["export", PHONE, "--actor", "dpo", "--reason", "  "],
                 ["reveal", contact_id, "--actor", "dpo", "--reason", ""],
                 ["export", PHONE, "--contact", contact_id, "--actor", "dpo", "--reason", "x"],
                 ["export", "--actor", "dpo", "--reason", "x"]):
        result = runner.invoke(args=["phonecapture", *args])
        assert result.exit_code == 2 and "912" not in result.stdout, args
    with app.app_context():
        from flask_phonecapture import subject_access

        with pytest.raises(ValueError, match="reason"):
            subject_access.export_number(get_state(), E164, actor="dpo", reason=" ")
    assert audit_rows(app) == []


def test_reveal_prints_the_number_after_its_audit_record_is_written(sar_app, capsys, run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    result = reveal(app, contact_id, reason="call back, asked by phone from 8 912 345-67-89")
    assert result.exit_code == 0 and result.stdout == E164 + "\n"
    (record,) = audit_rows(app)
    assert record.action == "reveal" and record.target == contact_id and record.actor == "manager@shop.example"
    assert record.reason == "call back, asked by phone from [phone]"
    with app.app_context():
        assert verify_audit_chain(get_state()) is None
    assert_no_number_in_audit_or_logs(app, caplog)


def test_a_number_typed_with_typographic_dashes_into_actor_or_reason_becomes_phone_in_the_audit(
        sar_app, capsys, run_jobs):
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    # en dash, em dash, non-breaking hyphen, minus: what a copy from a letter or a messenger brings
    result = app.test_cli_runner().invoke(args=[
        "phonecapture", "reveal", contact_id, "--actor", "duty phone +7 (912) 345\u201367\u201389",
        "--reason", "asked from 8 912 345\u201467\u201489, then 8\u2011912\u2011345\u221267\u221289"])
    assert result.exit_code == 0, result.output
    (record,) = audit_rows(app)
    assert record.actor == "duty phone [phone]"
    assert record.reason == "asked from [phone], then [phone]"


def test_no_number_is_revealed_when_its_audit_record_cannot_be_written(sar_app, capsys, run_jobs, monkeypatch):
    from flask_phonecapture import subject_access

    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)

    def broken(state, **kw):
        raise RuntimeError("audit table is read-only")

    monkeypatch.setattr(subject_access, "audit", broken)
    result = reveal(app, contact_id)
    assert result.exit_code != 0 and "9123456789" not in digits_only(result.stdout)
    assert audit_rows(app) == []


@pytest.mark.parametrize("which", ["malformed", "unknown", "erased"])
def test_reveal_of_a_bad_unknown_or_erased_id_fails_cleanly(sar_app, capsys, run_jobs, which):
    app = sar_app
    contact_id = signed_up(app, capsys, run_jobs)
    if which == "erased":
        assert app.test_cli_runner().invoke(args=["phonecapture", "erase", PHONE, "--actor", "dpo"]).exit_code == 0
    target = {"malformed": "12; drop table", "unknown": "0" * 32, "erased": contact_id}[which]
    result = reveal(app, target)
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert ("erased" in result.stderr) == (which == "erased")
    assert "Traceback" not in result.stdout + result.stderr and "912" not in result.stdout
    assert [r.action for r in audit_rows(app)] == (["erase"] if which == "erased" else [])


def test_an_export_of_an_unknown_contact_id_fails_cleanly_and_leaves_no_file(sar_app, tmp_path):
    path = tmp_path / "answer.json"
    result = sar_app.test_cli_runner().invoke(args=[
        "phonecapture", "export", "--contact", "0" * 32, "--actor", "dpo", "--reason", "request 7",
        "--output", str(path)])
    assert result.exit_code == 1 and result.stderr.startswith("Error: no contact has this id")
    assert "Traceback" not in result.output and not path.exists()
    assert audit_rows(sar_app) == []
