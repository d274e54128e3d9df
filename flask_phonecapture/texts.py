"""The built-in visitor texts (ru, en): one table for the widget and the no-JS pages.

Every key the widget shows is also a field of ``forms.Texts``, so a form can override it.
``widget_texts(spec, locale)`` resolves them for a locale (defaults, then the form's own
texts, then its texts for that language) and keeps only what that form can show, so the widget bundle carries no text table.
``ANSWERS`` holds the few server answers no ``UI`` text says (``answer_texts`` adds them).
"""
from __future__ import annotations

import re

__all__ = ["ANSWERS", "PLACEHOLDERS", "UI", "WIDGET_KEYS", "answer_texts", "fill", "resolved",
           "unknown_placeholders", "widget_texts"]

UI: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Перезвоним вам",
        "purpose": "Номер нужен только для ответа на заявку",
        "submit": "Перезвоните мне",
        "phone_label": "Телефон",
        "name_label": "Имя",
        "optional": "необязательно",
        "country": "Страна",
        "policy": "Политика конфиденциальности",
        "new_tab": "(откроется в новой вкладке)",
        "code_title": "Введите код из SMS",
        "code_label": "Код из SMS",
        "code_sent": "Код отправлен на {phone}",
        "code_hint": "Мы отправили SMS с 6-значным кодом на {masked}.",
        "verify": "Подтвердить",
        "resend": "Отправить код ещё раз",
        "wrong_number": "Неверный номер?",
        "success_title": "Номер подтверждён",
        "success_text": "Спасибо! Скоро свяжемся.",
        "close": "Закрыть",
        "error_required": "Заполните поле",
        "error_phone": "Проверьте номер",
        "error_consent": "Нужно ваше согласие",
        "error_code": "Неверный код, осталось попыток: {n}",
        "error_gone": "Код не действует, запросите новый",
        "error_rate": "Слишком часто, подождите {s} с",
        "error_network": "Не удалось отправить, попробуйте ещё раз",
        # no-JS pages only
        "back": "Вернуться на страницу",
        "hp_label": "Не заполняйте это поле",
        "errors_title": "Проверьте форму",
        "error_page_title": "Ошибка: {title}",
        "resent": "Новый код отправлен.",
        "csrf": "Форма устарела (CSRF). Отправьте её ещё раз.",
    },
    "en": {
        "title": "We'll call you back",
        "purpose": "We use your number only to answer this request",
        "submit": "Call me back",
        "phone_label": "Phone",
        "name_label": "Name",
        "optional": "optional",
        "country": "Country",
        "policy": "Privacy policy",
        "new_tab": "(opens in a new tab)",
        "code_title": "Enter the code from the SMS",
        "code_label": "Code from SMS",
        "code_sent": "Code sent to {phone}",
        "code_hint": "We sent a 6-digit code to {masked}.",
        "verify": "Confirm",
        "resend": "Send the code again",
        "wrong_number": "Wrong number?",
        "success_title": "Number confirmed",
        "success_text": "Thank you! We'll be in touch soon.",
        "close": "Close",
        "error_required": "Please fill in this field",
        "error_phone": "Check the number",
        "error_consent": "Your consent is needed",
        "error_code": "Wrong code, attempts left: {n}",
        "error_gone": "The code is no longer valid, request a new one",
        "error_rate": "Too often, wait {s} s",
        "error_network": "Could not send, please try again",
        "back": "Back to the page",
        "hp_label": "Leave this field empty",
        "errors_title": "Please check the form",
        "error_page_title": "Error: {title}",
        "resent": "A new code has been sent.",
        "csrf": "The form has expired (CSRF). Please send it again.",
    },
}

#: Server answers (the API's ``message``, the no-JS pages' errors) that no ``UI`` text says.
#: Not per form: a form overrides the ``UI`` texts the answers reuse (``error_code``,
#: ``error_gone``, ``error_rate``) and the widget shows those from its own config anyway.
ANSWERS: dict[str, dict[str, str]] = {
    "ru": {
        "code_required": "Введите код из SMS.",
        "code_format": "Код — это 6 цифр из SMS.",
        "already_verified": "Этот номер уже подтверждён.",
        "form_gone": "Эта форма больше не работает.",
    },
    "en": {
        "code_required": "Enter the code from the SMS.",
        "code_format": "The code is the 6 digits from the SMS.",
        "already_verified": "This number is already confirmed.",
        "form_gone": "This form is no longer available.",
    },
}


def answer_texts(spec, locale: str | None = None) -> dict[str, str]:
    """What a server answer about this form may say, in ``locale`` (the submission's; default
    the form's): its resolved texts plus ``ANSWERS``.
    ``spec`` None (a form since removed): the built-in texts of ``locale``, else English."""
    if spec is None:
        locale = locale if locale in UI else "en"
        return {**UI[locale], **ANSWERS[locale]}
    locale = locale if locale in ANSWERS else spec.effective_locale
    texts = resolved(spec, locale)
    return {**ANSWERS[locale if locale in ANSWERS else "en"], **texts}


#: The ``{name}`` placeholders each text may use (filled by ``fill`` here and the widget's
#: ``fill``); every other text has none. Form texts are checked against it at start-up: an
#: unknown name would be filled with nothing.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "code_sent": frozenset({"phone"}), "error_code": frozenset({"n"}), "error_rate": frozenset({"s"}),
    "code_hint": frozenset({"masked"}), "error_page_title": frozenset({"title"}),
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def unknown_placeholders(key: str, text: str) -> list[str]:
    """The ``{name}`` placeholders in ``text`` that text ``key`` does not fill, in order."""
    allowed = PLACEHOLDERS.get(key, frozenset())
    return list(dict.fromkeys(name for name in PLACEHOLDER.findall(text) if name not in allowed))


def fill(text: str, **values) -> str:
    """``{n}``, ``{s}``... filled in as the widget's ``fill`` does (unknown names become "")."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


#: The short key of each text in the widget's public config (it travels with every page view
#: that shows a form; docs/widget.md lists them). Form configs keep the long names.
WIDGET_KEYS = {
    "title": "t", "offer": "o", "purpose": "pu", "promise": "pr", "submit": "s", "teaser": "te",
    "phone_label": "pl", "name_label": "nl", "optional": "op", "country": "co", "policy": "po",
    "new_tab": "nt", "code_title": "ct", "code_label": "cl", "code_sent": "cs", "verify": "v",
    "resend": "r", "wrong_number": "w", "success_title": "st", "success_text": "sx", "close": "x",
    "error_required": "er", "error_phone": "ep", "error_consent": "ec", "error_code": "ek",
    "error_gone": "eg", "error_rate": "et", "error_network": "en",
}

_NO_JS_ONLY = {"code_hint", "back", "hp_label", "errors_title", "error_page_title", "resent", "csrf"}


def resolved(spec, locale: str | None = None) -> dict[str, str]:
    """All texts for ``locale`` (default: the form's), the form's overrides applied: its flat
    texts (every language), then its texts for that language (``texts.en``...)."""
    locale = locale if locale in UI else spec.effective_locale
    texts = dict(UI[locale])
    texts.update(spec.texts.for_locale(locale))
    texts.setdefault("teaser", texts["submit"])
    return texts


def widget_texts(spec, locale: str | None = None) -> dict[str, str]:
    """What the widget can show for this form, resolved (sent with its public config)."""
    texts = resolved(spec, locale)
    drop = set(_NO_JS_ONLY)
    if spec.fields.get("name", "off") == "off":
        drop |= {"name_label", "optional"}
    if len(spec.allowed_regions) < 2:
        drop.add("country")
    if spec.mode != "button":
        drop.add("teaser")
    if spec.mode == "inline":
        drop.add("close")  # no close button, no success "close" either
    if not any(c.policy_url for c in spec.consents):
        drop |= {"policy", "new_tab"}
    return {k: v for k, v in texts.items() if k not in drop}
