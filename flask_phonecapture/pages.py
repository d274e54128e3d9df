"""The no-JavaScript path: a server-rendered form, a code page and a success page.

Same Flask-WTF classes as the API, with CSRF on. Templates live under
``templates/phonecapture/`` and can be overridden by the host app at the same path.
"""
from __future__ import annotations

import functools
import os
import re

from flask import (Blueprint, abort, g, redirect, render_template, request, url_for)
from markupsafe import Markup, escape

from . import leads
from .masks import example_display
from .publicform import country_templates, locale_for
from .extension import get_state
from .texts import UI, fill, resolved  # noqa: F401  (UI: the built-in texts, re-exported)
from .webforms import SOURCE_KEYS, ResendForm, VerifyForm, submission_form

pages_bp = Blueprint("phonecapture_pages", __name__, template_folder="templates",
                     static_folder="static/phonecapture", static_url_path="/static")


def _spec_or_404(form_id: str):
    spec = get_state().forms.get(form_id)
    if spec is None or not spec.active:
        abort(404)
    return spec


def _texts(spec, locale: str | None = None) -> dict:
    return resolved(spec, locale)


def _speak(spec, locale: str | None) -> dict:
    """This page answers in ``locale`` (None: the form's): its ``<html lang>`` and the code
    form's messages read it from ``g``; returns the texts."""
    g.phonecapture_locale = locale
    return _texts(spec, locale)


def _chosen_region(spec, form) -> str:
    """The country the visitor picked (kept when the form comes back with errors), else the
    form's default; the same rule as the phone validator's."""
    posted = getattr(form, "country", None)
    posted = posted.data if posted is not None else None
    return posted if posted in spec.allowed_regions else spec.default_region


def _context(spec, form, locale: str | None = None, **extra):
    state = get_state()
    if "countries" not in extra:  # the inline snippet has them already
        extra["countries"] = country_templates(spec, locale)
    # The token carries the language (leads.issue_token): the page that answers the post, the
    # code page and the SMS stay in it.
    # locale: the templates show each consent's wording for it (ConsentPurpose.text_for).
    return dict(spec=spec, form=form, t=_texts(spec, locale), locale=locale or spec.effective_locale,
                token=leads.issue_token(state, spec, locale),
                source_keys=SOURCE_KEYS, region=_chosen_region(spec, form),
                action=url_for("phonecapture_pages.form_page", form_id=spec.id), **extra)


def render_form_snippet(form_id: str, page_url: str | None = None, lang: str | None = None) -> str:
    """The HTML of ``{{ phonecapture_form(id) }}``: a complete form that works without JS.
    ``lang``: the page's language (its ``<html lang>``), used when the form sets no locale."""
    spec = _spec_or_404(form_id)
    return render_template("phonecapture/_form.html",
                           **_context(spec, _prefilled(spec, page_url), locale_for(spec, lang)))


def _prefilled(spec, page_url: str | None = None):
    """An empty submission form carrying this page's source (URL, referrer, UTM tags)."""
    form = submission_form(spec, formdata=None)
    form.put_source("page_url", page_url or request.url)
    form.put_source("referrer", request.referrer)
    for key in SOURCE_KEYS[2:]:  # the tags and click ids of this page's URL
        form.put_source(key, request.args.get(key))
    return form


def render_inline_snippet(form_id: str, tag: str = "div", nonce: str | None = None,
                          lang: str | None = None, **attrs) -> str:
    """The HTML of ``{{ phonecapture_inline(id) }}``: the inline placeholder with the form drawn
    in a declarative shadow root (templates/phonecapture/_inline.html). ``lang``: the page's
    language (its ``<html lang>``, which the widget sends as ``?lang=``), used when the form
    sets no locale, so the drawn form and the widget's messages speak the same language."""
    spec = _spec_or_404(form_id)
    if spec.mode != "inline":  # the widget wires up placeholders of inline forms only
        raise ValueError(f"phonecapture_inline: form {form_id!r} is a {spec.mode} form, not an inline one")
    if not re.fullmatch(r"[a-z][a-z0-9]*", tag):
        raise ValueError(f"phonecapture_inline: {tag!r} is not a tag name")
    form = _prefilled(spec)
    locale = locale_for(spec, lang)
    countries = country_templates(spec, locale)
    start = next((c for c in countries if c["r"] == spec.default_region), countries[0])
    # Only what differs from the stylesheet's defaults (forms.Theme has already refused ; { } < >).
    theme = "".join(f"--{k[0]}:{v};" for k, v in spec.theme.model_dump(exclude_defaults=True).items())
    # class_="callback" → class="callback", aria_label → aria-label
    extra = Markup("".join(f' {escape(k.rstrip("_").replace("_", "-"))}="{escape(v)}"' for k, v in attrs.items()))
    return render_template("phonecapture/_inline.html", **_context(
        spec, form, locale, tag=tag, attrs=extra, css=Markup(_widget_css()), theme=Markup(theme),
        countries=countries, placeholder=example_display(start),
        nonce=nonce or getattr(g, "csp_nonce", None)))


@functools.lru_cache(maxsize=1)
def _widget_css() -> str:
    """The widget's stylesheet, built beside widget.js (widget/scripts/build.mjs)."""
    path = os.path.join(os.path.dirname(__file__), "static", "phonecapture", "widget.css")
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()


def _summary(form, fields: dict[str, str | None]) -> list[tuple[str | None, str]]:
    """The error summary of a page that comes back with errors (_error_summary.html): the form's
    own errors, then each field's first, linked to the id the page gives it. ``fields``: name →
    id, in the order the page shows them (None: not shown); a field the page does not show (the
    honeypot, a hidden field) is still listed, without a link, rather than failing in silence."""
    errors: list[tuple[str | None, str]] = [(None, e) for e in form.form_errors]
    names = [*fields, *(n for n in form._fields if n not in fields and n != "csrf_token")]
    for name in names:
        field = form._fields.get(name)  # the name field exists only in forms that ask for it
        if field is not None and field.errors:
            errors.append((fields.get(name), field.errors[0]))
    return errors


def _form_page(spec, form, locale: str | None):
    """The no-JS form page: its title is the page's <h1>, its errors summed up at the top."""
    ctx = _context(spec, form, locale)
    pc = f"pc-{spec.id}-"  # the ids of templates/phonecapture/_form.html
    fields = {"name": pc + "name", "country": pc + "country" if len(ctx["countries"]) > 1 else None,
              "phone": pc + "phone", **{f"consent_{c.purpose}": f"{pc}c-{c.purpose}" for c in spec.consents}}
    return render_template("phonecapture/form_page.html", errors=_summary(form, fields), **ctx)


@pages_bp.route("/f/<form_id>", methods=["GET", "POST"])
def form_page(form_id: str):
    spec = _spec_or_404(form_id)
    state = get_state()
    if request.method == "GET":  # ?lang=: the page's language, as the widget's
        locale = locale_for(spec, request.args.get("lang"))
        _speak(spec, locale)
        form = submission_form(spec, formdata=None, locale=locale)
        form.put_source("page_url", request.referrer)
        return _form_page(spec, form, locale)
    # Judged and recorded as the version the visitor was shown (the token says which).
    spec = leads.shown_spec(state, spec.id, request.form.get("token")) or spec
    locale = leads.token_locale(spec, request.form.get("token"))
    t = _speak(spec, locale)
    form = submission_form(spec, locale=locale)  # request.form, CSRF checked
    status = 200
    try:
        token_age = leads.check_token(state, spec.id, request.form.get("token"))
        if form.validate():
            if leads.looks_like_bot(form, token_age):
                return redirect(url_for(".done", form_id=spec.id))
            result = leads.create_submission(state, spec, form, leads.RequestMeta.from_request())
            return redirect(url_for(".verify_page", form_id=spec.id, submission_id=result.id))
        status = 422
        if form.errors.get("csrf_token"):  # stale or missing session: say so, keep what was typed
            form.form_errors.append(t["csrf"])
            status = 400
    except leads.LeadError as exc:
        # A stale or broken submit token is a stale form, like a stale CSRF token: this page
        # carries fresh ones, so it says so in the page's language ("send it again") rather than
        # the API's English "reload the form".
        form.form_errors.append(t["csrf"] if exc.code in ("invalid_token", "expired_token") else exc.message)
        status = exc.status
    return _form_page(spec, form, locale), status


@pages_bp.route("/f/<form_id>/verify/<submission_id>", methods=["GET", "POST"])
def verify_page(form_id: str, submission_id: str):
    spec = _spec_or_404(form_id)
    state = get_state()
    try:
        submission = leads.load_submission(state, submission_id)
    except leads.LeadError:
        abort(404)
    if submission.form_id != spec.id:
        abort(404)
    from .contacts import masked

    locale = submission.locale  # the language the form was shown in
    t = _speak(spec, locale)
    form = VerifyForm()
    notice, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            leads.verify_code(state, submission.id, form.code.data)
            return redirect(url_for(".done", form_id=spec.id, s=submission.id))
        except leads.LeadError as exc:
            form.code.errors = [exc.message]
            status = exc.status
    elif request.method == "POST":
        status = 422
        if form.errors.get("csrf_token"):  # a stale session: say so (the form page does too)
            form.form_errors.append(t["csrf"])
            status = 400
    if request.args.get("resent"):
        notice = t["resent"]
    return render_template("phonecapture/verify_page.html", spec=spec, form=form, t=t,
                           submission=submission,
                           lang=None if locale == spec.effective_locale else locale,
                           # filled as the widget fills its texts (a stray brace stays as is)
                           code_hint=fill(t["code_hint"], masked=masked(state, submission.contact)
                                          .replace(" ", "\u00a0")),  # no wrap
                           notice=notice, errors=_summary(form, {"code": "pc-code"})), status


@pages_bp.post("/f/<form_id>/resend/<submission_id>")
def resend_page(form_id: str, submission_id: str):
    spec = _spec_or_404(form_id)
    if not ResendForm().validate_on_submit():
        abort(400)
    try:
        t = _speak(spec, leads.load_submission(get_state(), submission_id).locale)
        leads.resend_code(get_state(), get_state().forms.get, submission_id, leads.RequestMeta.from_request())
    except leads.LeadError as exc:
        if exc.status == 404:
            abort(404)
        return render_template("phonecapture/message_page.html", spec=spec, t=t,
                               title=t["code_title"], text=exc.message), exc.status
    return redirect(url_for(".verify_page", form_id=spec.id, submission_id=submission_id, resent=1))


@pages_bp.get("/f/<form_id>/done")
def done(form_id: str):
    spec = _spec_or_404(form_id)
    back = locale = None
    sid = request.args.get("s")
    if sid:
        try:
            submission = leads.load_submission(get_state(), sid)
            back, locale = submission.page_url, submission.locale
        except leads.LeadError:
            back = None
    if back and not back.startswith(("http://", "https://", "/")):
        back = None
    t = _speak(spec, locale)
    return render_template("phonecapture/message_page.html", spec=spec, t=t,
                           title=t["success_title"], text=t["success_text"], back=back)
