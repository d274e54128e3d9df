"""Self-service erasure: /privacy/erase → SMS code → the number erased, with a receipt."""
import logging
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_phonecapture import config
from flask_phonecapture.extension import get_state
from flask_phonecapture.models import (AuditRecord, Consent, Contact, ErasureRequest, Message,
                                       Submission, Suppression)
from flask_phonecapture.privacy import verify_audit_chain
from flask_phonecapture import contact_erased
from flask_phonecapture.models import utcnow
from tests.conftest import submit
from tests.messaging_helpers import add_due
from tests.test_plaintext import dump_database

ERASE_SMS = re.compile(r"\[phonecapture sms\] .*?(?:Код для удаления номера|Code to erase your number): (\d{6})")
START = "/phonecapture/privacy/erase"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


@pytest.fixture
def erase_app(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    return app


def ask(client, phone="+7 912 345-67-89", lang="ru", **extra):
    """Post the number on the first page; returns the response."""
    html = client.get(f"{START}?lang={lang}").get_data(as_text=True)
    data = {"csrf_token": hidden(html, "csrf_token"), "phone": phone, **extra}
    return client.post(f"{START}?lang={lang}", data=data)


def confirm(client, url, code):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": hidden(html, "csrf_token"), "code": code})


def erase_codes(capsys) -> list[str]:
    return ERASE_SMS.findall(capsys.readouterr().out)


def erase_code_for(app, capsys, run_jobs, phone="+7 912 345-67-89"):
    """A new visitor asks to erase ``phone``: (their client, the code page URL, the SMS code)."""
    client = app.test_client()
    url = ask(client, phone).headers["Location"]
    run_jobs()
    (code,) = erase_codes(capsys)
    return client, url, code


def verified_lead(app, client, capsys, run_jobs, phone="8 912 345-67-89", **kw):
    """A lead through the API, verified, with a name and a marketing consent."""
    from tests.conftest import sent_codes

    response = submit(client, phone, name="Анна", consents={"service_sms": True, "marketing_sms": True},
                      source={"page_url": "https://shop.example/p?gclid=abc", "referrer": "https://ya.ru/",
                              "utm_source": "vk", "gclid": "abc"}, **kw)
    assert response.status_code == 201, response.json
    run_jobs()
    (code,) = sent_codes(capsys)
    done = client.post(f"/phonecapture/api/v1/submissions/{response.json['id']}/verify", json={"code": code})
    assert done.status_code == 200, done.json
    run_jobs()
    capsys.readouterr()
    return response.json["id"]


def test_a_visitor_erases_their_number_with_an_sms_code(erase_app, capsys, run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    app = erase_app
    api = app.test_client()
    submission_id = verified_lead(app, api, capsys, run_jobs)
    with app.app_context():
        contact_id = get_state().db.session.execute(select(Contact.id)).scalar_one()
    later = add_due(app, contact_id, kind="followup", not_before=utcnow() + timedelta(days=1))
    erased = []
    contact_erased.connect(lambda sender, contact: erased.append(contact.id), app, weak=False)

    client = app.test_client()
    page = client.get(START + "?lang=ru").get_data(as_text=True)
    assert "<h1" in page and "Удалить мой номер" in page and 'autocomplete="tel"' in page
    response = ask(client, "8 (912) 345-67-89")
    assert response.status_code == 302
    url = response.headers["Location"]
    run_jobs()
    (code,) = erase_codes(capsys)
    shown = client.get(url).get_data(as_text=True)
    assert "+7\u00a0***\u00a0***-**-89" in shown or "+7 *** ***-**-89" in shown
    assert 'autocomplete="one-time-code"' in shown

    done = confirm(client, url, code)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Номер удалён" in body and url.rsplit("/", 1)[1].split("?")[0] in body
    assert done.headers["Cache-Control"] == "no-store"

    with app.app_context():
        session = get_state().db.session
        contact = session.execute(select(Contact)).scalar_one()
        assert contact.status == "erased" and contact.erased_at is not None
        assert contact.e164_enc is None and contact.national_enc is None and contact.international_enc is None
        assert contact.blind_index is None
        sub = session.get(Submission, submission_id)
        assert sub.name_enc is None and sub.page_url is None and sub.referrer is None and sub.gclid is None
        assert sub.ip_prefix is None and sub.user_agent is None and sub.first_touch is None
        assert sub.utm_source == "vk" and sub.form_id == "callback"  # source reports still add up
        consents = session.execute(select(Consent)).scalars().all()
        assert all(c.withdrawn_at is not None and c.withdrawn_channel == "erasure" for c in consents if c.granted)
        assert all(c.ip_prefix is None and c.user_agent is None for c in consents)
        messages = session.execute(select(Message)).scalars().all()
        assert all(m.body_enc is None for m in messages)
        assert session.get(Message, later).status == "cancelled"
        (record,) = session.execute(select(AuditRecord)).scalars().all()
        assert record.action == "erase" and record.target == contact.id and record.actor == "visitor"
        assert verify_audit_chain(get_state()) is None
        assert session.execute(select(Suppression)).first() is None
        assert contact.id in erased
    # Random ids (32 hex digits: job and row ids) may hold "912" by chance: they are no number.
    logged = re.sub(r"[0-9a-f]{32}", "<id>", caplog.text)
    assert "912" not in logged and "345" not in logged
    dump = dump_database(app)  # the request and the receipt keep the masked number only
    assert "9123456789" not in dump and "345-67" not in dump and "Анна" not in dump
    with app.app_context():  # and no ciphertext of the number or the name is left at all
        session = get_state().db.session
        assert session.execute(select(Contact.id).where(Contact.e164_enc.is_not(None))).first() is None
        assert session.execute(select(Submission.id).where(Submission.name_enc.is_not(None))).first() is None

    again = confirm(client, url, code)  # a double click: the same receipt, nothing more
    assert again.status_code == 200 and "Номер удалён" in again.get_data(as_text=True)


def test_a_number_we_do_not_hold_gets_the_same_answer_and_no_sms(erase_app, capsys, run_jobs):
    client = erase_app.test_client()
    response = ask(client, "+7 912 000-00-01")
    assert response.status_code == 302
    run_jobs()
    assert erase_codes(capsys) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Если номер +7" in page and "-01 есть у нас" in page
    for left in (4, 3, 2, 1):
        wrong = confirm(client, response.headers["Location"], "123456")
        assert wrong.status_code == 422 and f"Осталось попыток: {left}" in wrong.get_data(as_text=True)
    assert confirm(client, response.headers["Location"], "123456").status_code == 410


def test_wrong_codes_count_and_lock_the_request(erase_app, capsys, run_jobs):
    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    client, url, code = erase_code_for(app, capsys, run_jobs)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    first = confirm(client, url, wrong)
    assert first.status_code == 422 and "Осталось попыток: 4" in first.get_data(as_text=True)
    assert confirm(client, url, "12").status_code == 422  # not 6 digits: not an attempt
    for _ in range(3):
        confirm(client, url, wrong)
    locked = confirm(client, url, wrong)
    assert locked.status_code == 410 and "не действует" in locked.get_data(as_text=True)
    assert confirm(client, url, code).status_code == 410  # the right code comes too late
    with app.app_context():
        assert get_state().db.session.execute(select(Contact.status)).scalar() == "active"


def test_an_expired_code_erases_nothing(erase_app, capsys, run_jobs):
    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    client, url, code = erase_code_for(app, capsys, run_jobs)
    with app.app_context():
        session = get_state().db.session
        req = session.execute(select(ErasureRequest)).scalar_one()
        req.expires_at = req.created_at
        session.commit()
    assert confirm(client, url, code).status_code == 410


def test_requests_per_number_are_capped_alike_for_held_and_unknown_numbers(erase_app, capsys, run_jobs):
    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    for phone in ("+7 912 345-67-89", "+7 912 000-00-01"):
        client = app.test_client()
        for _ in range(3):
            assert ask(client, phone).status_code == 302
        refused = ask(client, phone)
        assert refused.status_code == 429 and "через час" in refused.get_data(as_text=True)
    run_jobs()
    assert len(erase_codes(capsys)) == 3  # only the held number's requests sent a code


def test_the_answer_waits_the_same_fixed_time_for_held_and_unknown_numbers(make_app, capsys, run_jobs, monkeypatch):
    """Queueing the held number's code SMS must not show in the response time: both answers come
    PHONECAPTURE_ERASE_ANSWER_MS after the request began (the default, 250 ms, here)."""
    from flask_phonecapture import privacy

    app, _ = make_app(WTF_CSRF_ENABLED=True)
    app.config["PHONECAPTURE_ERASE_ANSWER_MS"] = config.DEFAULTS["PHONECAPTURE_ERASE_ANSWER_MS"]
    verified_lead(app, app.test_client(), capsys, run_jobs)
    waited = []
    real_sleep = privacy.time.sleep
    monkeypatch.setattr(privacy.time, "sleep", lambda s: (waited.append(s), real_sleep(s)))
    for phone in ("+7 912 345-67-89", "+7 912 000-00-01"):  # held, unknown
        started = time.monotonic()
        assert ask(app.test_client(), phone).status_code == 302
        assert time.monotonic() - started >= 0.25
    assert len(waited) == 2 and all(0 < s <= 0.25 for s in waited)  # each waited out its own rest
    run_jobs()
    assert len(erase_codes(capsys)) == 1  # the held number still got its code


@pytest.mark.parametrize("phone, status, words", [
    ("", 422, "Введите номер телефона"),
    ("12", 422, "Это не похоже на номер телефона"),
    ("<script>alert(1)</script>", 422, "В номере могут быть только цифры"),
    ("9" * 41, 422, "Слишком длинный номер"),
])
def test_a_bad_number_gets_a_clear_answer(erase_app, phone, status, words):
    response = ask(erase_app.test_client(), phone)
    body = response.get_data(as_text=True)
    assert response.status_code == status and words in body
    assert "<script>alert" not in body and "Ошибка: " in body  # escaped; the title says so


def test_posts_without_csrf_and_unknown_requests_are_refused(erase_app):
    client = erase_app.test_client()
    client.get(START)
    refused = client.post(START + "?lang=en", data={"phone": "+7 912 345-67-89"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert client.get(START + "/" + "0" * 32).status_code == 404
    assert client.get(START + "/not-an-id").status_code == 404
    assert client.post(START + "/" + "z" * 300, data={"code": "1"}).status_code == 404


def test_the_pages_speak_english_when_asked(erase_app, capsys, run_jobs):
    client = erase_app.test_client()
    page = client.get(START, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Erase my number" in page
    response = ask(client, "+7 912 000-00-01", lang="en")
    assert "If we hold +7" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_after_erasure_a_new_signup_of_the_number_gets_its_messages(erase_app, capsys, run_jobs):
    """Erasure leaves no suppression behind: a new, freshly consented signup is a new contact."""
    app = erase_app
    api = app.test_client()
    verified_lead(app, api, capsys, run_jobs)
    client, url, code = erase_code_for(app, capsys, run_jobs)
    assert confirm(client, url, code).status_code == 200
    verified_lead(app, api, capsys, run_jobs)
    with app.app_context():
        session = get_state().db.session
        statuses = session.execute(select(Contact.status).order_by(Contact.created_at)).scalars().all()
        assert statuses == ["erased", "active"]
        assert session.execute(select(Suppression)).first() is None


def test_staff_erase_a_number_from_the_command_line(erase_app, capsys, run_jobs):
    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["phonecapture", "erase", "8 912 345-67-89", "--actor", "dpo@shop.example"])
    assert result.exit_code == 0 and "erased 1 contact(s) of +7 *** ***-**-89" in result.output
    assert "912 345" not in result.output
    with app.app_context():
        session = get_state().db.session
        assert session.execute(select(Contact.status)).scalar() == "erased"
        record = session.execute(select(AuditRecord)).scalar_one()
        assert record.actor == "dpo@shop.example" and record.reason == "request by letter"
    again = runner.invoke(args=["phonecapture", "erase", "+79123456789", "--actor", "dpo@shop.example"])
    assert again.exit_code == 0 and "erased 0 contact(s)" in again.output
    bad = runner.invoke(args=["phonecapture", "erase", "12", "--actor", "x"])
    assert bad.exit_code == 2 and "not a valid phone number" in bad.output


def test_the_audit_chain_shows_an_edited_record(erase_app, capsys, run_jobs):
    app = erase_app
    for phone in ("8 912 345-67-89", "8 912 345-67-88"):
        verified_lead(app, app.test_client(), capsys, run_jobs, phone=phone)
        app.test_cli_runner().invoke(args=["phonecapture", "erase", phone, "--actor", "dpo"])
    with app.app_context():
        state = get_state()
        assert verify_audit_chain(state) is None
        first = state.db.session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars().first()
        first.reason = "nothing happened"
        state.db.session.commit()
        assert verify_audit_chain(state) == first.id



def test_an_erasure_right_after_signing_up_is_not_refused_by_the_code_limits(make_app, capsys, run_jobs):
    """The anti-pumping limits (one code a minute per number) are for signups: an erasure code
    only goes to a number that is ours, and a refusal only held numbers met would tell."""
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_PUMP_LIMITS={"number": "1/60;5/600"})
    verified_lead(app, app.test_client(), capsys, run_jobs)
    response = ask(app.test_client())
    assert response.status_code == 302, response.get_data(as_text=True)
    run_jobs()
    assert len(erase_codes(capsys)) == 1


def test_a_signup_left_pending_takes_no_code_once_its_number_is_erased(erase_app, capsys, run_jobs):
    """Its code page, the widget's resend and verify answer 410 rather than texting an erased number."""
    from tests.conftest import sent_codes

    app = erase_app
    api = app.test_client()
    pending = submit(api, "8 912 345-67-89")
    assert pending.status_code == 201
    run_jobs()
    (signup_code,) = sent_codes(capsys)
    client, url, code = erase_code_for(app, capsys, run_jobs)
    assert confirm(client, url, code).status_code == 200
    base = f"/phonecapture/api/v1/submissions/{pending.json['id']}"
    verify = api.post(base + "/verify", json={"code": signup_code})
    assert verify.status_code == 410 and verify.json["error"] == "erased"
    with app.app_context():  # the resend cooldown is over
        from flask_phonecapture.models import Verification

        session = get_state().db.session
        v = session.execute(select(Verification)).scalar_one()
        v.last_sent_at = v.last_sent_at.replace(year=2020)
        session.commit()
    resend = api.post(base + "/resend")
    assert resend.status_code == 410 and resend.json["error"] == "erased"
    run_jobs()
    assert sent_codes(capsys) == []


def test_erasure_leaves_the_numbers_blind_index_only_on_its_stop_suppression(erase_app, capsys, run_jobs):
    """The blind index next to the contact id (a request, a STOP record) plus the masked last
    digits narrows the number down to a few candidates for whoever holds the index key."""
    from flask_phonecapture.messaging import inbound

    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    with app.app_context():
        state = get_state()
        inbound.handle(state, "console", "+79123456789", "STOP", "in-1")
        index = state.keyring.blind_index("+79123456789")
    run_jobs()
    capsys.readouterr()
    client, url, code = erase_code_for(app, capsys, run_jobs)
    assert confirm(client, url, code).status_code == 200
    with app.app_context():
        session = get_state().db.session
        assert session.execute(select(Suppression.blind_index)).scalars().all() == [index]
    dump = dump_database(app).replace(index, "", 1)  # the suppression's copy
    assert index not in dump


def test_erasure_requests_never_confirmed_are_deleted_after_the_hour(erase_app, capsys, run_jobs):
    from sqlalchemy import update

    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    client, url, code = erase_code_for(app, capsys, run_jobs)  # held, confirmed
    assert confirm(client, url, code).status_code == 200
    ask(app.test_client(), "+7 912 000-00-01")  # not held
    ask(app.test_client(), "+7 912 000-00-02")  # not held, within the hour
    with app.app_context():
        session = get_state().db.session
        session.execute(update(ErasureRequest).where(ErasureRequest.masked != "+7 *** ***-**-02").values(
            created_at=utcnow() - timedelta(minutes=61), expires_at=utcnow() - timedelta(minutes=51)))
        session.commit()
    assert app.test_cli_runner().invoke(args=["phonecapture", "retention"]).exit_code == 0
    with app.app_context():
        rows = get_state().db.session.execute(select(ErasureRequest)).scalars().all()
        assert sorted(r.masked[-2:] for r in rows) == ["02", "89"]  # the fresh one still counts for the cap
        assert [r.blind_index for r in rows if r.erased_at] == [""]
    receipt = confirm(client, url, code)  # the receipt is still there
    assert receipt.status_code == 200 and "Номер удалён" in receipt.get_data(as_text=True)


def test_too_many_requests_from_one_address_get_a_private_page_in_the_visitors_language(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_RATELIMIT_SUBMIT="2/minute")
    client = app.test_client()
    for phone in ("+7 912 000-00-01", "+7 912 000-00-02"):
        assert ask(client, phone).status_code == 302
    refused = ask(client, "+7 912 000-00-03")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Слишком много запросов с вашего адреса" in body
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Cache-Control"] == "no-store" and refused.headers["Referrer-Policy"] == "no-referrer"


def test_a_database_error_is_a_503_page_not_a_500(erase_app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from flask_phonecapture import privacy

    def down(*args, **kw):
        raise OperationalError("SELECT 1", {}, Exception("deadlock detected"))

    monkeypatch.setattr(privacy, "request_erasure", down)
    response = ask(erase_app.test_client(), lang="en")
    assert response.status_code == 503 and "temporarily unavailable" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_an_empty_code_is_answered_in_the_pages_language(erase_app):
    client = erase_app.test_client()
    url = ask(client, "+7 912 000-00-01").headers["Location"]
    empty = confirm(client, url, "")
    assert empty.status_code == 422 and "Введите код" in empty.get_data(as_text=True)


def test_a_number_typed_into_the_staff_reason_is_kept_out_of_the_audit(erase_app, capsys, run_jobs):
    app = erase_app
    verified_lead(app, app.test_client(), capsys, run_jobs)
    result = app.test_cli_runner().invoke(args=["phonecapture", "erase", "8 912 345-67-89", "--actor", "dpo",
                                                "--reason", "letter from 8 912 345-67-89"])
    assert result.exit_code == 0
    with app.app_context():
        record = get_state().db.session.execute(select(AuditRecord)).scalar_one()
        assert "[phone]" in record.reason and "345" not in record.reason
        assert verify_audit_chain(get_state()) is None


@pytest.mark.parametrize("header, lang", [("ru-RU,en;q=0.5", "ru"), ("en-US,ru;q=0.8", "en"),
                                          ("de,ru-RU;q=0.7,en;q=0.3", "ru"), ("*", "en"), ("", "en")])
def test_the_erasure_page_speaks_the_browsers_first_language(erase_app, header, lang):
    page = erase_app.test_client().get(START, headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
