"""Visitor texts: one ru/en table for the widget and the no-JS pages, every key overridable."""
from flask_phonecapture.forms import FormSpec, Texts
from flask_phonecapture.texts import UI, WIDGET_KEYS, resolved, widget_texts

CONSENT = [{"purpose": "service_sms", "text": "Согласен на звонок", "required": True, "policy_url": "/p"}]


def spec(**kw):
    return FormSpec(id="f", mode=kw.pop("mode", "popup"), consents=CONSENT, **kw)


def test_both_locales_have_the_same_keys_and_every_key_is_overridable():
    assert set(UI["ru"]) == set(UI["en"])
    assert set(UI["ru"]) | {"teaser", "offer", "promise"} == set(Texts.model_fields)


def test_resolved_for_the_locale_with_the_form_overrides():
    ru = resolved(spec(texts={"submit": "Жду звонка"}))
    assert ru["title"] == UI["ru"]["title"] and ru["submit"] == ru["teaser"] == "Жду звонка"
    en = resolved(spec(locale="en", texts={"error_phone": "Not a number we can call"}))
    assert en["error_phone"] == "Not a number we can call" and en["verify"] == "Confirm"


def test_the_widget_gets_only_what_the_form_can_show():
    t = widget_texts(spec(mode="inline"))
    assert "close" not in t and "teaser" not in t and "country" not in t and "name_label" not in t
    assert "csrf" not in t and "code_hint" not in t  # no-JS pages only
    t = widget_texts(spec(mode="button", countries=["RU", "KZ"], fields={"name": "optional"}))
    assert {"close", "teaser", "country", "name_label", "optional", "policy"} <= set(t)


def test_a_form_without_a_locale_follows_the_page_language():
    from flask_phonecapture.publicform import locale_for

    # the page's <html lang>: the widget's ?lang=, or the lang= a template passes
    assert locale_for(spec(), "en-GB") == "en" and locale_for(spec(locale="ru"), "en-GB") == "ru"
    assert locale_for(spec(), "de") == "ru"  # not built in: from the default region (RU)


def test_every_widget_text_has_a_distinct_short_key():
    t = widget_texts(spec(mode="button", countries=["RU", "KZ"], fields={"name": "optional"},
                          texts={"offer": "Скидка", "promise": "Перезвоним"}))
    assert set(t) <= set(WIDGET_KEYS)
    assert len(set(WIDGET_KEYS.values())) == len(WIDGET_KEYS)


def test_server_answers_exist_in_both_languages_and_follow_the_form():
    from flask_phonecapture.texts import ANSWERS, answer_texts, fill

    assert set(ANSWERS["ru"]) == set(ANSWERS["en"])
    assert not set(ANSWERS["ru"]) & set(UI["ru"])  # never shadowing a text a form can set
    ru = answer_texts(spec(texts={"error_code": "Мимо, ещё {n}"}))
    assert ru["code_format"] == ANSWERS["ru"]["code_format"] and ru["error_code"] == "Мимо, ещё {n}"
    assert answer_texts(spec(locale="en"))["already_verified"] == ANSWERS["en"]["already_verified"]
    assert answer_texts(None, "ru")["error_gone"] == UI["ru"]["error_gone"]  # the form was removed
    assert answer_texts(None, "")["code_format"] == ANSWERS["en"]["code_format"]
    assert fill("{n} из {max}, {s}", n=3, s="x") == "3 из , x"


def test_per_language_texts_win_in_their_language_and_flat_ones_hold_for_every_language():
    form = spec(texts={"title": "Скидка", "promise": "Быстро", "en": {"title": "Discount"},
                       "ru": {"submit": "Жду звонка"}})
    en, ru = resolved(form, "en"), resolved(form, "ru")
    assert (en["title"], en["promise"], en["submit"], en["teaser"]) == ("Discount", "Быстро", UI["en"]["submit"],
                                                                        UI["en"]["submit"])
    assert (ru["title"], ru["promise"], ru["submit"], ru["teaser"]) == ("Скидка", "Быстро", "Жду звонка", "Жду звонка")
    assert resolved(form) == ru  # the form's own language (RU region)


def test_a_flat_config_keeps_its_version_and_its_consent_text_version():
    import hashlib
    import json

    form = spec(texts={"title": "Звонок"})
    assert "\"ru\"" not in form.model_dump_json() and "\"en\"" not in form.model_dump_json()
    c = form.consents[0]
    blob = json.dumps([c.purpose, "ru", CONSENT[0]["text"], c.policy_url], ensure_ascii=False)
    assert c.text_version("ru") == hashlib.sha256(blob.encode()).hexdigest()
    assert c.text_for("en") == c.text_for("ru") == CONSENT[0]["text"]


def test_texts_added_later_leave_the_version_of_a_config_that_does_not_set_them_alone():
    """new_tab and error_page_title came after forms were versioned: unset, they are not in the dump
    (the hashes are those of the same configs before the texts existed)."""
    assert spec(texts={"title": "Звонок"}).version == "c44c3ff6e5b6"
    assert spec(texts={"title": "Звонок", "en": {"title": "Call"}}).version == "44264d00ee0a"
    assert spec(texts={"title": "Звонок", "new_tab": "(в новом окне)"}).version != "c44c3ff6e5b6"
