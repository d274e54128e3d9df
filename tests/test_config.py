import json

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_phonecapture import PhoneCapture
from flask_phonecapture.config import ConfigError, doc_table
from tests.conftest import FORMS, TEST_INDEX_KEY, TEST_KEYS


def bare_app(tmp_path, **config):
    app = Flask("cfg", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://", PHONECAPTURE_FORMS=FORMS)
    app.config.update(config)
    return app, SQLAlchemy(app)


def test_misspelt_key_fails_at_start_with_a_suggestion(tmp_path):
    app, db = bare_app(tmp_path, PHONECAPTURE_REDIS_ULR="redis://x")
    with pytest.raises(ConfigError, match="PHONECAPTURE_REDIS_ULR.*did you mean PHONECAPTURE_REDIS_URL"):
        PhoneCapture(app, db=db)


def test_registering_twice_is_an_error(tmp_path):
    app, db = bare_app(tmp_path)
    ext = PhoneCapture(app, db=db)
    with pytest.raises(RuntimeError, match="already registered"):
        ext.init_app(app)


def test_one_extension_serves_two_apps_with_their_own_settings(tmp_path):
    ext = PhoneCapture()
    a, db_a = bare_app(tmp_path / "a", PHONECAPTURE_CODE_TTL=100)
    b, db_b = bare_app(tmp_path / "b", PHONECAPTURE_CODE_TTL=200)
    ext.init_app(a, db=db_a)
    ext.init_app(b, db=db_b)
    assert a.extensions["phonecapture"].db is db_a
    assert b.extensions["phonecapture"].db is db_b
    assert a.config["PHONECAPTURE_CODE_TTL"] == 100 and b.config["PHONECAPTURE_CODE_TTL"] == 200


def test_missing_db_is_explained(tmp_path):
    app, _ = bare_app(tmp_path)
    with pytest.raises(RuntimeError, match="Flask-SQLAlchemy"):
        PhoneCapture(app)


def test_production_refuses_demo_setup_and_lists_what_is_missing(tmp_path):
    app, db = bare_app(tmp_path, PHONECAPTURE_ENV="production")
    with pytest.raises(ConfigError) as info:
        PhoneCapture(app, db=db)
    text = str(info.value)
    for missing in ("PHONECAPTURE_KEYS", "PHONECAPTURE_INDEX_KEY", "PHONECAPTURE_REDIS_URL",
                    "SESSION_COOKIE_SECURE"):
        assert missing in text


def test_production_starts_with_real_keys_redis_and_secure_cookies(tmp_path):
    app, db = bare_app(tmp_path, PHONECAPTURE_ENV="production", PHONECAPTURE_KEYS=TEST_KEYS,
                       PHONECAPTURE_INDEX_KEY=TEST_INDEX_KEY, PHONECAPTURE_REDIS_URL="redis://127.0.0.1:6379/15",
                       SESSION_COOKIE_SECURE=True,
                       PHONECAPTURE_SMS_PROVIDER="flask_phonecapture.messaging.providers.console:ConsoleProvider")
    PhoneCapture(app, db=db)
    assert not app.extensions["phonecapture"].demo_keys


def test_unknown_env_value_is_refused(tmp_path):
    app, db = bare_app(tmp_path, PHONECAPTURE_ENV="prod")
    with pytest.raises(ConfigError, match="PHONECAPTURE_ENV"):
        PhoneCapture(app, db=db)


@pytest.mark.parametrize("form, fragment", [
    ({"mode": "sidebar", "consents": FORMS["callback"]["consents"]}, "'callback'.*mode"),
    ({"mode": "popup", "consents": FORMS["callback"]["consents"], "triger": {}}, "triger: unknown key"),
    ({"mode": "popup", "consents": []}, "consents"),
    ({"mode": "popup", "consents": FORMS["callback"]["consents"], "countries": ["XX"]}, "countries"),
    ({"mode": "popup", "consents": FORMS["callback"]["consents"], "triggers": {"scroll_pct": 150}},
     "triggers.scroll_pct"),
    ({"mode": "popup", "consents": FORMS["callback"]["consents"], "theme": {"brand": "red;x:y"}},
     "theme.brand"),
    ({"mode": "popup", "consents": FORMS["callback"]["consents"], "countries": ["KZ"],
      "default_region": "RU"}, "default_region"),
])
def test_bad_form_config_names_the_form_and_the_key(tmp_path, form, fragment):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"callback": form})
    with pytest.raises(ConfigError, match=fragment):
        PhoneCapture(app, db=db)


def popup(**keys) -> dict:
    return {"mode": "popup", "consents": FORMS["callback"]["consents"], **keys}


@pytest.mark.parametrize("selector", ["[[[", "", "   ", "a[href", "a)", "a(", ":is(a", "a[x='y]", 'a "b',
                                      "a{color:red}", "a;b", "a,", ",a", "a,,b", "a >", "a[x=1]]", "a()",
                                      "[a[b]]", "a:no-such-class", "a::before"])
def test_invalid_click_selector_fails_at_start(tmp_path, selector):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": popup(triggers={"click_selector": selector})})
    with pytest.raises(ConfigError) as info:
        PhoneCapture(app, db=db)
    assert str(info.value) == ("PHONECAPTURE_FORMS['x'] is invalid: triggers.click_selector: "
                               "not a valid CSS selector")


@pytest.mark.parametrize("selector", ["#cta", ".btn.buy, a[href^='/order']", "button[data-x=\"a]b\"]",
                                      "main > .card:not(.off) + p ~ a", "a:is(.x, .y) span", ":has(> img)",
                                      "li:nth-child(2n+1)", "#a\\:b", "[data-phonecapture-open]", "a:hover",
                                      "a[href$='.pdf' i]", "ul\nli"])
def test_valid_click_selectors_are_accepted(tmp_path, selector):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": popup(triggers={"click_selector": selector})})
    PhoneCapture(app, db=db)
    assert app.extensions["phonecapture"].forms["x"].triggers.click_selector == selector


def with_policy(url: str) -> dict:
    return popup(consents=[{**FORMS["callback"]["consents"][0], "policy_url": url}])


@pytest.mark.parametrize("url", ["javascript:alert(document.domain)", "JavaScript:alert(1)", "data:text/html,x",
                                 "//evil.example/p", "/\\evil.example", " javascript:alert(1)", "privacy",
                                 "https://", "https:/evil", "ftp://shop.example/p", "/pri vacy", "/a\tb",
                                 "https://shop.example/\x00", "mailto:dpo@shop.example"])
def test_unsafe_policy_url_fails_at_start(tmp_path, url):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": with_policy(url)})
    with pytest.raises(ConfigError, match=r"^PHONECAPTURE_FORMS\['x'\] is invalid: consents.0.policy_url: "
                                          r"must be an http\(s\) URL or a site path"):
        PhoneCapture(app, db=db)


@pytest.mark.parametrize("url", ["/privacy", "/", "https://shop.example/privacy?v=2#sms", "HTTP://shop.example"])
def test_http_urls_and_site_paths_are_fine_policy_urls(tmp_path, url):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": with_policy(url)})
    PhoneCapture(app, db=db)


CONSENTS = FORMS["callback"]["consents"]


@pytest.mark.parametrize("form, message", [
    ({"mode": "inline", "triggers": {"delay_s": 5}}, "triggers: inline forms are always shown; remove triggers"),
    ({"mode": "inline", "triggers": {}}, "triggers: inline forms are always shown; remove triggers"),
    ({"mode": "inline", "targeting": {"device": "mobile"}},
     "targeting: inline forms are shown wherever they are placed; remove targeting"),
    ({"mode": "inline", "frequency": {"once_per_session": True}},
     "frequency: inline forms are shown on every page view; remove frequency"),
    ({"mode": "popup", "exit_intent": {"arm_delay_s": 1}},
     "exit_intent: only exit_intent forms use it; remove exit_intent"),
    ({"mode": "inline", "exit_intent": {"arm_delay_s": 1}},
     "exit_intent: only exit_intent forms use it; remove exit_intent"),
    ({"mode": "exit_intent", "triggers": {"delay_s": 5}},
     "triggers: exit_intent forms open when the visitor is leaving (tune exit_intent); remove triggers"),
])
def test_a_key_the_forms_mode_ignores_fails_at_start(tmp_path, form, message):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": {"consents": CONSENTS, **form}})
    with pytest.raises(ConfigError) as info:
        PhoneCapture(app, db=db)
    assert str(info.value) == f"PHONECAPTURE_FORMS['x'] is invalid: {message}"


@pytest.mark.parametrize("form, message", [
    ({"triggers": {"delay_s": "5"}}, 'triggers.delay_s: must be a whole number (got "5")'),
    ({"triggers": {"scroll_pct": True}}, "triggers.scroll_pct: must be a whole number (got true)"),
    ({"frequency": {"after_close_days": "7"}}, 'frequency.after_close_days: must be a whole number (got "7")'),
    ({"frequency": {"once_per_session": "yes"}}, 'frequency.once_per_session: must be true or false (got "yes")'),
    ({"frequency": {"once_per_session": 1}}, "frequency.once_per_session: must be true or false (got 1)"),
    ({"active": "false"}, 'active: must be true or false (got "false")'),
    ({"consents": [{**CONSENTS[0], "required": "yes"}]}, 'consents.0.required: must be true or false (got "yes")'),
    ({"mode": "exit_intent", "exit_intent": {"mobile_visibility": "no"}},
     'exit_intent.mobile_visibility: must be true or false (got "no")'),
    ({"mode": "exit_intent", "exit_intent": {"sensitivity_px": "20"}},
     'exit_intent.sensitivity_px: must be a whole number (got "20")'),
])
def test_wrongly_typed_numbers_and_flags_fail_at_start(tmp_path, form, message):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": {"mode": "popup", "consents": CONSENTS, **form}})
    with pytest.raises(ConfigError) as info:
        PhoneCapture(app, db=db)
    assert str(info.value) == f"PHONECAPTURE_FORMS['x'] is invalid: {message}"


def test_each_mode_takes_its_own_keys(tmp_path):
    forms = {
        "a": {"mode": "inline", "consents": CONSENTS, "theme": {"brand": "#123456"}},
        "b": {"mode": "popup", "consents": CONSENTS, "triggers": {"delay_s": 5}, "targeting": {"device": "mobile"},
              "frequency": {"once_per_session": True, "after_close_days": 0}},
        "c": {"mode": "exit_intent", "consents": CONSENTS, "exit_intent": {"arm_delay_s": 1},
              "targeting": {"visitor": "new"}, "frequency": {"after_submit_days": 30}},
        "d": {"mode": "button", "consents": CONSENTS, "triggers": {"scroll_pct": 10}},
        "e": {"mode": "slidein", "consents": CONSENTS, "triggers": {"scroll_pct": 40}},
    }
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS=forms)
    PhoneCapture(app, db=db)
    assert app.extensions["phonecapture"].forms["b"].triggers.delay_s == 5


def test_forms_can_come_from_a_json_file(tmp_path):
    path = tmp_path / "forms.json"
    path.write_text(json.dumps({"lead": FORMS["callback"]}), encoding="utf-8")
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS=str(path))
    PhoneCapture(app, db=db)
    assert list(app.extensions["phonecapture"].forms) == ["lead"]


def test_unknown_sms_provider_fails_at_start(tmp_path):
    app, db = bare_app(tmp_path, PHONECAPTURE_SMS_PROVIDER="pigeon")
    with pytest.raises(RuntimeError, match="pigeon"):
        PhoneCapture(app, db=db)


def test_popup_defaults_to_a_60_second_delay_and_slidein_to_70_percent_scroll(app, client):
    # The public config uses one-letter rule keys (publicform.RULE_KEYS): "d" is delay_s.
    assert client.get("/phonecapture/api/v1/forms/tracking").json["triggers"] == {"d": 60}
    from flask_phonecapture.forms import FormSpec

    spec = FormSpec(id="s", mode="slidein", consents=FORMS["callback"]["consents"])
    assert spec.effective_triggers().scroll_pct == 70


def test_config_table_documents_every_key():
    table = doc_table()
    assert "`PHONECAPTURE_REDIS_URL`" in table and "`PHONECAPTURE_KEYS`" in table


def test_readme_config_table_is_the_generated_one():
    # Every key, its default and its #: text, as `python -m flask_phonecapture.config` prints them:
    # a key added, a default changed or a description edited in one place only fails here.
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert doc_table() in readme, "README's config table is stale: paste `python -m flask_phonecapture.config`"


@pytest.mark.parametrize("brand", ["#0b7a5", "", "red/*", "'x", "url(https://evil.example/x)", "b" * 300, "12px"])
def test_a_theme_brand_that_is_no_colour_fails_at_start(tmp_path, brand):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": popup(theme={"brand": brand})})
    with pytest.raises(ConfigError, match=r"theme\.brand"):
        PhoneCapture(app, db=db)


@pytest.mark.parametrize("brand", ["#0b7a5a", "#fff", "#0b7a5a80", "teal", "rgb(11 122 90)", "oklch(55% 0.1 160)"])
def test_theme_brand_colours_are_accepted(tmp_path, brand):
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": popup(theme={"brand": brand})})
    PhoneCapture(app, db=db)


def form_error(tmp_path, form: dict) -> str:
    """The start-up error of one form "x" (mode popup unless given), without its prefix."""
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS={"x": {"mode": "popup", "consents": CONSENTS, **form}})
    with pytest.raises(ConfigError) as info:
        PhoneCapture(app, db=db)
    prefix = "PHONECAPTURE_FORMS['x'] is invalid: "
    assert str(info.value).startswith(prefix)
    return str(info.value)[len(prefix):]


def starts(tmp_path, forms: dict) -> dict:
    app, db = bare_app(tmp_path, PHONECAPTURE_FORMS=forms)
    PhoneCapture(app, db=db)
    return app.extensions["phonecapture"].forms


@pytest.mark.parametrize("brand, message", [
    ("gren", "theme.brand: 'gren' is not a CSS colour; did you mean 'green'?"),
    ("Tomatoe", "theme.brand: 'Tomatoe' is not a CSS colour; did you mean 'tomato'?"),
    ("#0b7a5", "theme.brand: '#0b7a5' is not a CSS colour: use #rgb or #rrggbb (#rrggbbaa with alpha), "
              "rgb()/hsl()/oklch()… or a CSS colour name such as teal"),
    ("transparent", "theme.brand: 'transparent' would leave the button's white text on no background; "
                    "use a colour such as #0b7a5a"),
    ("currentColor", "theme.brand: 'currentColor' would leave the button's white text on no background; "
                     "use a colour such as #0b7a5a"),
])
def test_a_theme_brand_word_that_is_no_css_colour_name_fails_at_start(tmp_path, brand, message):
    assert form_error(tmp_path, {"theme": {"brand": brand}}) == message


@pytest.mark.parametrize("brand", ["green", "Green", "REBECCAPURPLE", "lightgoldenrodyellow", "aliceblue",
                                   "hsl(160 80% 26%)", "#0B7A5A"])
def test_every_css_named_colour_is_a_theme_brand(tmp_path, brand):
    from flask_phonecapture.colours import NAMED_COLOURS

    assert len(NAMED_COLOURS) == 148
    starts(tmp_path, {"x": popup(theme={"brand": brand})})


@pytest.mark.parametrize("radius, message", [
    ("10", "theme.radius: '10' has no unit: add a unit, e.g. 10px"),
    ("2.5", "theme.radius: '2.5' has no unit: add a unit, e.g. 2.5px"),
    ("big", "theme.radius: 'big' is not a CSS length: write 0 or a number with a unit "
            "(px, em, rem, %, vh, vw, pt), e.g. 10px"),
    ("-4px", "theme.radius: '-4px' is not a CSS length: write 0 or a number with a unit "
             "(px, em, rem, %, vh, vw, pt), e.g. 10px"),
    ("10 px", "theme.radius: '10 px' is not a CSS length: write 0 or a number with a unit "
              "(px, em, rem, %, vh, vw, pt), e.g. 10px"),
])
def test_a_theme_radius_that_is_no_css_length_fails_at_start(tmp_path, radius, message):
    assert form_error(tmp_path, {"theme": {"radius": radius}}) == message


@pytest.mark.parametrize("radius", ["0", "10px", "0.5em", ".75rem", "50%", "2vh", "1vw", "12pt", "12PX"])
def test_css_lengths_are_theme_radii(tmp_path, radius):
    starts(tmp_path, {"x": popup(theme={"radius": radius})})


@pytest.mark.parametrize("selector", ["a:contains('Call')", "button:-soup-contains(Позвонить)",
                                      ":-soup-contains-own('Call')", "a:not(:CONTAINS(x))",
                                      "li:nth-child(2 of :contains(x))", ".menu :is(b, a:contains(x))"])
def test_a_click_selector_using_soupsieves_contains_fails_at_start(tmp_path, selector):
    # soupsieve takes these; browsers throw on them (every click would throw in the widget).
    assert form_error(tmp_path, {"triggers": {"click_selector": selector}}) == (
        "triggers.click_selector: browsers don't support :contains (or soupsieve's :-soup-contains); "
        "put a class or id on the element, e.g. #cta or .call-button")


def test_contains_inside_a_quoted_attribute_value_is_a_fine_click_selector(tmp_path):
    starts(tmp_path, {"x": popup(triggers={"click_selector": "a[title=':contains(x)']"})})


@pytest.mark.parametrize("key, pattern, message", [
    ("include", "product/*", "'product/*' can never match; patterns match the path: write /product/*"),
    ("exclude", "checkout", "'checkout' can never match; patterns match the path: write /checkout"),
    ("include", "https://shop.example/product/*",
     "'https://shop.example/product/*' can never match; use the path only, e.g. /product/*"),
    ("include", "https://shop.example", "'https://shop.example' can never match; use the path only, e.g. /"),
    ("exclude", "*://shop.example/cart*", "'*://shop.example/cart*' can never match; use the path only, e.g. /cart*"),
    ("include", "shop.example/product/*",
     "'shop.example/product/*' can never match; use the path only, e.g. /product/*"),
    ("include", "/product/*#reviews",
     "'/product/*#reviews' can never match; the part after # is never sent nor matched: write /product/*"),
    ("exclude", "", "'' can never match; write / for the home page or * for every page"),
])
def test_a_targeting_pattern_that_can_never_match_fails_at_start(tmp_path, key, pattern, message):
    assert form_error(tmp_path, {"targeting": {key: ["/ok/*", pattern]}}) == f"targeting.{key}: {message}"


def test_path_patterns_with_wildcards_queries_and_non_ascii_paths_are_accepted(tmp_path):
    patterns = ["/", "*", "/product/*", "*/cart", "/каталог/*", "/search?*q=*", "/go?u=https://x*", "/v1.2/*"]
    forms = starts(tmp_path, {"x": popup(targeting={"include": patterns, "exclude": patterns})})
    assert forms["x"].targeting.include == patterns


@pytest.mark.parametrize("frequency, message", [
    ({"once_per_session": True},
     "frequency.once_per_session: the floating button is always there; only after_submit_days hides it; remove it"),
    ({"once_per_session": False, "after_submit_days": 30},
     "frequency.once_per_session: the floating button is always there; only after_submit_days hides it; remove it"),
    ({"after_close_days": 3},
     "frequency.after_close_days: the floating button is always there; only after_submit_days hides it; remove it"),
])
def test_a_frequency_rule_the_floating_button_ignores_fails_at_start(tmp_path, frequency, message):
    assert form_error(tmp_path, {"mode": "button", "frequency": frequency}) == message


def test_the_floating_button_takes_after_submit_days_and_other_modes_the_whole_frequency(tmp_path):
    forms = starts(tmp_path, {"b": {"mode": "button", "consents": CONSENTS, "frequency": {"after_submit_days": 30}},
                              "p": popup(frequency={"once_per_session": True, "after_close_days": 1}),
                              "s": {"mode": "slidein", "consents": CONSENTS,
                                    "frequency": {"once_per_session": True, "after_close_days": 1}}})
    assert forms["b"].frequency.after_submit_days == 30


def test_the_example_apps_forms_start():
    from example_app.forms import FORMS as EXAMPLE_FORMS
    from flask_phonecapture.forms import load_forms

    assert set(load_forms(EXAMPLE_FORMS)) == set(EXAMPLE_FORMS)


@pytest.mark.parametrize("texts, message", [
    ({"code_sent": "Код отправлен на {phon}"}, "texts.code_sent: unknown placeholder {phon}; it may use {phone}"),
    ({"error_code": "Осталось {left}, {n}"}, "texts.error_code: unknown placeholder {left}; it may use {n}"),
    ({"error_rate": "Подождите {n} с"}, "texts.error_rate: unknown placeholder {n}; it may use {s}"),
    ({"code_hint": "Code sent to {phone}"}, "texts.code_hint: unknown placeholder {phone}; it may use {masked}"),
    ({"title": "Привет, {name}!"}, "texts.title: unknown placeholder {name}; this text has no placeholders"),
    ({"success_text": "{a} and {b} and {a}"}, "texts.success_text: unknown placeholder {a}, {b}; "
                                              "this text has no placeholders"),
])
def test_a_text_with_a_placeholder_it_does_not_fill_fails_at_start(tmp_path, texts, message):
    assert form_error(tmp_path, {"texts": texts}) == message


def test_texts_with_their_own_placeholders_or_plain_braces_start(tmp_path):
    texts = {"code_sent": "Код ушёл на {phone}", "error_code": "Ещё {n}", "error_rate": "Ждите {s} с",
             "code_hint": "SMS на {masked}", "offer": "Скидка {-10%} и {}"}
    assert starts(tmp_path, {"x": popup(texts=texts)})["x"].texts.code_sent == "Код ушёл на {phone}"


@pytest.mark.parametrize("form, message", [
    ({"triggers": {"delay_s": 2.5}}, "triggers.delay_s: must be a whole number (got 2.5)"),
    ({"frequency": {"after_submit_days": 30.0}}, "frequency.after_submit_days: must be a whole number (got 30.0)"),
])
def test_a_fractional_number_is_reported_as_what_it_is(tmp_path, form, message):
    # It said "not a string or boolean" of 2.5, which is neither.
    assert form_error(tmp_path, form) == message


@pytest.mark.parametrize("form, message", [
    ({"triger": {"delay_s": 5}}, "triger: unknown key; did you mean triggers?"),
    ({"frequency": {"after_close": 3}}, "frequency.after_close: unknown key; did you mean after_close_days?"),
    ({"texts": {"titel": "Звонок"}}, "texts.titel: unknown key; did you mean title?"),
    ({"consents": [{**CONSENTS[0], "requierd": True}]}, "consents.0.requierd: unknown key; did you mean required?"),
    ({"theme": {"brnd": "red"}}, "theme.brnd: unknown key; did you mean brand?"),
    ({"zzzz": 1}, "zzzz: unknown key"),
])
def test_a_misspelt_form_key_gets_a_did_you_mean_hint(tmp_path, form, message):
    assert form_error(tmp_path, form) == message


def bilingual_consent(**text) -> list[dict]:
    return [{"purpose": "service_sms", "required": True, "text": text}]


@pytest.mark.parametrize("form, message", [
    ({"consents": bilingual_consent(ru="Согласен на звонок.")},
     "consents.0.text: add the 'en' wording (a form without a locale is shown in ru and en)"),
    ({"locale": "en", "consents": bilingual_consent(ru="Согласен на звонок.")},
     "consents.0.text: add the 'en' wording (the form's locale is en)"),
    ({"locale": "ru", "consents": bilingual_consent(ru="Согласен на звонок.", en="I agree to a call.")},
     "consents.0.text.en: the form's locale is ru, so it is never shown in en; remove en"),
    ({"consents": bilingual_consent(ru="Согласен на звонок.", eng="I agree to a call.")},
     "consents.0.text.eng: unknown key; did you mean en?"),
    ({"consents": bilingual_consent(ru="Да", en="I agree to a call.")},
     "consents.0.text.ru: String should have at least 5 characters"),
    ({"locale": "en", "texts": {"ru": {"title": "Звонок"}}},
     "texts.ru: the form's locale is en, so it is never shown in ru; remove ru or put its words in the flat texts"),
    ({"texts": {"en": {"code_sent": "Sent to {phon}"}}},
     "texts.en.code_sent: unknown placeholder {phon}; it may use {phone}"),
    ({"texts": {"en": {"titel": "Call"}}}, "texts.en.titel: unknown key; did you mean title?"),
    ({"texts": {"de": {"title": "Rückruf"}}}, "texts.de: unknown key"),
    ({"consents": [{"purpose": "service_sms", "text": 5}]},
     'consents.0.text: must be a text, or one per language: {"ru": "...", "en": "..."}'),
])
def test_per_language_texts_and_consents_for_a_language_the_form_is_not_shown_in_fail_at_start(
        tmp_path, form, message):
    assert form_error(tmp_path, form) == message


def test_per_language_texts_and_consent_wordings_start(tmp_path):
    forms = starts(tmp_path, {
        "both": popup(texts={"title": "Звонок", "en": {"title": "Call"}, "ru": {"submit": "Жду"}},
                      consents=bilingual_consent(ru="Согласен на звонок.", en="I agree to a call.")),
        "en": popup(locale="en", texts={"en": {"title": "Call"}}, consents=bilingual_consent(en="I agree to a call.")),
    })
    assert forms["both"].consents[0].text_for("en") == "I agree to a call."
    assert forms["en"].consents[0].text_for("en") == "I agree to a call."
