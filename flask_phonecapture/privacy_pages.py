"""The self-service erasure pages: ``/privacy/erase`` (the number), ``/privacy/erase/<id>`` (the
SMS code, then the receipt). Plain server pages with CSRF, like the no-JS form; the logic is in
:mod:`.privacy`. The language is ``?lang=`` (a link from a page in that language), else the
browser's, among ru and en.
"""
from __future__ import annotations

import phonenumbers
from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from sqlalchemy.exc import OperationalError
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from . import leads, privacy
from .extension import get_state
from .language import page_language
from .masks import _name
from .messaging.hooks import _private, _Spec  # never cached or indexed, no referrer; <html lang>
from .pages import _summary
from .phone import PhoneError, parse_phone
from .webforms import MESSAGES, PostedForm, VerifyForm

privacy_bp = Blueprint("phonecapture_privacy", __name__, template_folder="templates")

TEXTS = {
    "ru": {
        "title": "Удалить мой номер",
        "intro": "Укажите номер, который вы оставляли на сайте. Мы пришлём на него код, и после "
                 "подтверждения удалим номер, имя и всё, что связывает их с вами, а согласия "
                 "на SMS отзовём. Отменить удаление нельзя.",
        "phone_label": "Телефон",
        "country": "Страна",
        "submit": "Получить код",
        "code_title": "Подтвердите удаление",
        "code_sent": "Если номер {masked} есть у нас, на него отправлен код. Код действует {minutes} мин.",
        "code_label": "Код из SMS",
        "confirm": "Удалить номер",
        "again": "Указать другой номер",
        "done_title": "Номер удалён",
        "done_text": "Номер {masked} и связанные с ним данные удалены {date} (UTC). Согласия отозваны, "
                     "SMS больше не придут. Номер квитанции: {receipt}.",
        "errors_title": "Проверьте форму",
        "error_page_title": "Ошибка: {title}",
        "too_many": "Слишком много запросов для этого номера. Попробуйте через час.",
        "unknown": "Такого запроса нет. Начните сначала.",
        "already": "Номер по этому запросу уже удалён.",
        "gone": "Код больше не действует. Запросите новый.",
        "code_format": "Код — это 6 цифр из SMS.",
        "wrong": "Неверный код. Осталось попыток: {n}.",
        "csrf": "Форма устарела (CSRF). Отправьте её ещё раз.",
        "rate": "Слишком много запросов с вашего адреса. Попробуйте через {s} с.",
        "unavailable": "Сервис временно недоступен. Попробуйте через минуту.",
    },
    "en": {
        "title": "Erase my number",
        "intro": "Enter the number you left on this site. We will text it a code; once you confirm, "
                 "we erase the number, your name and everything that ties them to you, and withdraw "
                 "your SMS consents. This cannot be undone.",
        "phone_label": "Phone",
        "country": "Country",
        "submit": "Get a code",
        "code_title": "Confirm the erasure",
        "code_sent": "If we hold {masked}, a code has been sent to it. The code is valid for {minutes} minutes.",
        "code_label": "Code from the SMS",
        "confirm": "Erase the number",
        "again": "Use another number",
        "done_title": "Number erased",
        "done_text": "The number {masked} and the data tied to it were erased on {date} (UTC). Consents "
                     "are withdrawn and no more SMS will come. Receipt number: {receipt}.",
        "errors_title": "Please check the form",
        "error_page_title": "Error: {title}",
        "too_many": "Too many requests for this number. Please try again in an hour.",
        "unknown": "There is no such request. Please start again.",
        "already": "The number of this request is erased already.",
        "gone": "The code is no longer valid. Please ask for a new one.",
        "code_format": "The code is the 6 digits from the SMS.",
        "wrong": "Wrong code. Attempts left: {n}.",
        "csrf": "The form has expired (CSRF). Please send it again.",
        "rate": "Too many requests from your network. Please try again in {s} s.",
        "unavailable": "The service is temporarily unavailable. Please try again in a minute.",
    },
}


class EraseForm(PostedForm):
    phone = StringField(validators=[InputRequired(), Length(max=40)])
    country = StringField(validators=[Optional(), Length(max=2)])


def _locale() -> str:
    return page_language(TEXTS)  # the page and VerifyForm's own answers speak it


def _regions() -> list[str]:
    """Every country some form accepts (a stored number came through one of them); the first
    form's default first."""
    forms = list(get_state().forms.values())
    out = [forms[0].default_region] if forms else []
    for spec in forms:
        out += [r for r in spec.allowed_regions if r not in out]
    return out or ["RU"]


def _render(name: str, locale: str, status: int = 200, **ctx):
    page = render_template(f"phonecapture/{name}", t=TEXTS[locale], spec=_Spec(locale), **ctx)
    return _private(make_response(page, status))


@privacy_bp.errorhandler(429)
def _rate_limited(exc):
    """flask-limiter's refusal, as a page of ours: in the visitor's language and, like every
    page here, not cached and sending no referrer (the URL holds the request id)."""
    from .api import _retry_after

    locale = _locale()
    wait = _retry_after(exc)
    response = _render("message_page.html", locale, 429, title=TEXTS[locale]["title"],
                       text=TEXTS[locale]["rate"].format(s=wait))
    response.headers["Retry-After"] = str(wait)
    return response


@privacy_bp.errorhandler(OperationalError)
def _db_down(exc):  # a lost connection, a deadlock victim: a 503 to retry, never a 500
    current_app.logger.error("phonecapture: database unavailable (%s)", type(exc.orig).__name__)
    get_state().db.session.rollback()
    locale = _locale()
    response = _render("message_page.html", locale, 503, title=TEXTS[locale]["title"],
                       text=TEXTS[locale]["unavailable"])
    response.headers["Retry-After"] = "5"
    return response


@privacy_bp.route("/privacy/erase", methods=["GET", "POST"])
def erase_start():
    locale = _locale()
    t = TEXTS[locale]
    regions = _regions()
    form = EraseForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            region = form.country.data if form.country.data in regions else regions[0]
            try:
                phone = parse_phone(form.phone.data, region)
                request_id = privacy.request_erasure(get_state(), phone, locale, t)
                return _private(redirect(url_for(".erase_code", request_id=request_id, lang=locale)))
            except PhoneError as exc:
                form.phone.errors = [MESSAGES[locale]["phone"].get(exc.code) or str(exc)]
            except leads.LeadError as exc:
                form.form_errors.append(exc.message)
                status = exc.status
        elif form.errors.get("csrf_token"):
            form.form_errors.append(t["csrf"])
            status = 400
        elif form.phone.errors:
            form.phone.errors = [MESSAGES[locale]["phone_required"] if not form.phone.data
                                 else MESSAGES[locale]["phone"].get("too_long", "The number is too long.")]
    countries = [(r, phonenumbers.country_code_for_region(r), _name(r, locale)) for r in regions]
    region = form.country.data if form.country.data in regions else regions[0]
    return _render("erase_start.html", locale, status, form=form, countries=countries, region=region,
                   errors=_summary(form, {"country": "pc-erase-country", "phone": "pc-erase-phone"}))


@privacy_bp.route("/privacy/erase/<request_id>", methods=["GET", "POST"])
def erase_code(request_id: str):
    locale = _locale()
    t = TEXTS[locale]
    state = get_state()
    req = privacy.load_request(state, request_id)
    if req is None:
        return _render("message_page.html", locale, 404, title=t["title"], text=t["unknown"])
    form = VerifyForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                receipt = privacy.confirm_erasure(state, req.id, form.code.data, t)
                return _render("erase_done.html", locale, receipt=receipt,
                               text=t["done_text"].format(masked=receipt.masked,
                                                          date=receipt.erased_at.strftime("%Y-%m-%d %H:%M"),
                                                          receipt=receipt.request_id))
            except leads.LeadError as exc:
                form.code.errors = [exc.message]
                status = exc.status
        else:
            status = 422
            if form.errors.get("csrf_token"):
                form.form_errors.append(t["csrf"])
                status = 400
    return _render("erase_code.html", locale, status, form=form,
                   sent=t["code_sent"].format(masked=req.masked,
                                             minutes=current_app.config["PHONECAPTURE_CODE_TTL"] // 60),
                   again=url_for(".erase_start", lang=locale),
                   errors=_summary(form, {"code": "pc-erase-code"}))
