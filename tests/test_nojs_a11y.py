"""Accessibility of what the server draws: one <h1> per no-JS page, an error summary after a failed
post (GOV.UK's pattern, WCAG 3.3.1), a policy link that says it opens a new tab (G201), and the
drawn inline form described like the widget's."""
import html as markup
import re

import pytest
from flask import render_template_string

from flask_phonecapture.extension import get_state
from flask_phonecapture.publicform import public_config
from tests.conftest import CONSENTS, sent_codes
from tests.test_nojs_form import hidden, post_form

SUMMARY = re.compile(r'<div class="phonecapture-summary" tabindex="-1" autofocus>\s*<div role="alert">(.*?)</div>',
                     re.S)


def h1s(html: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)


def title(html: str) -> str:
    return markup.unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def summary(html: str) -> list[tuple[str, str]]:
    """(link target, text) of each error in the page's summary; target "" for an unlinked one."""
    match = SUMMARY.search(html)
    assert match, "no error summary"
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    return [(m.group(1), m.group(2)) if (m := re.fullmatch(r'<a href="#([^"]+)">(.*)</a>', i)) else ("", i)
            for i in items]


@pytest.fixture
def verify(make_app, capsys, run_jobs):
    """A client on the code page of a fresh submission: (client, page html, its url, the code)."""
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    url = post_form(client, html, phone="8 912 345 67 89", consent_service_sms="y").headers["Location"]
    run_jobs()
    (code,) = sent_codes(capsys)
    return client, client.get(url).get_data(as_text=True), url, code


def test_every_no_js_page_has_exactly_one_h1(verify):
    client, page, url, code = verify
    form = client.get("/phonecapture/f/callback").get_data(as_text=True)
    failed = post_form(client, form, phone="12").get_data(as_text=True)
    other = f"{(int(code) + 1) % 10**6:06d}"
    wrong = client.post(url, data={"csrf_token": hidden(page, "csrf_token"), "code": other})
    done = client.post(url, data={"csrf_token": hidden(page, "csrf_token"), "code": code})
    final = client.get(done.headers["Location"]).get_data(as_text=True)
    assert h1s(form) == h1s(failed) == ["Перезвоните мне"]  # the form's title
    assert h1s(page) == h1s(wrong.get_data(as_text=True)) == ["Введите код из SMS"]
    assert h1s(final) == ["Номер подтверждён"]


def test_the_form_in_a_sites_page_keeps_an_h2(make_app):
    app, _ = make_app()
    with app.test_request_context("/"):
        html = render_template_string("{{ phonecapture_form('callback') }}")
    assert h1s(html) == [] and '<h2 class="phonecapture-title" id="pc-callback-title">' in html


def test_a_failed_post_sums_up_its_errors_at_the_top_each_linked_to_its_field(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    assert title(html) == "Перезвоните мне" and "phonecapture-summary" not in html
    page = post_form(client, html, phone="12").get_data(as_text=True)
    assert title(page) == "Ошибка: Перезвоните мне"
    assert summary(page) == [("pc-callback-phone", "Это не похоже на номер телефона. Проверьте цифры."),
                             ("pc-callback-c-service_sms", "Без этого согласия мы не сможем обработать заявку.")]
    for target, _ in summary(page):
        assert f'id="{target}"' in page
    assert page.index("Проверьте форму") < page.index("<h1")  # at the top: read first
    assert page.count('role="alert"') == 1  # the fields' own errors are not announced a second time


def test_an_english_error_page_says_error_in_english(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/world").get_data(as_text=True)
    page = client.post("/phonecapture/f/world", data={
        "csrf_token": hidden(html, "csrf_token"), "token": hidden(html, "token"), "phone": ""})
    page = page.get_data(as_text=True)
    assert title(page) == "Error: We'll call you back" and "Please check the form" in page
    assert summary(page)[0] == ("pc-world-phone", "Enter a phone number.")


def test_an_error_of_the_whole_form_is_in_the_summary_unlinked(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/phonecapture/f/callback").get_data(as_text=True)
    response = post_form(client, html, csrf_token="", phone="8 912 345 67 89", consent_service_sms="y")
    assert response.status_code == 400
    assert summary(response.get_data(as_text=True)) == [("", "Форма устарела (CSRF). Отправьте её ещё раз.")]


def test_a_wrong_code_is_summed_up_and_linked_to_the_code_field(verify):
    client, page, url, code = verify
    wrong = client.post(url, data={"csrf_token": hidden(page, "csrf_token"), "code": "12"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and title(html) == "Ошибка: Введите код из SMS"
    assert summary(html) == [("pc-code", "Код — это 6 цифр из SMS.")]
    assert title(page) == "Введите код из SMS" and "phonecapture-summary" not in page


def test_a_stale_form_on_the_code_page_says_so(verify):
    client, page, url, code = verify
    stale = client.post(url, data={"csrf_token": "", "code": code})
    assert stale.status_code == 400
    assert ("", "Форма устарела (CSRF). Отправьте её ещё раз.") in summary(stale.get_data(as_text=True))


@pytest.mark.parametrize("template", ["{{ phonecapture_form('callback') }}", "{{ phonecapture_inline('callback') }}",
                                      "{{ phonecapture_form('world') }}"])
def test_the_policy_link_says_it_opens_a_new_tab(make_app, template):
    app, _ = make_app()
    with app.test_request_context("/"):
        html = render_template_string(template)
    said = ('aria-label="Privacy policy (opens in a new tab)">Privacy policy</a>' if "world" in template else
            'aria-label="Политика конфиденциальности (откроется в новой вкладке)">Политика конфиденциальности</a>')
    assert said in html and re.search(r'target="_blank" rel="noopener" ' + re.escape(said), html)


def test_a_form_may_say_new_tab_its_own_way_and_the_widget_gets_it_only_with_a_policy_link(make_app):
    no_link = {"purpose": "service_sms", "required": True, "text": "Согласен на звонок."}
    app, _ = make_app(PHONECAPTURE_FORMS={
        "callback": {"mode": "inline", "default_region": "RU", "consents": CONSENTS,
                     "texts": {"new_tab": "(в новом окне)"}},
        "plain": {"mode": "popup", "default_region": "RU", "consents": [no_link]}})
    with app.test_request_context("/"):
        html = render_template_string("{{ phonecapture_inline('callback') }}")
        state = get_state()
        with_link, without = (public_config(state, state.forms[k])["texts"] for k in ("callback", "plain"))
    assert 'aria-label="Политика конфиденциальности (в новом окне)"' in html
    assert with_link["nt"] == "(в новом окне)" and "nt" not in without and "po" not in without


def test_the_drawn_form_is_described_by_its_offer_and_purpose_like_the_widgets(make_app):
    consent = {"purpose": "service_sms", "required": True, "text": "Согласен на звонок."}
    app, _ = make_app(PHONECAPTURE_FORMS={
        "offer": {"mode": "inline", "default_region": "RU", "consents": [consent], "texts": {"offer": "Скидка 10%"}},
        "bare": {"mode": "inline", "default_region": "RU", "consents": [consent], "texts": {"purpose": ""}}})
    with app.test_request_context("/"):
        offer, bare = (render_template_string(f"{{{{ phonecapture_inline('{k}') }}}}") for k in ("offer", "bare"))
    assert '<section class="d i" aria-labelledby="t" aria-describedby="o pu"' in offer
    assert '<p id="o">Скидка 10%</p>' in offer
    assert 'aria-describedby="" tabindex="-1"' in bare  # nothing to describe it: no id of a missing element


@pytest.mark.parametrize("lang, field, value, said", [
    ("ru", "phone", "9" * 41, "Слишком длинный номер."),
    ("ru", "name", "Я" * 101, "Имя длиннее 100 знаков: сократите его."),
])
def test_a_too_long_field_is_refused_in_the_pages_language(make_app, lang, field, value, said):
    """WTForms' own "Field cannot be longer than 40 characters." came out in English on a Russian
    page, in the field's error and in the summary at the top."""
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    form = client.get(f"/phonecapture/f/callback?lang={lang}").get_data(as_text=True)
    fields = {"phone": "8 912 345 67 89", "consent_service_sms": "y", field: value}
    page = post_form(client, form, **fields).get_data(as_text=True)
    target = {"phone": "pc-callback-phone", "name": "pc-callback-name"}[field]
    assert summary(page) == [(target, said)]
    assert "Field cannot be longer" not in page


@pytest.mark.parametrize("token", ["expired", "garbage", None])
def test_a_stale_submit_token_is_a_stale_form_said_in_the_pages_language(make_app, token):
    """A page left open longer than the token lives answered "The form has been open too long;
    reload it." (the API's English) on a Russian page; it is a stale form like a stale CSRF token,
    and the page that says so carries fresh ones: sending it again goes through."""
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_TOKEN_MAX_AGE=60)
    client = app.test_client()
    form = client.get("/phonecapture/f/callback").get_data(as_text=True)
    fields = {"phone": "8 912 345 67 89", "consent_service_sms": "y"}
    bad = {"garbage": "zz", None: ""}.get(token)
    if token == "expired":  # a token of this form issued long ago (a fresh MAC over an old time)
        from flask_phonecapture import leads
        with app.test_request_context():
            bad = "1." + leads._token_mac(get_state(), "callback", "1")
    response = post_form(client, form, token=bad, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert summary(page) == [("", "Форма устарела (CSRF). Отправьте её ещё раз.")]
    assert title(page).startswith("Ошибка: ") and "reload" not in page
    assert post_form(client, page, **fields).status_code == 302
