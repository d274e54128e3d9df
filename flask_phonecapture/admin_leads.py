"""The Leads page for managers: recent submissions with masked numbers, and an audited "show number".

``GET /admin/leads`` lists submissions newest first, 50 a page (keyset on ``created_at, id``: the
"older" link carries the last row's time and id), filtered by form, status and period. Each row
shows the masked number (``contacts.masked``: country code and last two digits), the status, the
consents given on that submission and its source tags; the full number never reaches the list.

``POST /admin/leads/<contact_id>/reveal`` takes a reason (Flask-WTF, CSRF on) and answers with the
full number, after ``subject_access.reveal`` has committed a ``reveal`` audit record naming the
actor, the role and the reason. The actor is ``@phonecapture.actor_loader``'s answer (the host
app's user, e.g. an e-mail), else ``role:<role>@<client ip>``. Numbers shown are limited per
actor (``PHONECAPTURE_RATELIMIT_REVEAL``, ratelimit.py).

Roles ``manager`` and ``admin`` (admin.LEADS_ROLES) may use both; anyone else gets 403 before
anything is read, decrypted or recorded.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import phonenumbers
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy import and_, or_, select
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from .admin import LEADS_ROLES, no_store, refuse_cross_site, staff_actor, staff_error_pages, staff_ip, staff_nav
from .contacts import masked
from .crypto import CryptoError
from .extension import get_state
from .language import asked_language, page_language
from .leads import _plausible_id
from .models import Consent, Contact, Submission, utcnow
from .subject_access import SubjectAccessError, reveal
from .webforms import PostedForm

leads_bp = Blueprint("phonecapture_leads", __name__, template_folder="templates")
leads_bp.context_processor(staff_nav)

PAGE_SIZE = 50
REASON_MAX = 200
PERIODS = ("1", "7", "30", "90", "all")
STATUSES = ("all", "verified", "pending")
PURPOSES = ("service_sms", "marketing_sms", "marketing_calls", "third_party_transfer")
_CURSOR = re.compile(r"(\d{8}T\d{6}\.\d{6})_([0-9a-f]{32})")

# abort(409, UNCONFIRMED): a number nobody confirmed by SMS, refused unless the setting allows it.
# Anyone can type a stranger's number into a callback form (so that the stranger gets called); the
# SMS code is what says the number is the visitor's own.
UNCONFIRMED = "unconfirmed"

#: Every text of the Leads pages, ru and en (``?lang=``, else the browser's first, else English).
TEXTS: dict[str, dict] = {
    "ru": {
        "title": "Заявки",
        "intro": "Номера, оставленные в формах сайта, новые сверху. Номера скрыты; чтобы перезвонить, "
                 "нажмите «Показать номер» и укажите причину: просмотр записывается в журнал аудита.",
        "error_title": "Ошибка: {title}",
        "errors_title": "Проверьте фильтр",
        "form_errors_title": "Проверьте форму",
        "form_label": "Форма",
        "all_forms": "Все формы",
        "status_label": "Статус",
        "statuses": {"all": "Все", "verified": "Подтверждённые", "pending": "Ждут подтверждения"},
        "period_label": "Период",
        "periods": {"1": "Последние сутки", "7": "Последние 7 дней", "30": "Последние 30 дней",
                    "90": "Последние 90 дней", "all": "Всё время"},
        "apply": "Применить",
        "unknown": "Выберите одно из значений списка.",
        "bad_cursor": "Ссылка на страницу повреждена или устарела. Начните с новых заявок.",
        "caption": "{form}, {period}, {status}: новые сверху, время по UTC",
        "columns": {"time": "Время (UTC)", "form": "Форма", "number": "Номер", "status": "Статус",
                    "consents": "Согласия", "source": "Источник", "action": "Перезвонить"},
        "date_format": "%d.%m.%Y %H:%M",
        "day_format": "%d.%m.%Y",
        "row_status": {"pending_verification": "Ждёт подтверждения", "locked": "Код заблокирован",
                       "verified": "Подтверждён", "erased": "Удалён"},
        "purposes": {"service_sms": "Сервисные SMS", "marketing_sms": "Рекламные SMS",
                     "marketing_calls": "Рекламные звонки", "third_party_transfer": "Передача третьим лицам"},
        "withdrawn": "отозвано {day}",
        "no_consents": "нет",
        "direct": "(прямой заход)",
        "page": "страница",
        "empty": "Под этот фильтр заявок нет.",
        "older": "Более ранние заявки",
        "newest": "К новым заявкам",
        "reveal_summary": "Показать номер",
        "undecryptable": "не расшифровать: нет ключа",
        "unconfirmed": "Не подтверждён по SMS: номер не показывается",
        "reason_label": "Причина (попадёт в журнал аудита)",
        "reveal_button": "Показать",
        "reason_required": "Укажите причину: зачем вам полный номер (например, «перезвонить по заказу 17»). "
                           "Одни пробелы — не причина.",
        "reason_too_long": "Причина длиннее 200 символов: сократите её.",
        "csrf": "Форма устарела (CSRF). Отправьте её ещё раз.",
        "reveal_title": "Показать номер заявки",
        "reveal_intro": "Номер {masked}. Полный номер покажем после того, как вы укажете причину; "
                        "просмотр записывается в журнал аудита.",
        "shown_title": "Номер для звонка",
        "call": "Позвонить",
        "national": "Внутри страны",
        "region": "Страна",
        "contact_id": "ID контакта",
        "audited": "Этот просмотр записан в журнал аудита: кто ({actor}), когда и зачем.",
        "back": "Вернуться к заявкам",
        "errors": {
            400: ("Неверный запрос", "Запрос не удалось разобрать. Откройте страницу заявок заново."),
            403: ("Нет доступа", "У вас нет доступа к этой странице. Попросите администратора сайта "
                                 "выдать вам роль manager или admin."),
            404: ("Заявка не найдена", "Контакта с таким ID нет. Откройте номер со страницы заявок."),
            405: ("Метод не поддерживается", "Так эту страницу открыть нельзя."),
            409: ("Номер не расшифровать", "Ключа, которым зашифрован этот номер, нет в PHONECAPTURE_KEYS. "
                                           "Попросите администратора вернуть прежний ключ."),
            (409, UNCONFIRMED): ("Номер не подтверждён", "Владелец этого номера не подтвердил его кодом из SMS: "
                                 "номер мог ввести кто угодно, поэтому он не показывается. Дождитесь "
                                 "подтверждения (администратор может разрешить показ неподтверждённых "
                                 "номеров: PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED)."),
            410: ("Номер удалён", "Этот номер удалён по просьбе владельца или по сроку хранения: "
                                  "показывать нечего."),
            413: ("Слишком большой запрос", "Запрос слишком большой. Сократите причину."),
            429: ("Слишком много номеров", "Вы показали слишком много номеров подряд. "
                                           "Попробуйте снова через {s} с."),
            503: ("Сервис недоступен", "Страницу сейчас не открыть: база данных недоступна. "
                                       "Попробуйте через минуту."),
        },
        "error_other": ("Ошибка {code}", "Страницу не удалось открыть."),
    },
    "en": {
        "title": "Leads",
        "intro": "Numbers left on the site's forms, newest first. Numbers are masked; to call a lead back, "
                 "press “Show number” and give a reason: the view is recorded in the audit log.",
        "error_title": "Error: {title}",
        "errors_title": "Check the filter",
        "form_errors_title": "Check the form",
        "form_label": "Form",
        "all_forms": "All forms",
        "status_label": "Status",
        "statuses": {"all": "All", "verified": "Verified", "pending": "Pending verification"},
        "period_label": "Period",
        "periods": {"1": "Last 24 hours", "7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days",
                    "all": "All time"},
        "apply": "Apply",
        "unknown": "Choose one of the listed values.",
        "bad_cursor": "This page link is broken or out of date. Start again from the newest leads.",
        "caption": "{form}, {period}, {status}: newest first, times in UTC",
        "columns": {"time": "Time (UTC)", "form": "Form", "number": "Number", "status": "Status",
                    "consents": "Consents", "source": "Source", "action": "Call back"},
        "date_format": "%Y-%m-%d %H:%M",
        "day_format": "%Y-%m-%d",
        "row_status": {"pending_verification": "Pending verification", "locked": "Code locked",
                       "verified": "Verified", "erased": "Erased"},
        "purposes": {"service_sms": "Service SMS", "marketing_sms": "Marketing SMS",
                     "marketing_calls": "Marketing calls", "third_party_transfer": "Transfer to third parties"},
        "withdrawn": "withdrawn {day}",
        "no_consents": "none",
        "direct": "(direct)",
        "page": "page",
        "empty": "No leads match this filter.",
        "older": "Older leads",
        "newest": "Back to the newest leads",
        "reveal_summary": "Show number",
        "undecryptable": "can't be decrypted: key missing",
        "unconfirmed": "Not confirmed by SMS: the number is not shown",
        "reason_label": "Reason (recorded in the audit log)",
        "reveal_button": "Show",
        "reason_required": "Enter a reason: why you need the full number (e.g. “call back about order 17”). "
                           "Spaces alone are not a reason.",
        "reason_too_long": "The reason is longer than 200 characters: shorten it.",
        "csrf": "The form has expired (CSRF). Please send it again.",
        "reveal_title": "Show a lead's number",
        "reveal_intro": "Number {masked}. The full number is shown once you give a reason; the view is "
                        "recorded in the audit log.",
        "shown_title": "Number to call",
        "call": "Call",
        "national": "Within the country",
        "region": "Country",
        "contact_id": "Contact id",
        "audited": "This view was recorded in the audit log: who ({actor}), when and why.",
        "back": "Back to leads",
        "errors": {
            403: ("Forbidden", "You don't have access to this page. Ask the site's administrator for the "
                               "manager or admin role."),
            404: ("Not Found", "No contact has this id. Open the number from the Leads page."),
            409: ("Can't be decrypted", "The key this number was encrypted with is not in PHONECAPTURE_KEYS. "
                                        "Ask the site's administrator to put the old key back."),
            (409, UNCONFIRMED): ("Number not confirmed", "Its owner has not confirmed this number with the SMS "
                                 "code: anyone could have typed it, so it is not shown. Wait for the "
                                 "confirmation (the site's administrator can allow showing unconfirmed "
                                 "numbers: PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED)."),
            410: ("Gone", "This number was erased (at its owner's request or when its retention ended): "
                          "there is nothing to show."),
            413: ("Request too large", "The request is too large. Shorten the reason."),
            429: ("Too many numbers shown", "You have shown too many numbers in a row. "
                                            "Try again in {s} s."),
            503: ("Service unavailable", "The page can't be read right now: the database is unavailable. "
                                         "Try again in a minute."),
        },
        "error_other": None,  # werkzeug's own name and description
    },
}


def _locale() -> str:
    return page_language(TEXTS)


# -- who is asking ---------------------------------------------------------------
def staff_role() -> str:
    """The role that lets this user in: admin wins over manager ("" for neither)."""
    roles = get_state().extension.current_roles() & LEADS_ROLES
    return "admin" if "admin" in roles else ("manager" if roles else "")


@leads_bp.before_request
def _managers_only():
    _locale()
    if not staff_role():
        abort(403)  # before any read, decrypt or audit record
    refuse_cross_site()


# -- errors ----------------------------------------------------------------------
staff_error_pages(leads_bp, TEXTS)


# -- the list --------------------------------------------------------------------
class LeadsFilter(Form):
    """The list's GET query: ?form=&status=&period=&before= (all optional)."""

    form = SelectField(default="")
    status = SelectField(default="all")
    period = SelectField(default="30")
    before = StringField(default="")

    def __init__(self, formdata, form_ids, locale: str = "en"):
        super().__init__()
        self.t = t = TEXTS[locale]
        for name in ("form", "status", "period"):
            self[name].label.text = t[f"{name}_label"]
            self[name].invalid_choice_message = t["unknown"]
        self.form.choices = [SelectChoice("", t["all_forms"]), *(SelectChoice(f, f) for f in sorted(form_ids))]
        self.status.choices = [SelectChoice(k, t["statuses"][k]) for k in STATUSES]
        self.period.choices = [SelectChoice(k, t["periods"][k]) for k in PERIODS]
        self.process(formdata)

    def validate_before(self, field):
        if field.data and self.cursor() is None:
            raise ValidationError(self.t["bad_cursor"])

    def cursor(self) -> tuple[datetime, str] | None:
        """The ``before`` link's (created_at, submission id), or None when absent or unreadable."""
        match = _CURSOR.fullmatch(self.before.data or "")
        if not match:
            return None
        try:
            return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S.%f"), match.group(2)
        except ValueError:  # 20261399T…: looks right, is no time
            return None


def cursor_of(created_at: datetime, submission_id: str) -> str:
    return f"{created_at:%Y%m%dT%H%M%S.%f}_{submission_id}"


@dataclass
class Lead:
    id: str
    created_at: datetime
    form_id: str
    status: str                  # pending_verification | locked | verified | erased
    contact_id: str
    masked: str
    tags: list[str]              # utm_source, utm_medium, utm_campaign that were set
    page_path: str | None
    consents: list[tuple[str, datetime | None]] = field(default_factory=list)  # (purpose, withdrawn_at)
    confirmed: bool = True       # its owner once confirmed the number by SMS (contact.verified_at)


def _masked_or_none(state, contact) -> str | None:
    """The masked number, or None when it can't be decrypted (its key was removed from
    PHONECAPTURE_KEYS): one such row must not take the whole list down."""
    try:
        return masked(state, contact)
    except CryptoError as exc:  # the message names a key id or the check, never the number
        current_app.logger.warning("phonecapture: contact %s can't be decrypted (%s)", contact.id, exc)
        return None


def recent_leads(state, *, form_id: str | None, status: str, since: datetime | None,
                 before: tuple[datetime, str] | None, limit: int | None = None) -> tuple[list[Lead], bool]:
    """(up to ``limit`` leads newest first, whether older ones exist). Decrypts only the numbers
    of the rows returned, to mask them."""
    limit = limit or PAGE_SIZE
    S, C = Submission, Contact
    query = (select(S.id, S.created_at, S.form_id, S.status, S.utm_source, S.utm_medium, S.utm_campaign,
                    S.page_url, C.id.label("contact_id"), C.e164_enc, C.status.label("contact_status"),
                    C.verified_at.label("contact_verified_at"))
             .join(C, C.id == S.contact_id).order_by(S.created_at.desc(), S.id.desc()).limit(limit + 1))
    if form_id:
        query = query.where(S.form_id == form_id)
    if status == "verified":  # callable leads: confirmed and not erased
        query = query.where(S.status == "verified", C.status == "active")
    elif status == "pending":
        query = query.where(S.status != "verified", C.status == "active")
    if since is not None:
        query = query.where(S.created_at >= since)
    if before is not None:
        at, sid = before
        query = query.where(or_(S.created_at < at, and_(S.created_at == at, S.id < sid)))
    rows = state.db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    shown: dict[str, str] = {}  # one decrypt per contact, however many rows it has
    for r in rows:
        if r.contact_id not in shown:
            contact = SimpleNamespace(id=r.contact_id, e164_enc=r.e164_enc)
            shown[r.contact_id] = _masked_or_none(state, contact) if r.contact_status == "active" else ""
    given: dict[str, list] = {}
    if rows:
        for c in state.db.session.execute(
                select(Consent.submission_id, Consent.purpose, Consent.withdrawn_at)
                .where(Consent.submission_id.in_([r.id for r in rows]), Consent.granted.is_(True))):
            given.setdefault(c.submission_id, []).append((c.purpose, c.withdrawn_at))
    order = {p: i for i, p in enumerate(PURPOSES)}  # service first, as the forms ask
    for purposes in given.values():
        purposes.sort(key=lambda c: (order.get(c[0], len(order)), c[0]))
    leads = [Lead(id=r.id, created_at=r.created_at, form_id=r.form_id,
                  status="erased" if r.contact_status != "active" else r.status,
                  contact_id=r.contact_id, masked=shown[r.contact_id],
                  tags=[v for v in (r.utm_source, r.utm_medium, r.utm_campaign) if v],
                  page_path=_path(r.page_url), consents=given.get(r.id, []),
                  confirmed=r.contact_verified_at is not None)
             for r in rows]
    return leads, more


def _path(url: str | None) -> str | None:
    """The page's path only: the query may carry anything (it is scrubbed of numbers already)."""
    if not url:
        return None
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return None


def _query(flt: LeadsFilter, lang: str | None, **extra) -> dict:
    base = {"form": flt.form.data, "status": flt.status.data, "period": flt.period.data, "lang": lang}
    base.update(extra)
    return {k: v for k, v in base.items() if v}


@leads_bp.get("/leads")
def leads():
    locale = _locale()
    t = TEXTS[locale]
    state = get_state()
    lang = asked_language(TEXTS)
    flt = LeadsFilter(request.args, state.forms, locale)
    if not flt.validate():
        errors = [(f"pc-{name}" if name != "before" else None,
                   f"{flt[name].label.text}: {msgs[0]}" if name != "before" else msgs[0])
                  for name, msgs in flt.errors.items()]
        body = render_template("phonecapture/admin/leads.html", t=t, locale=locale, lang=lang, filter=flt,
                               errors=errors, rows=None,  # a fresh start: the bad query stays behind
                               newest_url=url_for(".leads", **({"lang": lang} if lang else {})))
        return no_store(body, 400)
    since = None if flt.period.data == "all" else utcnow() - timedelta(days=int(flt.period.data))
    rows, more = recent_leads(state, form_id=flt.form.data or None, status=flt.status.data, since=since,
                              before=flt.cursor())
    older_url = (url_for(".leads", **_query(flt, lang, before=cursor_of(rows[-1].created_at, rows[-1].id)))
                 if more else None)
    caption = t["caption"].format(form=flt.form.data or t["all_forms"], period=t["periods"][flt.period.data],
                                  status=t["statuses"][flt.status.data])
    body = render_template("phonecapture/admin/leads.html", t=t, locale=locale, lang=lang, filter=flt, errors=[],
                           rows=rows, caption=caption, older_url=older_url, csrf=generate_csrf(),
                           show_unconfirmed=current_app.config["PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED"],
                           newest_url=url_for(".leads", **_query(flt, lang)) if flt.before.data else None)
    return no_store(body)


# -- show one number -------------------------------------------------------------
def _clean(value):
    """Trimmed, without NUL (PostgreSQL text can't hold it) or other control characters."""
    if not isinstance(value, str):
        return value
    return "".join(ch if ch.isprintable() else " " for ch in value).strip()


class RevealForm(PostedForm):
    """Why the full number is needed: required, trimmed, at most REASON_MAX characters."""

    reason = StringField(filters=[_clean])

    def __init__(self, t: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.label.text = t["reason_label"]
        # per instance: the messages follow the page's language
        self.reason.validators = [DataRequired(t["reason_required"]),
                                  Length(max=REASON_MAX, message=t["reason_too_long"])]


def _contact_or_abort(contact_id: str) -> Contact:
    contact = get_state().db.session.get(Contact, contact_id) if _plausible_id(contact_id) else None
    if contact is None:
        abort(404)
    if contact.e164_enc is None:
        abort(410)
    return contact


def _formats(e164: str) -> dict:
    number = phonenumbers.parse(e164, None)
    fmt = phonenumbers.PhoneNumberFormat
    return {"e164": e164, "international": phonenumbers.format_number(number, fmt.INTERNATIONAL),
            "national": phonenumbers.format_number(number, fmt.NATIONAL),
            "region": phonenumbers.region_code_for_number(number) or ""}


@leads_bp.route("/leads/<contact_id>/reveal", methods=["GET", "POST"])
def reveal_number(contact_id: str):
    """GET: the reason form alone (the list's row form is the usual way in). POST: the number."""
    locale = _locale()
    t = TEXTS[locale]
    state = get_state()
    lang = asked_language(TEXTS)
    contact = _contact_or_abort(contact_id)
    form = RevealForm(t)
    if request.method == "GET" or not form.validate():
        errors = []
        if request.method == "POST":
            if form.errors.get("csrf_token"):
                errors.append((None, t["csrf"]))
            errors += [("pc-reason", msg) for msg in form.errors.get("reason", [])[:1]]
        body = render_template("phonecapture/admin/reveal_form.html", t=t, locale=locale, lang=lang, form=form,
                               errors=errors, masked=_masked_or_none(state, contact) or t["undecryptable"],
                               contact_id=contact.id)
        return no_store(body, 400 if errors else 200)
    if contact.verified_at is None and not current_app.config["PHONECAPTURE_LEADS_REVEAL_UNCONFIRMED"]:
        abort(409, UNCONFIRMED)  # before the audit: nothing is shown
    role = staff_role()
    actor = staff_actor(role)
    try:
        e164 = reveal(state, contact.id, actor=actor, role=role, reason=form.reason.data,
                      origin=f"admin {staff_ip()}")
    except SubjectAccessError:  # erased between the check and the reveal
        abort(410)
    except CryptoError:  # its key left PHONECAPTURE_KEYS: nothing was shown or recorded
        abort(409)
    body = render_template("phonecapture/admin/revealed.html", t=t, locale=locale, lang=lang,
                           number=_formats(e164), contact_id=contact.id, actor=actor)
    return no_store(body, **{"Referrer-Policy": "no-referrer"})
