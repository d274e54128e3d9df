"""{{ phonecapture_inline(id) }}: the inline form drawn by the server in a declarative shadow root,
with the widget's own markup and stylesheet, that also posts without JavaScript."""
import re

import pytest
from flask import g, render_template_string

from flask_phonecapture.masks import country_masks, example_display
from tests.conftest import sent_codes
from tests.test_nojs_form import hidden


def render(app, template="{{ phonecapture_inline('callback', tag='aside', class_='callback') }}",
           path="/product/kettle?utm_source=vk", nonce=None):
    with app.test_request_context(path):
        if nonce:
            g.csp_nonce = nonce
        return render_template_string(template)


def test_placeholder_holds_a_declarative_shadow_root_with_the_widgets_markup(make_app):
    app, _ = make_app(WTF_CSRF_ENABLED=True)
    html = render(app)
    assert html.startswith('<aside data-phonecapture-inline="callback" lang="ru" class="callback"><template shadowrootmode="open"><style>')
    with open("flask_phonecapture/static/phonecapture/widget.css", encoding="utf-8") as fh:
        css = fh.read().strip()
    assert css in html  # the very stylesheet the bundle carries
    # the ids and classes widget/src/ui.ts looks up
    for marker in ['<section class="d i" aria-labelledby="t"', '<h2 id="t">', '<div class="k"><form id="f"',
                   'id="p" class="q" name="phone" type="tel" autocomplete="tel" inputmode="tel"',
                   'id="n" class="q" name="name"', 'id="c0" name="consent_service_sms"', 'id="fe"',
                   '<input class="h" name="hp" tabindex="-1"', 'placeholder="+7 (912) 345-67-89"',
                   '<option value="RU" selected>+7 ']:
        assert marker in html, marker
    assert html.count('type="checkbox"') == 2 and "checked" not in html
    assert 'name="csrf_token"' in html and hidden(html, "token") and hidden(html, "utm_source") == "vk"
    assert "\n<" not in html.split("</style>", 1)[1]  # no stray text nodes between the widget's elements


def test_nonce_and_theme_reach_the_style(make_app):
    consent = {"purpose": "service_sms", "required": True, "text": "Согласен."}
    app, _ = make_app(PHONECAPTURE_FORMS={"callback": {"mode": "inline", "default_region": "RU",
                                                       "consents": [consent], "theme": {"brand": "#7a1f5c"}}})
    html = render(app, nonce="n0nce")
    assert '<style nonce="n0nce">' in html and ":host{--b:#7a1f5c;}</style>" in html


def test_only_inline_forms_can_be_drawn(make_app):
    app, _ = make_app()
    with pytest.raises(ValueError, match="'tracking' is a popup form"):
        render(app, "{{ phonecapture_inline('tracking') }}")


def test_tag_must_be_a_tag_name(make_app):
    app, _ = make_app()
    with pytest.raises(ValueError, match="not a tag name"):
        render(app, "{{ phonecapture_inline('callback', tag='div onclick') }}")


def test_drawn_form_posts_without_javascript(make_app, capsys, run_jobs):
    app, _ = make_app(WTF_CSRF_ENABLED=True, PHONECAPTURE_MIN_FILL_MS=0)
    app.add_url_rule("/product/teapot", "product", lambda: render_template_string(
        "<main>{{ phonecapture_inline('callback', tag='aside', class_='callback') }}</main>"))
    client = app.test_client()
    client.get("/product/teapot")  # opens a session for the CSRF token
    html = client.get("/product/teapot").get_data(as_text=True)
    assert '<aside data-phonecapture-inline="callback" lang="ru" class="callback"><template shadowrootmode="open">' in html
    action = re.search(r'<form id="f" method="post" action="([^"]+)"', html).group(1)
    response = client.post(action, data={
        "csrf_token": hidden(html, "csrf_token"), "token": hidden(html, "token"), "hp": "",
        "page_url": hidden(html, "page_url"), "country": "RU", "phone": "8 912 345 67 89",
        "consent_service_sms": "y"})
    assert response.status_code == 302 and "/verify/" in response.headers["Location"]
    run_jobs()
    assert len(sent_codes(capsys)) == 1


@pytest.mark.parametrize("region, shown", [("RU", "+7 (912) 345-67-89"), ("DE", None), ("KZ", None)])
def test_placeholder_is_what_the_widget_shows(region, shown):
    mask = country_masks([region], "ru")[0]
    out = example_display(mask)
    assert out.startswith("+" + mask["c"] + " ")
    assert re.sub(r"\D", "", out) == mask["c"] + mask["e"]
    if shown:
        assert out == shown


def test_server_stylesheet_is_the_bundles():
    """widget.css (read by the server) is the stylesheet inside widget.js, rule for rule."""
    static = "flask_phonecapture/static/phonecapture/"
    with open(static + "widget.css", encoding="utf-8") as fh:
        css = fh.read().strip()
    with open(static + "widget.js", encoding="utf-8") as fh:
        js = fh.read()
    lines = css.splitlines()
    assert len(lines) > 20 and all(line in js for line in lines)


def test_drawn_form_speaks_the_pages_language_when_the_form_sets_none(make_app):
    """The widget fetches its config with ?lang=<html lang>; the server can't see <html lang>,
    so the template passes it as lang= and the drawn form says what the widget will."""
    consent = {"purpose": "service_sms", "required": True, "text": "I agree."}
    app, _ = make_app(PHONECAPTURE_FORMS={
        "callback": {"mode": "inline", "default_region": "RU", "countries": ["RU", "BY"], "consents": [consent]},
        "fixed": {"mode": "inline", "locale": "ru", "default_region": "RU", "countries": ["RU", "BY"],
                  "consents": [consent]}})
    english = render(app, "{{ phonecapture_inline('callback', lang='en') }}")
    assert "We&#39;ll call you back" in english and "Call me back" in english and "Belarus" in english
    assert "Перезвоним" not in english and "Беларусь" not in english
    # the form's language on its host (screen readers' voice), whatever the page says
    assert english.startswith('<div data-phonecapture-inline="callback" lang="en">')
    assert "Перезвоним вам" in render(app, "{{ phonecapture_inline('callback') }}")  # no lang: the region's
    assert "Перезвоним вам" in render(app, "{{ phonecapture_inline('callback', lang='xx') }}")
    assert "Перезвоним вам" in render(app, "{{ phonecapture_inline('fixed', lang='en') }}")  # the form's locale wins
    no_js = render(app, "{{ phonecapture_form('callback', lang='en-GB') }}")
    assert "Call me back" in no_js and "Belarus" in no_js
