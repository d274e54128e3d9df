"""SMS templates: sandboxed, per kind and locale, segment counts, refused at start-up when bad."""
from __future__ import annotations

import pytest

from flask_phonecapture.messaging import templates
from flask_phonecapture.messaging.templates import TemplateConfigError, TemplateSet


def test_builtin_templates_exist_for_every_kind_in_both_languages():
    ts = templates.load({"PHONECAPTURE_SMS_MAX_SEGMENTS": 3}, {"marketing"})
    for kind in ("otp", "confirmation", "followup", "marketing"):
        for locale in ("ru", "en"):
            assert (kind, locale) in ts.compiled


def test_rendering_reports_segments_gsm7_and_ucs2():
    ts = TemplateSet({"PHONECAPTURE_BRAND": "Shop", "PHONECAPTURE_SMS_MAX_SEGMENTS": 3})
    en = ts.render("otp", "en", code="123456")
    assert en.text == "Your confirmation code: 123456 (Shop)"
    assert (en.info.encoding, en.segments) == ("GSM-7", 1)
    ru = ts.render("confirmation", "ru", name="Анна")
    assert ru.text.startswith("Анна, заявка принята") and ru.info.encoding == "UCS-2"
    assert (ru.info.units, ru.segments) == (66, 1)  # fits one UCS-2 part of 70
    longer = ts.render("confirmation", "ru", name="Александра-Мария")
    assert (longer.info.units, longer.segments) == (78, 2)  # over 70: two parts of 67
    assert ts.render("otp", "de", code="1").text.startswith("Your")  # unknown locale: en


def test_over_limit_template_stops_the_app_with_a_clear_error(make_app):
    long_ru = "Ваша заявка принята, мы скоро перезвоним. " * 3
    with pytest.raises(TemplateConfigError, match=r"'confirmation' \(ru\) renders to 2 SMS segments.*"
                                                  r"PHONECAPTURE_SMS_MAX_SEGMENTS=1"):
        make_app(PHONECAPTURE_SMS_MAX_SEGMENTS=1,
                 PHONECAPTURE_SMS_TEMPLATES={"confirmation": {"ru": long_ru[:100]}})


def test_unknown_variables_and_bad_syntax_are_refused():
    with pytest.raises(TemplateConfigError, match="unknown variable.*phone"):
        TemplateSet({"PHONECAPTURE_SMS_TEMPLATES": {"x": {"en": "Hi {{ phone }}"}}})
    with pytest.raises(TemplateConfigError, match="not valid Jinja"):
        TemplateSet({"PHONECAPTURE_SMS_TEMPLATES": {"x": {"en": "Hi {{ name "}}})


def test_templates_are_sandboxed():
    ts = TemplateSet({"PHONECAPTURE_SMS_TEMPLATES": {
        "x": {"en": "{{ name.__class__.__mro__[1].__subclasses__() }}"}}})
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        ts.render("x", "en", name="Ann")


def test_marketing_sequence_template_must_carry_the_unsubscribe_link(make_app):
    with pytest.raises(TemplateConfigError, match="must contain .*link"):
        make_app(PHONECAPTURE_SMS_TEMPLATES={"promo": {"ru": "Скидка 10% на чай!"}},
                 PHONECAPTURE_SEQUENCES={"promo": {"trigger": "verified", "steps": [
                     {"template": "promo", "kind": "marketing", "after": "3d",
                      "purpose": "marketing_sms"}]}})


def test_custom_template_with_variables_renders(make_app):
    app, _ = make_app(PHONECAPTURE_BRAND="Чайная лавка", PHONECAPTURE_SMS_TEMPLATES={
        "otp": {"ru": "{{ code }} - код для {{ brand }}"}})
    from flask_phonecapture.messaging.texts import otp_text

    with app.app_context():
        assert otp_text("ru", "482913", "Чайная лавка") == "482913 - код для Чайная лавка"
