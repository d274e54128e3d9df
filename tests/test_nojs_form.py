"""Visitors without JavaScript: a server-rendered form, CSRF-protected, code page, success page."""
import re

from flask import render_template_string
from sqlalchemy import select

from flask_phonecapture.extension import get_state
from flask_phonecapture.models import Submission
from tests.conftest import sent_codes

PAGE = "{{ phonecapture_form('callback') }}"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    return match.group(1) if match else ""


def render(app, path="/product/kettle?utm_source=vk"):
    with app.test_request_context(path):
        return render_template_string(PAGE)


def test_snippet_is_an_accessible_form_with_unticked_consents(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    html = render(app)
    assert 'type="tel"' in html and 'autocomplete="tel"' in html and 'inputmode="tel"' in html
    assert html.count('type="checkbox"') == 2 and "checked" not in html
    assert "152-ФЗ" in html and 'href="/privacy"' in html
    assert '<label for="pc-callback-phone">' in html
    assert 'name="csrf_token"' in html and hidden(html, "token")
    assert hidden(html, "utm_source") == "vk"
    assert 'tabindex="-1"' in html  # the honeypot is out of the tab order


def post_form(client, html, **fields):
    data = {"csrf_token": hidden(html, "csrf_token"), "token": hidden(html, "token"),
            "page_url": hidden(html, "page_url"), "utm_source": hidden(html, "utm_source"), "hp": ""}
    data.update(fields)
    return client.post("/phonecapture/f/callback", data=data)


def test_full_flow_without_javascript(make_app, capsys, run_jobs):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/phonecapture/f/callback")  # opens a session for the CSRF token
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    response = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y", name="Анна")
    assert response.status_code == 302
    verify_url = response.headers["Location"]
    run_jobs()
    (code,) = sent_codes(capsys)
    page = client.get(verify_url).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and "+7\u00a0***\u00a0***-**-89" in page
    wrong = client.post(verify_url, data={"csrf_token": hidden(page, "csrf_token"),
                                          "code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 422 and "4" in wrong.get_data(as_text=True)
    done = client.post(verify_url, data={"csrf_token": hidden(page, "csrf_token"), "code": code})
    assert done.status_code == 302 and "/done" in done.headers["Location"]
    final = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Номер подтверждён" in final
    with app.app_context():
        assert get_state().db.session.execute(select(Submission)).scalar_one().status == "verified"


def test_post_without_csrf_token_is_refused(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    response = post_form(client, html, csrf_token="", phone="8 912 345 67 89", consent_service_sms="y")
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with app.app_context():
        assert get_state().db.session.execute(select(Submission)).first() is None


def test_errors_are_shown_next_to_fields(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    response = post_form(client, html, phone="12")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in page
    assert "Без этого согласия" in page and "не похоже на номер" in page
    assert 'value="12"' in page  # what the visitor typed is kept


def test_resend_button_without_javascript(make_app, capsys, run_jobs):
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_RESEND_COOLDOWN=0)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    verify_url = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y").headers["Location"]
    page = client.get(verify_url).get_data(as_text=True)
    sid = verify_url.rsplit("/", 1)[1]
    response = client.post(f"/phonecapture/f/callback/resend/{sid}", data={"csrf_token": hidden(page, "csrf_token")})
    assert response.status_code == 302 and "resent=1" in response.headers["Location"]
    run_jobs()
    assert len(sent_codes(capsys)) == 2
    assert client.post(f"/phonecapture/f/callback/resend/{sid}", data={}).status_code == 400


def test_unknown_form_page_is_404(client):
    assert client.get("/phonecapture/f/nope").status_code == 404


def test_an_unsafe_policy_url_is_never_a_link_even_past_validation(make_app):
    """Start-up refuses it (test_config); should a spec get past that, nothing links it."""
    from flask_phonecapture.publicform import public_config

    app, _ = make_app()
    with app.app_context():
        state = get_state()
        spec = state.forms["callback"]
        bad = [c.model_copy(update={"policy_url": "javascript:alert(document.domain)"}) for c in spec.consents]
        state.forms["callback"] = spec.model_copy(update={"consents": bad})  # model_copy skips validation
    with app.test_request_context("/"):
        pages = [render_template_string("{{ phonecapture_form('callback') }}"),
                 render_template_string("{{ phonecapture_inline('callback') }}")]
        config = public_config(get_state(), get_state().forms["callback"])
    for html in pages:
        assert "152-ФЗ" in html and "javascript:" not in html
    assert all("u" not in c for c in config["consents"])


def test_code_errors_on_the_page_are_in_the_forms_language(make_app, capsys, run_jobs):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    verify_url = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y").headers["Location"]
    run_jobs()
    (code,) = sent_codes(capsys)
    page = client.get(verify_url).get_data(as_text=True)
    token = hidden(page, "csrf_token")
    for typed, text in [("", "Введите код из SMS."), ("12", "Код — это 6 цифр из SMS."),
                        ("abcdef", "Код — это 6 цифр из SMS."), ("1" * 40, "Код — это 6 цифр из SMS."),
                        (f"{(int(code) + 1) % 10**6:06d}", "Неверный код, осталось попыток: 4")]:
        answer = client.post(verify_url, data={"csrf_token": token, "code": typed})
        assert answer.status_code == 422, typed
        assert text in answer.get_data(as_text=True), typed


def test_the_chosen_country_survives_an_error(make_app):
    """No JS: +375, the consent left unticked → the error page keeps Belarus selected, and the
    resubmission (consent ticked) is read as a Belarusian number, not a Russian one."""
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/phonecapture/f/callback")  # opens a session for the CSRF token
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    assert '<select id="pc-callback-country" name="country">' in html
    assert re.search(r'<option value="RU" selected>\+7 ', html)
    response = post_form(client, html, country="BY", phone="29 123-45-68")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Без этого согласия" in page
    assert re.search(r'<option value="BY" selected>\+375 ', page)
    assert 'value="RU" selected' not in page and 'value="29 123-45-68"' in page
    country = re.search(r'<select[^>]*name="country">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="(\w+)"', country) == ["RU", "KZ", "BY", "DE"]
    again = client.post("/phonecapture/f/callback", data={
        "csrf_token": hidden(page, "csrf_token"), "token": hidden(page, "token"), "hp": "",
        "page_url": hidden(page, "page_url"), "country": re.search(r'<option value="(\w+)" selected', page).group(1),
        "phone": "29 123-45-68", "consent_service_sms": "y"})
    assert again.status_code == 302 and "/verify/" in again.headers["Location"]


def test_a_one_country_form_has_no_country_list(make_app):
    app, _ = make_app()
    with app.test_request_context("/"):
        html = render_template_string("{{ phonecapture_form('tracking') }}")
    assert "<select" not in html and 'name="country"' not in html


def test_no_js_errors_use_the_forms_own_error_texts(make_app, capsys, run_jobs):
    """A form that overrides error_phone / error_consent / error_required says those words on the
    no-JS pages too (the widget shows them for the same mistakes), code page included."""
    texts = {"error_phone": "Hmm, that number looks off.", "error_consent": "Please tick the box.",
             "error_required": "This one is needed."}
    consent = {"purpose": "service_sms", "required": True, "text": "I agree."}
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_FORMS={"callback": {
        "mode": "inline", "locale": "en", "default_region": "US", "fields": {"name": "required"},
        "texts": texts, "consents": [consent]}})
    client = app.test_client()
    client.get("/phonecapture/f/callback")  # opens a session for the CSRF token
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    page = post_form(client, html, phone="12").get_data(as_text=True)
    for said in texts.values():
        assert said.replace("'", "&#39;") in page, said
    assert "not a valid phone number" not in page and "without this consent" not in page
    page = post_form(client, html, phone="").get_data(as_text=True)
    assert "This one is needed." in page and "Enter a phone number." not in page
    verify_url = post_form(client, html, phone="(201) 555-0123", name="Ann",
                           consent_service_sms="y").headers["Location"]
    page = client.get(verify_url).get_data(as_text=True)
    answer = client.post(verify_url, data={"csrf_token": hidden(page, "csrf_token"), "code": ""})
    assert answer.status_code == 422
    assert "This one is needed." in answer.get_data(as_text=True)
    assert "Enter the code from the SMS." not in answer.get_data(as_text=True)


def test_a_code_hint_with_a_stray_brace_is_shown_as_written(make_app):
    """The code page fills {masked} the way the widget fills its texts (str.format raised on "{}")."""
    consent = {"purpose": "service_sms", "required": True, "text": "I agree."}
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_FORMS={"callback": {
        "mode": "inline", "locale": "en", "default_region": "US", "consents": [consent],
        "texts": {"code_hint": "Code {} sent to {masked}."}}})
    client = app.test_client()
    client.get("/phonecapture/f/callback")  # opens a session for the CSRF token
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    verify_url = post_form(client, html, phone="(201) 555-0123", consent_service_sms="y").headers["Location"]
    page = client.get(verify_url)
    assert page.status_code == 200
    assert re.search(r"Code \{\} sent to \+1\u00a0[^<]*23\.", page.get_data(as_text=True))


def test_a_long_referrer_or_tag_never_makes_the_no_js_submission_fail(make_app):
    """The server fills the hidden source fields itself: it cuts them to what it accepts."""
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    long_referrer = "https://search.example/?q=" + "чайник" * 600  # over 2,048 characters
    client.get("/phonecapture/f/callback")
    html = client.get("/phonecapture/f/callback", headers={"Referer": long_referrer}).get_data(as_text=True)
    assert len(hidden(html, "page_url")) == 2048
    response = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y")
    assert response.status_code == 302, response.get_data(as_text=True)

    with app.test_request_context("/product/kettle?utm_campaign=" + "x" * 400,
                                  headers={"Referer": long_referrer}):
        snippet = render_template_string(PAGE)
    assert len(hidden(snippet, "utm_campaign")) == 255 and len(hidden(snippet, "referrer")) == 2048
    with app.app_context():
        submission = get_state().db.session.execute(select(Submission)).scalar_one()
        assert submission.page_url.startswith("https://search.example/?q=")


def test_a_code_typed_with_spaces_is_taken_on_the_code_page(make_app, capsys, run_jobs):
    """People copy a code as "123 456" or "12 34 56"; the field lets them (no 6-character cap)."""
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/phonecapture/f/callback")
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    verify_url = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y").headers["Location"]
    run_jobs()
    (code,) = sent_codes(capsys)
    page = client.get(verify_url).get_data(as_text=True)
    assert 'maxlength="6"' not in page
    done = client.post(verify_url, data={"csrf_token": hidden(page, "csrf_token"),
                                         "code": " ".join([code[:2], code[2:4], code[4:]])})
    assert done.status_code == 302 and "/done" in done.headers["Location"]
