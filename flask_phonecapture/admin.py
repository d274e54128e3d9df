"""Read-only pages for the site's staff: ``/admin/sources``, which sources bring verified numbers.

Who may look is the host app's word: ``@phonecapture.role_loader`` (extension.py) returns the
current user's roles, and admin, marketer or analyst may see the report; anyone else, signed in
or not, gets 403 (the extension has no login of its own). The page shows counts per form and
utm tag only: no number, name, page URL or IP ever reaches it.

Also shared by the staff pages: both role sets (``LEADS_ROLES`` guards admin_leads.py's Leads
page), the menu of the pages a user's roles open (``staff_nav``, admin/base.html) and
``no_store``.
"""
from __future__ import annotations

import ipaddress
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.fields import DateField
from wtforms.validators import Optional

from . import report_output
from .extension import get_state
from .language import asked_language, page_language
from .models import utcnow
from .netutil import client_ip
from .reports import BY, ReportError, source_report

admin_bp = Blueprint("phonecapture_admin", __name__, template_folder="templates")

#: roles (from the host app's role_loader) that may read the source report
REPORT_ROLES = frozenset({"admin", "marketer", "analyst"})
#: roles that may open the Leads page and show a full number there (admin_leads.py)
LEADS_ROLES = frozenset({"admin", "manager"})
#: roles that may open the form editor (admin_forms.py: admin and marketer edit, analyst reads)
FORMS_ROLES = frozenset({"admin", "marketer", "analyst"})
#: the staff pages' menu, ru and en: (endpoint, roles that open it, label)
NAV = {
    "ru": {"label": "Страницы для сотрудников", "pages": [
        ("phonecapture_admin.sources", REPORT_ROLES, "Источники"),
        ("phonecapture_leads.leads", LEADS_ROLES, "Заявки"),
        ("phonecapture_admin_forms.forms_list", FORMS_ROLES, "Формы")]},
    "en": {"label": "Staff pages", "pages": [
        ("phonecapture_admin.sources", REPORT_ROLES, "Sources"),
        ("phonecapture_leads.leads", LEADS_ROLES, "Leads"),
        ("phonecapture_admin_forms.forms_list", FORMS_ROLES, "Forms")]},
}
DEFAULT_DAYS = 30

#: Every text of the staff pages, ru and en (the page speaks ``?lang=``, else the browser's).
#: The CSV stays as it is in both: its header row names the columns for scripts and formulas.
TEXTS: dict[str, dict] = {
    "ru": {
        "title": "Какие источники приносят подтверждённые номера",
        "error_title": "Ошибка: {title}",
        "errors_title": "Проверьте фильтр",
        "form_label": "Форма",
        "all_forms": "Все формы",
        "since_label": "Начало периода (UTC)",
        "until_label": "Конец периода, включительно",
        "by_label": "Разбивка",
        "by": {"utm_source": "По источнику (utm_source)", "utm_medium": "По каналу (utm_medium)",
               "utm_campaign": "По кампании (utm_campaign)", "form": "Только по формам"},
        "show": "Показать",
        "bad_date": "Введите дату в виде ГГГГ-ММ-ДД, например 2026-03-01.",
        "unknown": "Выберите одно из значений списка.",
        "since_after_until": "Начало периода не может быть позже конца.",
        "until_too_late": "Конец периода должен быть раньше 31.12.9999.",
        "caption": "{form}, с {since} по {until} (дни по UTC), разбивка {by}",
        "caption_by": {"form": "по формам", "utm_source": "по utm_source", "utm_medium": "по utm_medium",
                       "utm_campaign": "по utm_campaign"},
        "date_format": "%d.%m.%Y",
        "decimal": ",",
        "columns": {"form": "Форма", "source": "Источник", "impressions": "Показы", "opens": "Открытия",
                    "closes": "Закрытия", "submit_errors": "Ошибки отправки", "submissions": "Заявки",
                    "verified": "Подтверждено", "rate": "Подтверждено, %",
                    "per_1000": "Подтверждённых на 1000 показов", "conversions": "Конверсии",
                    "conv_rate": "Конверсий на номер, %", "value": "Сумма"},
        "total": "Итого",
        "not_counted": "не считается",
        "none": "нет",
        "empty": "За этот период данных нет.",
        "csv": "Скачать отчёт в CSV",
        "terms_title": "Что значат столбцы",
        "terms": [
            ("Источник", "Метка utm_source визита; «(direct)», если метки не было. В разбивке по каналу "
                         "или кампании «(none)» значит, что метки не было."),
            ("Показы, открытия, закрытия, ошибки отправки",
             "Виджет считает их по форме, дню и utm_source. По каналу или кампании их не разделить, "
             "поэтому там стоит «–»."),
            ("Заявки", "Номера, оставленные в форме за период (удалённые номера тоже считаются: "
                       "удаляется только сам номер)."),
            ("Подтверждено", "Сколько из них подтвердили кодом из SMS, когда бы это ни случилось."),
            ("Подтверждено, %", "Подтверждено ÷ заявки."),
            ("Подтверждённых на 1000 показов", "Сколько подтверждённых номеров принесла каждая 1000 "
                                               "показов формы."),
            ("Конверсии", "Заказы, продажи, звонки и встречи, которые сайт связал с заявками этого "
                          "периода, когда бы они ни случились: заявка марта с заказом в апреле считается "
                          "в марте, у источника заявки (или у первого визита при атрибуции по первому "
                          "касанию). Конверсии удалённых номеров тоже считаются."),
            ("Конверсий на номер, %", "Конверсии ÷ подтверждённые номера. Больше 100 %, если клиенты "
                                      "покупают не один раз."),
            ("Сумма", "Сумма этих конверсий, по строке на валюту: рубли и доллары не складываются. "
                      "Конверсии без суммы входят только в счёт конверсий. В CSV у каждой валюты свой "
                      "столбец (value_RUB, value_USD)."),
        ],
        "errors": {
            400: ("Неверный запрос", "Запрос не удалось разобрать. Откройте отчёт заново."),
            403: ("Нет доступа", "У вас нет доступа к этой странице. Попросите администратора сайта "
                                 "выдать вам роль marketer, analyst или admin."),
            404: ("Страница не найдена", "Такой страницы нет."),
            405: ("Метод не поддерживается", "Эту страницу можно только открыть, отправлять на неё нельзя."),
            503: ("Сервис недоступен", "Отчёт сейчас не открыть: база данных недоступна. "
                                       "Попробуйте через минуту."),
        },
        "error_other": ("Ошибка {code}", "Страницу не удалось открыть."),
    },
    "en": {
        "title": "Which sources bring verified numbers",
        "error_title": "Error: {title}",
        "errors_title": "Check the filter",
        "form_label": "Form",
        "all_forms": "All forms",
        "since_label": "From (UTC)",
        "until_label": "To, included",
        "by_label": "Group by",
        "by": {"utm_source": "Source (utm_source)", "utm_medium": "Medium (utm_medium)",
               "utm_campaign": "Campaign (utm_campaign)", "form": "Form only"},
        "show": "Show",
        "bad_date": "Enter a real date as YYYY-MM-DD, e.g. 2026-03-01.",
        "unknown": "Choose one of the listed values.",
        "since_after_until": "Since must not be after until.",
        "until_too_late": "Until must be before 9999-12-31.",
        "caption": "{form}, {since} to {until} (UTC days), by {by}",
        "caption_by": {"form": "form", "utm_source": "utm_source", "utm_medium": "utm_medium",
                       "utm_campaign": "utm_campaign"},
        "date_format": "%Y-%m-%d",
        "decimal": ".",
        "columns": {"form": "Form", "source": "Source", "impressions": "Impressions", "opens": "Opens",
                    "closes": "Closes", "submit_errors": "Submit errors", "submissions": "Submissions",
                    "verified": "Verified", "rate": "Verified %",
                    "per_1000": "Verified per 1,000 impressions", "conversions": "Conversions",
                    "conv_rate": "Conversions per verified number %", "value": "Value"},
        "total": "Total",
        "not_counted": "not counted",
        "none": "none",
        "empty": "Nothing was counted in this period.",
        "csv": "Download this report as CSV",
        "terms_title": "What the columns mean",
        "terms": [
            ("Source", "The visit's utm_source tag; “(direct)” when the visit had none. By medium or "
                       "campaign, “(none)” means the tag was missing."),
            ("Impressions, opens, closes, submit errors",
             "Counted by the widget per form, day and utm_source. They can't be split by medium or "
             "campaign, so those views show “–”."),
            ("Submissions", "Numbers left on the form in the period (erased numbers still count: only "
                            "the number itself is gone)."),
            ("Verified", "Of those, how many were confirmed with the SMS code, whenever that happened."),
            ("Verified %", "Verified ÷ submissions."),
            ("Verified per 1,000 impressions", "How many confirmed numbers every 1,000 showings of the "
                                               "form brought."),
            ("Conversions", "Orders, sales, calls and meetings the site tied to this period's submissions, "
                            "whenever they happened: a March lead that ordered in April counts in March, "
                            "under the lead's source (or its first visit's, with first-touch attribution). "
                            "Erased numbers' conversions still count."),
            ("Conversions per verified number %", "Conversions ÷ verified. Over 100 % when customers buy "
                                                  "more than once."),
            ("Value", "What those conversions were worth, one line per currency: roubles and dollars "
                      "are never added up. A conversion without a value adds to the count only. The CSV "
                      "has a column per currency (value_RUB, value_USD)."),
        ],
        "errors": {
            403: ("Forbidden", "You don't have access to this page. Ask the site's administrator for the "
                               "marketer, analyst or admin role."),
            404: ("Not Found", "There is no such page."),
            503: ("Service unavailable", "The report can't be read right now: the database is "
                                         "unavailable. Try again in a minute."),
        },
        "error_other": None,  # werkzeug's own name and description
    },
}


def _locale() -> str:
    return page_language(TEXTS)  # there is no site-wide default language setting


class ReportFilter(Form):
    """The page's GET query: ?form=&since=&until=&by= (all optional); labels and messages in
    ``locale``."""

    form = SelectField(default="")
    since = DateField(validators=[Optional()], format="%Y-%m-%d")
    until = DateField(validators=[Optional()], format="%Y-%m-%d")
    by = SelectField(default="utm_source")

    def __init__(self, formdata, form_ids, locale: str = "en"):
        super().__init__()
        t = TEXTS[locale]
        for name in ("form", "since", "until", "by"):
            self[name].label.text = t[f"{name}_label"]
        self.since.invalid_value_message = self.until.invalid_value_message = t["bad_date"]
        self.form.invalid_choice_message = self.by.invalid_choice_message = t["unknown"]
        self.form.choices = [SelectChoice("", t["all_forms"]), *(SelectChoice(f, f) for f in sorted(form_ids))]
        self.by.choices = [SelectChoice(k, t["by"][k]) for k in BY]
        self.process(formdata)  # after the messages: a date is read (and refused) here

    def period(self) -> tuple[date, date]:
        """The chosen days; unset ends default to the last 30 UTC days, today included."""
        until = self.until.data or utcnow().date()
        # never before date.min: an until in year 1's first days would overflow (a 500)
        since = self.since.data or until - timedelta(days=min(DEFAULT_DAYS - 1, (until - date.min).days))
        self.since.data, self.until.data = since, until  # the inputs show the days shown
        return since, until


def staff_nav() -> dict:
    """The staff menu for admin/base.html: only the pages this user's roles open, each keeping
    an asked ``?lang=``; the current page is marked. Empty for someone who may open none."""
    locale = _locale()
    roles = get_state().extension.current_roles()
    lang = asked_language(TEXTS)
    here = request.blueprint  # a page's own sub-pages (a lead's number) count as the page
    links = [(label, url_for(endpoint, **({"lang": lang} if lang else {})), endpoint.split(".")[0] == here)
             for endpoint, allowed, label in NAV[locale]["pages"] if roles & allowed]
    return {"staff_nav": links, "staff_nav_label": NAV[locale]["label"]}


admin_bp.context_processor(staff_nav)


@admin_bp.before_request
def _staff_only():
    _locale()
    if not get_state().extension.current_roles() & REPORT_ROLES:
        abort(403)


def staff_ip() -> str:
    """The client's address as an address (a forwarded header may carry anything), or "unknown"."""
    ip = client_ip(request, current_app.config.get("PHONECAPTURE_TRUST_PROXY", False)) or ""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return "unknown"


def staff_actor(role: str) -> str:
    """Who, for an audit record, a form's history and the reveal limit: the host app's
    ``@phonecapture.actor_loader``, else ``role:<role>@<client ip>`` (the extension knows roles only)."""
    return get_state().extension.current_actor() or f"role:{role or 'none'}@{staff_ip()}"


def refuse_cross_site() -> None:
    """403 for a staff POST another site's page made the browser send (``Sec-Fetch-Site:
    cross-site``, which no page can forge). CSRF tokens already refuse it; this holds in an app
    that turned WTF_CSRF_ENABLED off, where the staff member's cookie would otherwise be enough.
    (Not Origin against request.host: behind a proxy without ProxyFix they differ for every post.)"""
    if request.method == "POST" and request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)


def no_store(body, status=200, **headers):
    """A staff page's response: never cached, never indexed, varying with the browser's language."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.vary.add("Accept-Language")  # the language follows the browser's unless ?lang= says
    response.headers.update(headers)
    return response


def staff_error_pages(bp: Blueprint, texts: dict[str, dict]) -> None:
    """Every staff blueprint answers errors the same way, in its page's language (``texts[locale]
    ["errors"]``, else ``"error_other"``, else werkzeug's words): a styled no-store page, a 429
    with Retry-After, and a lost database as a 503 to retry, never a 500."""

    def page(code: int, title: str, text: str, **headers):
        locale = page_language(texts)
        return no_store(render_template("phonecapture/admin/message.html", title=title, text=text,
                                        locale=locale), code, **headers)

    @bp.errorhandler(HTTPException)
    def _error_page(exc: HTTPException):
        t = texts[page_language(texts)]
        # A code may mean more than one thing: abort(409, "unconfirmed") finds (409, "unconfirmed").
        title, text = t["errors"].get((exc.code, exc.description)) or t["errors"].get(exc.code) or (None, None)
        if title is None and t.get("error_other"):
            title, text = t["error_other"]
            title = title.format(code=exc.code)
        if title is None:
            title, text = exc.name, exc.description or ""
        headers = {}
        if exc.code == 429:  # flask-limiter's refusal (one reveal too many)
            from .api import _retry_after

            wait = _retry_after(exc)
            text, headers = text.replace("{s}", str(wait)), {"Retry-After": str(wait)}
        return page(exc.code or 400, title, text, **headers)

    @bp.errorhandler(OperationalError)
    def _db_down(exc):  # a lost connection, a statement timeout
        current_app.logger.error("phonecapture: database unavailable (%s)", type(exc.orig).__name__)
        get_state().db.session.rollback()
        title, text = texts[page_language(texts)]["errors"][503]
        return page(503, title, text, **{"Retry-After": "60"})


staff_error_pages(admin_bp, TEXTS)


def _report(locale: str):
    """(filter form, rows or None, errors) for this request's query, the errors in ``locale``."""
    state = get_state()
    t = TEXTS[locale]
    flt = ReportFilter(request.args, state.forms, locale)
    if not flt.validate():
        errors = [(f"pc-{name}", f"{flt[name].label.text}: {msgs[0]}") for name, msgs in flt.errors.items()]
        return flt, None, errors
    since, until = flt.period()
    if since > until:  # source_report refuses these too, in English for the CLI
        return flt, None, [("pc-since", t["since_after_until"])]
    if until >= date.max:
        return flt, None, [("pc-until", t["until_too_late"])]
    try:
        rows = source_report(state, since=since, until=until, form_id=flt.form.data or None, by=flt.by.data)
    except ReportError as exc:
        return flt, None, [("pc-since", str(exc).capitalize() + ".")]
    return flt, rows, []


@admin_bp.get("/sources")
def sources():
    locale = _locale()
    t = TEXTS[locale]
    flt, rows, errors = _report(locale)
    since, until = flt.period() if not errors else (None, None)
    lang = asked_language(TEXTS)  # the filter and the CSV link pass it on
    query = {k: v for k, v in (("form", flt.form.data), ("since", since), ("until", until),
                               ("by", flt.by.data), ("lang", lang)) if v}
    caption = None
    if rows is not None:
        caption = t["caption"].format(form=flt.form.data or t["all_forms"], by=t["caption_by"][flt.by.data],
                                      since=since.strftime(t["date_format"]), until=until.strftime(t["date_format"]))
    body = render_template("phonecapture/admin/sources.html", filter=flt, rows=rows, errors=errors,
                           by=flt.by.data, fmt=report_output, t=t, locale=locale, lang=lang, caption=caption,
                           csv_url=url_for(".sources_csv", **query) if rows is not None else None)
    return no_store(body, 400 if errors else 200)


@admin_bp.get("/sources.csv")
def sources_csv():
    flt, rows, errors = _report(_locale())
    if errors:
        return no_store("\n".join(text for _, text in errors) + "\n", 400, **{"Content-Type": "text/plain; charset=utf-8"})
    since, until = flt.period()
    name = f"phonecapture-sources-{since}-{until}-{flt.by.data}.csv"
    return no_store(report_output.to_csv(rows), 200, **{
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'})
