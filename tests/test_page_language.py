"""A form without a locale speaks the page's language (<html lang>) through the whole flow:
the widget's config, the server's answers, the SMS, the code step and the no-JS pages. The
submit token carries that language, signed, so no request needs a field of its own."""
import re

import pytest
from flask import render_template_string

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Submission
from tests.conftest import CONSENTS, SMS_LINE
from tests.test_nojs_form import hidden

FORMS = {
    # no locale: Russian by its region, English on an English page
    "callback": {"mode": "inline", "default_region": "RU", "countries": ["RU", "BY"],
                 "fields": {"name": "required"}, "consents": CONSENTS},
    "fixed": {"mode": "inline", "locale": "ru", "default_region": "RU", "consents": CONSENTS},
}


@pytest.fixture
def app(make_app):
    app, _ = make_app(PHONECAPTURE_FORMS=FORMS)
    return app


def token(client, form_id="callback", lang=None):
    query = f"?lang={lang}" if lang else ""
    return client.get(f"/phonecapture/api/v1/forms/{form_id}{query}").json["token"]


def post(client, tok, form_id="callback", **fields):
    body = {"form_id": form_id, "token": tok, "phone": "8 912 345-67-89", "name": "Анна",
            "consents": {"service_sms": True}, "hp": "", "elapsed_ms": 4000, **fields}
    return client.post("/phonecapture/api/v1/submissions", json=body)


def sms(capsys, run_jobs):
    run_jobs()
    return [m.group(0) for m in SMS_LINE.finditer(capsys.readouterr().out)]


def test_an_english_page_gets_english_answers_and_an_english_sms(app, capsys, run_jobs):
    client = app.test_client()
    english = token(client, lang="en-GB")
    answer = post(client, english, name="", phone="12")
    assert answer.status_code == 422
    assert answer.json["fields"]["name"] == ["Enter your name."]
    assert "Введите" not in answer.get_data(as_text=True)
    created = post(client, english)
    assert created.status_code == 201
    [line] = sms(capsys, run_jobs)
    assert "Your confirmation code" in line
    wrong = client.post(f"/phonecapture/api/v1/submissions/{created.json['id']}/verify",
                        json={"code": "000000" if "000000" not in line else "111111"})
    assert wrong.status_code == 422 and "attempts left" in wrong.json["message"]
    with app.app_context():
        assert get_state().db.session.get(Submission, created.json["id"]).locale == "en"


def test_without_a_page_language_the_form_speaks_its_regions(app, capsys, run_jobs):
    client = app.test_client()
    for lang in (None, "de", "xx"):
        assert "~" not in token(client, lang=lang)  # the form's own language is not spelled out
    assert post(client, token(client), name="").json["fields"]["name"] == ["Введите имя."]
    assert post(client, token(client)).status_code == 201
    assert "Код подтверждения" in sms(capsys, run_jobs)[0]


def test_a_form_with_its_own_locale_keeps_it_on_an_english_page(app, capsys, run_jobs):
    client = app.test_client()
    tok = token(client, "fixed", lang="en")
    assert "~" not in tok
    assert post(client, tok, "fixed").status_code == 201
    assert "Код подтверждения" in sms(capsys, run_jobs)[0]


def test_the_language_in_the_token_is_signed(app):
    client = app.test_client()
    english = token(client, lang="en")
    head, mac = english.split(".")
    for forged in (f"{head.split('~')[0]}~ru.{mac}", f"{head}x.{mac}",
                   f"{head.split('~')[0]}~xx.{mac}", f"{head.split('~')[0]}.{mac}"):
        answer = post(client, forged)
        assert (answer.status_code, answer.json["error"]) == (400, "invalid_token"), forged
    russian = token(client)
    assert post(client, f"{russian.split('.')[0]}~en.{russian.split('.')[1]}").status_code == 400


def test_no_js_pages_stay_in_the_drawn_forms_language(make_app, capsys, run_jobs):
    app, _ = make_app(PHONECAPTURE_FORMS=FORMS, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/phonecapture/f/callback")  # a session for the CSRF token
    html = client.get("/phonecapture/f/callback?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Call me back" in html and "Belarus" in html

    def send(**fields):
        data = {"csrf_token": hidden(html, "csrf_token"), "token": hidden(html, "token"),
                "hp": "", "country": "RU", "consent_service_sms": "y", "name": "Ann", **fields}
        return client.post("/phonecapture/f/callback", data=data)

    error = send(phone="12")
    page = error.get_data(as_text=True)
    assert error.status_code == 422 and '<html lang="en">' in page
    assert "Введите" not in page and "Проверьте" not in page
    verify_url = send(phone="8 912 345-67-89").headers["Location"]
    [line] = sms(capsys, run_jobs)
    assert "Your confirmation code" in line
    code = re.search(r"(\d{6})", line.split(":")[-1]).group(1)
    page = client.get(verify_url).get_data(as_text=True)
    assert '<html lang="en">' in page and "?lang=en" in page  # "Wrong number?" goes back in English
    csrf = hidden(page, "csrf_token")
    empty = client.post(verify_url, data={"csrf_token": csrf, "code": ""})
    assert empty.status_code == 422 and "Enter the code" in empty.get_data(as_text=True)
    done = client.post(verify_url, data={"csrf_token": csrf, "code": code})
    final = client.get(done.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in final and "Код" not in final


def test_a_drawn_form_posts_its_language_with_its_token(app):
    with app.test_request_context("/product/kettle"):
        english = render_template_string("{{ phonecapture_inline('callback', lang='en') }}")
        russian = render_template_string("{{ phonecapture_inline('callback') }}")
    assert "~en-" in hidden(english, "token")  # then the version shown (leads.issue_token)
    assert "~" not in hidden(russian, "token")


# Per-language texts: flat keys for every language, a "ru"/"en" object wins in its language; a
# consent text given per language is shown (and recorded) in the language of the page.
SERVICE_BOTH = {"purpose": "service_sms", "required": True, "policy_url": "/privacy",
                "text": {"ru": "Согласен на звонок по заявке (152-ФЗ).", "en": "I agree to be called about this request."}}
MARKETING_ONE = {"purpose": "marketing_sms", "text": "Хочу получать SMS о скидках."}
BILINGUAL = {**FORMS, "both": {
    "mode": "inline", "default_region": "RU", "countries": ["RU"], "consents": [SERVICE_BOTH, MARKETING_ONE],
    "texts": {"title": "Скидка 10%", "promise": "Перезвоним за 15 минут", "en": {"title": "Get 10% off"},
              "ru": {"submit": "Жду звонка"}}}}


@pytest.fixture
def bilingual(make_app):
    app, _ = make_app(PHONECAPTURE_FORMS=BILINGUAL, WTF_CSRF_ENABLED=True)
    return app


def test_an_english_page_gets_the_forms_english_title_and_consent_in_the_widget_config(bilingual):
    client = bilingual.test_client()
    en = client.get("/phonecapture/api/v1/forms/both?lang=en").json
    assert en["texts"]["t"] == "Get 10% off"
    assert en["texts"]["s"] == "Call me back"  # the ru-only submit text stays Russian-only
    assert en["texts"]["pr"] == "Перезвоним за 15 минут"  # a flat text is every language's
    assert en["consents"][0]["t"] == "I agree to be called about this request."
    assert en["consents"][1]["t"] == "Хочу получать SMS о скидках."  # one text: every language's
    ru = client.get("/phonecapture/api/v1/forms/both").json
    assert (ru["texts"]["t"], ru["texts"]["s"]) == ("Скидка 10%", "Жду звонка")
    assert ru["consents"][0]["t"] == "Согласен на звонок по заявке (152-ФЗ)."


def test_an_english_page_gets_the_forms_english_title_and_consent_in_the_drawn_form(bilingual):
    with bilingual.test_request_context("/product/kettle"):
        english = render_template_string("{{ phonecapture_inline('both', lang='en') }}")
        russian = render_template_string("{{ phonecapture_inline('both') }}")
    assert "Get 10% off" in english and "I agree to be called about this request." in english
    assert "Скидка 10%" not in english and "Согласен на звонок" not in english
    assert "Скидка 10%" in russian and "Согласен на звонок по заявке (152-ФЗ)." in russian


def test_an_english_page_gets_the_forms_english_title_and_consent_without_javascript(bilingual):
    client = bilingual.test_client()
    page = client.get("/phonecapture/f/both?lang=en").get_data(as_text=True)
    assert "Get 10% off" in page and "I agree to be called about this request." in page
    assert "Скидка 10%" not in page and "Согласен на звонок" not in page
    with bilingual.test_request_context("/product/kettle"):
        snippet = render_template_string("{{ phonecapture_form('both', lang='en') }}")
    assert "Get 10% off" in snippet and "I agree to be called about this request." in snippet


def test_an_english_submission_records_the_english_consent_wording(bilingual):
    from sqlalchemy import select

    from flask_phonecapture.models import Consent, ConsentText

    client = bilingual.test_client()
    ids = {}
    for lang, phone in (("en", "8 912 345-67-89"), ("ru", "8 912 345-67-88")):
        tok = client.get(f"/phonecapture/api/v1/forms/both?lang={lang}").json["token"]
        answer = post(client, tok, "both", phone=phone, consents={"service_sms": True, "marketing_sms": True})
        assert answer.status_code == 201, answer.json
        ids[lang] = answer.json["id"]
    with bilingual.app_context():
        state = get_state()
        service = state.forms["both"].consent("service_sms")
        for lang, wording in (("en", "I agree to be called about this request."),
                              ("ru", "Согласен на звонок по заявке (152-ФЗ).")):
            record = state.db.session.execute(select(Consent).where(
                Consent.submission_id == ids[lang], Consent.purpose == "service_sms")).scalar_one()
            assert record.text_version == service.text_version(lang)
            shown = state.db.session.get(ConsentText, record.text_version)
            assert (shown.body, shown.locale) == (wording, lang)
        assert service.text_version("en") != service.text_version("ru")
