"""Read-only pages for the site's staff: ``/admin/sources``, which sources bring verified numbers.

Who may look is the host app's word: ``@phonecapture.role_loader`` (extension.py) returns the
current user's roles, and admin, marketer or analyst may see the report; anyone else, signed in
or not, gets 403 (the extension has no login of its own). The page shows counts per form and
utm tag only: no number, name, page URL or IP ever reaches it.
"""
from __future__ import annotations

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
from .models import utcnow
from .reports import BY, ReportError, source_report

admin_bp = Blueprint("phonecapture_admin", __name__, template_folder="templates")

#: roles (from the host app's role_loader) that may read the source report
REPORT_ROLES = frozenset({"admin", "marketer", "analyst"})
DEFAULT_DAYS = 30
BY_LABELS = {"utm_source": "Source (utm_source)", "utm_medium": "Medium (utm_medium)",
             "utm_campaign": "Campaign (utm_campaign)", "form": "Form only"}


BAD_DATE = "Enter a real date as YYYY-MM-DD, e.g. 2026-03-01."
UNKNOWN = "Choose one of the listed values."


class ReportFilter(Form):
    """The page's GET query: ?form=&since=&until=&by= (all optional)."""

    form = SelectField("Form", default="", invalid_choice_message=UNKNOWN)
    since = DateField("From (UTC)", validators=[Optional()], format="%Y-%m-%d",
                      invalid_value_message=BAD_DATE)
    until = DateField("To, included", validators=[Optional()], format="%Y-%m-%d",
                      invalid_value_message=BAD_DATE)
    by = SelectField("Group by", choices=[SelectChoice(k, v) for k, v in BY_LABELS.items()], default="utm_source",
                     invalid_choice_message=UNKNOWN)

    def __init__(self, formdata, form_ids):
        super().__init__(formdata)
        self.form.choices = [SelectChoice("", "All forms"), *(SelectChoice(f, f) for f in sorted(form_ids))]

    def period(self) -> tuple[date, date]:
        """The chosen days; unset ends default to the last 30 UTC days, today included."""
        until = self.until.data or utcnow().date()
        since = self.since.data or (until - timedelta(days=DEFAULT_DAYS - 1))
        self.since.data, self.until.data = since, until  # the inputs show the days shown
        return since, until


@admin_bp.before_request
def _staff_only():
    if not get_state().extension.current_roles() & REPORT_ROLES:
        abort(403)


@admin_bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException):
    messages = {403: "You don't have access to this page. Ask the site's administrator for the "
                     "marketer, analyst or admin role.",
                404: "There is no such page."}
    text = messages.get(exc.code, exc.description)
    return _no_store(render_template("phonecapture/admin/message.html", title=exc.name, text=text),
                     exc.code)


@admin_bp.errorhandler(OperationalError)
def _db_down(exc):  # a lost connection, a statement timeout: a 503 to retry, never a 500
    current_app.logger.error("phonecapture: database unavailable (%s)", type(exc.orig).__name__)
    get_state().db.session.rollback()
    text = "The report can't be read right now: the database is unavailable. Try again in a minute."
    return _no_store(render_template("phonecapture/admin/message.html", title="Service unavailable", text=text),
                     503, **{"Retry-After": "60"})


def _no_store(body, status=200, **headers):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers.update(headers)
    return response


def _report():
    """(filter form, rows or None, errors) for this request's query."""
    state = get_state()
    flt = ReportFilter(request.args, state.forms)
    if not flt.validate():
        errors = [(f"pc-{name}", f"{flt[name].label.text}: {msgs[0]}") for name, msgs in flt.errors.items()]
        return flt, None, errors
    since, until = flt.period()
    try:
        rows = source_report(state, since=since, until=until, form_id=flt.form.data or None, by=flt.by.data)
    except ReportError as exc:
        return flt, None, [("pc-since", str(exc).capitalize() + ".")]
    return flt, rows, []


@admin_bp.get("/sources")
def sources():
    flt, rows, errors = _report()
    since, until = flt.period() if not errors else (None, None)
    query = {k: v for k, v in (("form", flt.form.data), ("since", since), ("until", until),
                               ("by", flt.by.data)) if v}
    body = render_template("phonecapture/admin/sources.html", filter=flt, rows=rows, errors=errors,
                           since=since, until=until, by=flt.by.data, fmt=report_output,
                           csv_url=url_for(".sources_csv", **query) if rows is not None else None)
    return _no_store(body, 400 if errors else 200)


@admin_bp.get("/sources.csv")
def sources_csv():
    flt, rows, errors = _report()
    if errors:
        return _no_store("\n".join(text for _, text in errors) + "\n", 400, **{"Content-Type": "text/plain; charset=utf-8"})
    since, until = flt.period()
    name = f"phonecapture-sources-{since}-{until}-{flt.by.data}.csv"
    return _no_store(report_output.to_csv(rows), 200, **{
        "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'})
