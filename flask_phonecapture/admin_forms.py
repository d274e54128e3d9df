"""Forms marketers edit without a deploy: ``/admin/forms`` (list; a POST there creates a form as
a paused copy of another), ``/admin/forms/<id>`` (edit), ``/admin/forms/<id>/history`` (versions,
diffs, restore).

Who may do what is the host app's word (``@phonecapture.role_loader``): admin and marketer edit,
analyst reads, anyone else gets 403. Consent purposes, their wording and required flags are legal
text: only an admin changes them (a marketer's save that touches them is refused, 403). Every save
is a new version (formstore.save: optimistic lock on the version number, ``config_change`` audit
record, the note's numbers scrubbed), validated with the start-up schema (forms.FormSpec).
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from pydantic import ValidationError
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from . import formstore, reports
from .admin import DEFAULT_DAYS, FORMS_ROLES, no_store, refuse_cross_site, staff_actor, staff_error_pages, staff_nav
from .admin_forms_texts import TEXTS
from .extension import get_state
from .forms import error_items, without_ignored
from .language import asked_language, page_language
from .models import utcnow
from .webforms import PostedForm, _encodable

admin_forms_bp = Blueprint("phonecapture_admin_forms", __name__, template_folder="templates")

EDIT_ROLES = frozenset({"admin", "marketer"})
VIEW_ROLES = FORMS_ROLES  # analyst reads only
#: Only these may change consent purposes, wording and required flags (legal text).
CONSENT_ROLES = frozenset({"admin"})
#: Largest edit the pages take, bytes (a form config is a few KB); more is a 413.
MAX_BODY = 64 * 1024
MODES = ("popup", "inline", "slidein", "exit_intent", "button")
TEXT_KEYS = ("title", "offer", "purpose", "promise", "submit")
#: Quick-edit fields: name -> the config key path they set (error messages link to them).
PATHS = {"mode": "mode", "active": "active", **{k: f"texts.{k}" for k in TEXT_KEYS},
         "delay_s": "triggers.delay_s", "scroll_pct": "triggers.scroll_pct",
         "include": "targeting.include", "exclude": "targeting.exclude", "device": "targeting.device",
         "after_close_days": "frequency.after_close_days", "after_submit_days": "frequency.after_submit_days"}

def _locale() -> str:
    return page_language(TEXTS)


def _roles() -> set[str]:
    return get_state().extension.current_roles()


def _can_edit() -> bool:
    return bool(_roles() & EDIT_ROLES)


def _actor_role() -> tuple[str, str]:
    """Who saves, for the history and the audit (admin.staff_actor), and the role that lets them."""
    role = next((r for r in ("admin", "marketer", "analyst") if r in _roles()), "")
    return staff_actor(role), role


admin_forms_bp.context_processor(staff_nav)


@admin_forms_bp.before_request
def _staff_only():
    _locale()
    request.max_content_length = MAX_BODY
    if not _roles() & VIEW_ROLES:
        abort(403)
    if request.method == "POST" and not _can_edit():
        abort(403)
    refuse_cross_site()


staff_error_pages(admin_forms_bp, TEXTS)


# -- forms ------------------------------------------------------------------------
class QuickForm(PostedForm):
    """The settings a marketer tunes most; everything else is in the JSON editor."""

    base = HiddenField()
    mode = SelectField(choices=MODES)
    active = BooleanField()
    title = StringField(validators=[Length(max=500)])
    offer = StringField(validators=[Length(max=500)])
    purpose = StringField(validators=[Length(max=500)])
    promise = StringField(validators=[Length(max=500)])
    submit = StringField(validators=[Length(max=500)])
    delay_s = StringField(validators=[Length(max=20)])
    scroll_pct = StringField(validators=[Length(max=20)])
    include = TextAreaField(validators=[Length(max=5000)])
    exclude = TextAreaField(validators=[Length(max=5000)])
    device = SelectField(choices=("any", "mobile", "desktop"))
    after_close_days = StringField(validators=[Length(max=20)])
    after_submit_days = StringField(validators=[Length(max=20)])
    note = TextAreaField(validators=[DataRequired(), Length(max=500)])


class JsonForm(PostedForm):
    base = HiddenField()
    config = TextAreaField(validators=[InputRequired(), Length(max=MAX_BODY)])
    note = TextAreaField(validators=[DataRequired(), Length(max=500)])


class RestoreForm(PostedForm):
    base = HiddenField()


class NewForm(PostedForm):
    """A new form: its id, its mode, and the form whose settings (consents included) it starts from."""

    new_id = StringField(validators=[DataRequired(), Length(max=64)])
    new_mode = SelectField(choices=MODES)
    copy_of = SelectField(choices=())


def _localise(form, t):
    if hasattr(form, "note"):
        form.note.validators[0].message = t["note_required"]
    if isinstance(form, JsonForm):
        form.config.validators[0].message = t["json_required"]
    if isinstance(form, NewForm):
        form.new_id.validators[0].message = t["new_id_required"]
        form.new_mode.choices = [(m, t["modes"][m]) for m in MODES]
        form.copy_of.choices = list(get_state().forms)
    if isinstance(form, QuickForm):
        form.mode.choices = [(m, t["modes"][m]) for m in MODES]
        form.device.choices = [(d, t["devices"][d]) for d in ("any", "mobile", "desktop")]
    return form


def _fill_quick(form: QuickForm, config: dict) -> None:
    texts, triggers = config.get("texts") or {}, config.get("triggers") or {}
    targeting, frequency = config.get("targeting") or {}, config.get("frequency") or {}
    form.mode.data = config.get("mode")
    form.active.data = config.get("active", True)
    for key in TEXT_KEYS:
        form[key].data = texts.get(key) or ""
    for key in ("delay_s", "scroll_pct"):
        form[key].data = "" if triggers.get(key) is None else str(triggers[key])
    form.include.data = "\n".join(targeting.get("include") or [])
    form.exclude.data = "\n".join(targeting.get("exclude") or [])
    form.device.data = targeting.get("device", "any")
    for key in ("after_close_days", "after_submit_days"):
        form[key].data = "" if frequency.get(key) is None else str(frequency[key])


def _number(text: str):
    """A typed number: an int, None when blank, else the text itself (the schema says what's wrong)."""
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"-?\d{1,18}", text) else text


def _set(config: dict, section: str, key: str, value) -> None:
    part = dict(config.get(section) or {})
    if value is None or value == "" or value == []:
        part.pop(key, None)
    else:
        part[key] = value
    if part:
        config[section] = part
    else:
        config.pop(section, None)


def _apply_quick(config: dict, form: QuickForm) -> dict:
    """The live config with the quick fields applied; sections the mode ignores are dropped (the
    schema refuses them: an inline form has no triggers)."""
    out = copy.deepcopy(config)
    out["mode"] = form.mode.data
    if form.active.data:
        out.pop("active", None)
    else:
        out["active"] = False
    for key in TEXT_KEYS:
        _set(out, "texts", key, (form[key].data or "").strip() or None)
    for key in ("delay_s", "scroll_pct"):
        _set(out, "triggers", key, _number(form[key].data))
    for key in ("include", "exclude"):
        _set(out, "targeting", key, [line.strip() for line in (form[key].data or "").splitlines() if line.strip()])
    _set(out, "targeting", "device", None if form.device.data == "any" else form.device.data)
    for key in ("after_close_days", "after_submit_days"):
        _set(out, "frequency", key, _number(form[key].data))
    return without_ignored(out)


def _pretty(config: dict | None) -> str:
    return json.dumps(config, ensure_ascii=False, indent=2)


# -- pages ----------------------------------------------------------------------------
def _spec_or_404(form_id: str):
    state = get_state()
    if form_id not in state.forms:
        abort(404)
    return state, state.forms.live(fresh=True)[form_id]


def _lang_args() -> dict:
    lang = asked_language(TEXTS)
    return {"lang": lang} if lang else {}


def _summary(errors) -> list[tuple[str | None, str]]:
    """(field id, text) for the error summary at the top of a page (_error_summary.html)."""
    return [(f"pc-{name}" if name else None, text) for name, text, _ in errors]


def _config_changed(state, form_id: str) -> bool:
    """A saved version is live and the app config's form changed since it was saved (a deploy
    the saved version still overrides)."""
    row, seed = state.forms.live_row(form_id), state.forms.base.get(form_id)
    return bool(row and seed and not row.from_config and row.config_version
                and row.config_version != seed.version)


@admin_forms_bp.get("")
def forms_list():
    return _list_page()


def _list_page(new=None, errors=(), status=200):
    """The list, with the New form fields (as typed, and what was wrong, after a refused create)."""
    locale = _locale()
    t = TEXTS[locale]
    state = get_state()
    live = state.forms.live(fresh=True)
    rows = [(form_id, live[form_id], state.forms.live_row(form_id), _config_changed(state, form_id),
             state.forms.created(form_id)) for form_id in sorted(live)]
    # How each form does, as the source report counts it: the last 30 UTC days, today included.
    until = utcnow().date()
    since = until - timedelta(days=DEFAULT_DAYS - 1)
    figures = {r.form_id: r for r in reports.source_report(state, since=since, until=until, by="form") if not r.total}
    if new is None and _can_edit():  # ?copy=<id>: the row's "Copy" link starts from that form
        copy_of = request.args.get("copy")
        source = live.get(copy_of) if isinstance(copy_of, str) else None
        new = _localise(NewForm(formdata=None, new_mode=source.mode if source else "popup",
                                copy_of=copy_of if source else None), t)
    return no_store(render_template("phonecapture/admin/forms_list.html", rows=rows, t=t, locale=locale,
                                    can_edit=_can_edit(), lang=_lang_args(), new=new, errors=list(errors),
                                    figures=figures, days=DEFAULT_DAYS,
                                    summary=_summary(errors), field_errors={f: m for f, m, _ in errors if f}),
                    status)


@admin_forms_bp.post("")
def create():
    """A new form, paused, as a copy of ``copy_of`` in ``new_mode`` (the keys that mode ignores
    dropped): the marketer then writes its texts and rules on its edit page and switches it on.
    Its consents are the copied form's, word for word, so a marketer may create one."""
    t = TEXTS[_locale()]
    state = get_state()
    form = _localise(NewForm(), t)
    if not form.validate():
        return _list_page(form, _form_errors(form, t), 400 if form.errors.get("csrf_token") else 422)
    form_id = form.new_id.data.strip()
    try:
        spec = formstore.paused_copy(state.forms.live(fresh=True)[form.copy_of.data], form_id, form.new_mode.data)
    except ValidationError as exc:
        errors = [("new_id" if where == "id" else None, message, where)
                  for _, message, where in _schema_errors(exc, False)]
        return _list_page(form, errors, 422)
    actor, role = _actor_role()
    try:
        formstore.create(state, spec, actor=actor, role=role, origin="admin/forms",
                         note=t["created_note"].format(src=form.copy_of.data))
    except formstore.FormExists:
        return _list_page(form, [("new_id", t["id_taken"].format(id=form_id), "id")], 409)
    return redirect(url_for(".edit", form_id=form_id, created=1, **_lang_args()), 303)


def _edit_page(form_id: str, *, quick=None, raw=None, errors=(), status=200, notice=None, which=None):
    locale = _locale()
    t = TEXTS[locale]
    state, spec = _spec_or_404(form_id)
    config = formstore.config_of(spec)
    number = formstore.current_number(state, form_id)
    if quick is None:
        quick = _localise(QuickForm(formdata=None, base=str(number)), t)
        _fill_quick(quick, config)
    if raw is None:
        raw = _localise(JsonForm(formdata=None, base=str(number), config=_pretty(config)), t)
    body = render_template("phonecapture/admin/forms_edit.html", form_id=form_id, spec=spec, quick=quick,
                           raw=raw, errors=list(errors), summary=_summary(errors), which=which, t=t, locale=locale,
                           notice=notice,
                           can_edit=_can_edit(), number=number, live_row=state.forms.live_row(form_id),
                           config_changed=_config_changed(state, form_id),
                           lang=_lang_args(), field_errors={f: m for f, m, _ in errors if f})
    return no_store(body, status)


@admin_forms_bp.get("/<form_id>")
def edit(form_id: str):
    saved = request.args.get("saved", type=int)
    t = TEXTS[_locale()]
    notice = t["created"] if request.args.get("created") else t["saved"].format(n=saved) if saved else None
    return _edit_page(form_id, notice=notice)


def _base_of(form) -> int:
    try:
        return int(form.base.data)
    except (TypeError, ValueError):
        abort(400)


def _form_errors(form, t) -> list[tuple[str | None, str, str | None]]:
    """WTForms' refusals as (field name, message, key path)."""
    if form.errors.get("csrf_token"):
        return [(None, t["csrf"], None)]
    return [(name, msgs[0], None) for name, msgs in form.errors.items() if name != "base"]


def _ru_words(item: dict, got: str) -> str | None:
    """A refusal of the schema (``forms.error_items``' item) in Russian, our own validators' texts
    included (``_RU_OWN``); None keeps the start-up check's English."""
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"нужно целое число (введено {got})"
    if kind in ("float_type", "float_parsing"):
        return f"нужно число (введено {got})"
    if kind in ("bool_type", "bool_parsing"):
        return f"нужно true или false (введено {got})"
    if kind in ("greater_than_equal", "greater_than"):
        sign = "не меньше" if kind == "greater_than_equal" else "больше"
        return f"должно быть {sign} {ctx.get('ge', ctx.get('gt'))} (введено {got})"
    if kind in ("less_than_equal", "less_than"):
        sign = "не больше" if kind == "less_than_equal" else "меньше"
        return f"должно быть {sign} {ctx.get('le', ctx.get('lt'))} (введено {got})"
    if kind == "missing":
        return "обязательный ключ"
    if kind == "extra_forbidden":
        return "неизвестный ключ" + (f"; может быть, {item['suggest']}?" if item["suggest"] else "")
    if kind == "literal_error":
        return f"допустимо: {ctx.get('expected')} (введено {got})"
    if kind == "string_type":
        if item["consent_text"]:
            return 'нужен текст или текст на каждом языке: {"ru": "...", "en": "..."}'
        return f"нужен текст в кавычках (введено {got})"
    if kind in ("list_type", "tuple_type"):
        return f"нужен список [...] (введено {got})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"нужен объект {{...}} (введено {got})"
    if kind == "string_too_long":
        return f"не длиннее {ctx.get('max_length')} символов"
    if kind == "string_too_short":
        return f"не короче {ctx.get('min_length')} символов"
    if kind == "too_long":
        return f"не больше {ctx.get('max_length')} элементов"
    if kind == "too_short":
        return f"не меньше {ctx.get('min_length')} элементов"
    if kind == "value_error":
        return _ru_own(str(ctx.get("error", "")))
    return None


# Our own validators' texts (forms.py words them in English for the start-up check), in Russian;
# one this table does not know keeps its English.
_RU_OWN = [
    (re.compile(r"form ids are lowercase letters, digits, '-' and '_' \(max 64\)"),
     lambda m: "идентификатор формы: строчные латинские буквы, цифры, «-» и «_» (не длиннее 64)"),
    (re.compile(r"(?s)(.+) can never match; (.+)"), lambda m: f"{m[1]} никогда не совпадёт: {_ru_own(m[2]) or m[2]}"),
    (re.compile(r"(?s)use the path only, e\.g\. (.*)"), lambda m: f"нужен только путь страницы, например {m[1]}"),
    (re.compile(r"(?s)the part after # is never sent nor matched: write (.*)"),
     lambda m: f"часть после # браузер не передаёт: напишите {m[1]}"),
    (re.compile(r"write / for the home page or \* for every page"),
     lambda m: "напишите / для главной страницы или * для всех страниц"),
    (re.compile(r"(?s)patterns match the path: write (.*)"), lambda m: f"шаблон сравнивается с путём: напишите {m[1]}"),
    (re.compile(r"(?s)unknown placeholder (.+); it may use (.+)"), lambda m: f"неизвестная подстановка {m[1]}; можно {m[2]}"),
    (re.compile(r"(?s)unknown placeholder (.+); this text has no placeholders"),
     lambda m: f"неизвестная подстановка {m[1]}; в этом тексте подстановок нет"),
    # the JSON's rarer checks: the theme, the click selector, UTM keys, keys a mode ignores
    (re.compile(r"(?s)(.+) would leave the button's white text on no background; use a colour such as (.+)"),
     lambda m: f"{m[1]}: белый текст кнопки останется без фона; укажите цвет, например {m[2]}"),
    (re.compile(r"(?s)(.+) is not a CSS colour; did you mean (.+)\?"),
     lambda m: f"{m[1]} — не цвет CSS; может быть, {m[2]}?"),
    (re.compile(r"(?s)(.+) is not a CSS colour: .*"),
     lambda m: f"{m[1]} — не цвет CSS: укажите #rgb или #rrggbb (#rrggbbaa с прозрачностью), "
               "rgb()/hsl()/oklch()… или имя цвета CSS, например teal"),
    (re.compile(r"(?s)(.+) has no unit: add a unit, e\.g\. (.+)"),
     lambda m: f"{m[1]} без единиц: добавьте их, например {m[2]}"),
    (re.compile(r"(?s)(.+) is not a CSS length: write 0 or a number with a unit \((.+)\), e\.g\. (.+)"),
     lambda m: f"{m[1]} — не длина CSS: напишите 0 или число с единицами ({m[2]}), например {m[3]}"),
    (re.compile(r"CSS values may not contain ; \{ \} < > or backslashes"),
     lambda m: "в значениях CSS нельзя использовать ; { } < > и обратную косую черту"),
    (re.compile(r"must be a short CSS value \(no comments, url\(\) or open quotes\)"),
     lambda m: "нужно короткое значение CSS (без комментариев, url() и незакрытых кавычек)"),
    (re.compile(r"not a valid CSS selector"), lambda m: "это не селектор CSS"),
    (re.compile(r"(?s)browsers don't support :contains.*"),
     lambda m: "браузеры не знают :contains; дайте элементу класс или id, например #cta или .call-button"),
    (re.compile(r"(?s)unknown UTM key\(s\) (.+); use (.+)"), lambda m: f"неизвестные UTM-ключи {m[1]}; допустимы {m[2]}"),
    (re.compile(r"(?s)([\w.]+): (.+); remove (?:it|\1)"),
     lambda m: _RU_WHY.get(m[2]) and f"{m[1]}: {_RU_WHY[m[2]]}; удалите {m[1]}"),
]
# Why a mode ignores a key (forms.IGNORED_KEYS, IGNORED_SUBKEYS), in Russian.
_RU_WHY = {
    "inline forms are always shown": "встроенная форма видна всегда",
    "inline forms are shown wherever they are placed": "встроенная форма показывается там, где стоит на странице",
    "inline forms are shown on every page view": "встроенная форма показывается при каждом просмотре",
    "only exit_intent forms use it": "этот ключ нужен только форме exit_intent",
    "exit_intent forms open when the visitor is leaving (tune exit_intent)":
        "форма exit_intent открывается, когда посетитель уходит (настройте exit_intent)",
    "the floating button is always there; only after_submit_days hides it":
        "плавающая кнопка видна всегда; скрывает её только after_submit_days",
}


def _ru_own(text: str) -> str | None:
    for pattern, words in _RU_OWN:
        match = pattern.fullmatch(text)
        if match:
            return words(match) or text
    return None


def _schema_errors(exc: ValidationError, fields: bool) -> list[tuple[str | None, str, str | None]]:
    out = []
    for where, message in error_items(exc, _ru_words if _locale() == "ru" else None):
        field = next((name for name, path in PATHS.items() if where == path or where.startswith(path + ".")),
                     None) if fields else None
        out.append((field, f"{where}: {message}" if where else message, where))
    return out


def _save(form_id: str, spec, config: dict, *, base: int, note: str):
    """Validate and save; (status, errors) on refusal, or a redirect to the edit page."""
    state = get_state()
    t = TEXTS[_locale()]
    live_config = formstore.config_of(state.forms.live(fresh=True)[form_id])
    text = json.dumps(config, ensure_ascii=False)  # (control characters stay escaped: \u0000)
    if "\\u0000" in text:  # PostgreSQL can't store it (and no text needs it)
        return 422, [(None, t["nul"], None)]
    if not _encodable(text):  # "\ud800": no UTF-8 for it
        return 422, [(None, t["surrogate"], None)]
    try:
        new = formstore.parse(form_id, config)
    except ValidationError as exc:
        return 422, _schema_errors(exc, True)
    except TypeError:
        return 422, [(None, t["not_object"], None)]
    if formstore.config_of(new) == live_config:  # a version with no change would only clutter the history
        return 422, [(None, t["no_change"], None)]
    if (formstore.config_of(new).get("consents") != live_config.get("consents")
            and not _roles() & CONSENT_ROLES):
        return 403, [(None, t["consents_admin"], "consents")]
    actor, role = _actor_role()
    try:
        row = formstore.save(state, form_id, new, base=base, actor=actor, role=role, note=note,
                             origin="admin/forms")
    except formstore.StaleEdit as exc:
        who = state.forms.live_row(form_id, fresh=True)
        return 409, [(None, t["stale"].format(n=exc.number, actor=who.actor if who else "?"), None)]
    return redirect(url_for(".edit", form_id=form_id, saved=row.number, **_lang_args()), 303), None


@admin_forms_bp.post("/<form_id>")
def save_quick(form_id: str):
    t = TEXTS[_locale()]
    state, spec = _spec_or_404(form_id)
    form = _localise(QuickForm(), t)
    if not form.validate():
        status = 400 if form.errors.get("csrf_token") else 422
        return _edit_page(form_id, quick=form, errors=_form_errors(form, t), status=status, which="quick")
    base = _base_of(form)
    config = _apply_quick(formstore.config_of(spec), form)
    result, errors = _save(form_id, spec, config, base=base, note=form.note.data)
    if errors is None:
        return result
    return _edit_page(form_id, quick=form, errors=errors, status=result, which="quick")


@admin_forms_bp.post("/<form_id>/json")
def save_json(form_id: str):
    t = TEXTS[_locale()]
    state, spec = _spec_or_404(form_id)
    form = _localise(JsonForm(), t)
    if not form.validate():
        status = 400 if form.errors.get("csrf_token") else 422
        errors = [("json-note" if name == "note" else name, text, path) for name, text, path in _form_errors(form, t)]
        return _edit_page(form_id, raw=form, errors=errors, status=status, which="json")
    base = _base_of(form)
    try:
        config = json.loads(form.config.data)
    except json.JSONDecodeError as exc:
        error = t["bad_json"].format(line=exc.lineno, col=exc.colno, msg=exc.msg)
        return _edit_page(form_id, raw=form, errors=[("config", error, None)], status=400, which="json")
    except ValueError:  # a number past Python's 4,300 digits
        return _edit_page(form_id, raw=form, errors=[("config", t["long_number"], None)], status=400, which="json")
    except RecursionError:
        return _edit_page(form_id, raw=form, errors=[("config", t["not_object"], None)], status=400, which="json")
    if not isinstance(config, dict):
        return _edit_page(form_id, raw=form, errors=[("config", t["not_object"], None)], status=400, which="json")
    if "id" in config:
        if config["id"] != form_id:
            return _edit_page(form_id, raw=form, errors=[("config", t["id_key"], "id")], status=422, which="json")
        config.pop("id")
    result, errors = _save(form_id, spec, config, base=base, note=form.note.data)
    if errors is None:
        return result
    errors = [("config", message, where) for _, message, where in errors]
    return _edit_page(form_id, raw=form, errors=errors, status=result, which="json")


# -- history ---------------------------------------------------------------------------
@admin_forms_bp.get("/<form_id>/history")
def history(form_id: str):
    locale = _locale()
    t = TEXTS[locale]
    state, _ = _spec_or_404(form_id)
    rows = formstore.history(state, form_id)
    seed = state.forms.base.get(form_id)  # None: created in the admin, version 1 is its start
    base_config = formstore.config_of(seed) if seed else {}
    entries = []
    for i, row in enumerate(rows):
        previous = rows[i + 1].config if i + 1 < len(rows) else base_config
        previous = base_config if previous is None else previous
        current = base_config if row.config is None else row.config
        diff = list(difflib.unified_diff(_pretty(previous).splitlines(), _pretty(current).splitlines(),
                                         fromfile=f"v{row.number - 1}", tofile=f"v{row.number}", lineterm="", n=2))
        entries.append((row, diff[2:]))  # without the ---/+++ header lines
    number = rows[0].number if rows else 0
    restore = _localise(RestoreForm(formdata=None, base=str(number)), t)
    return no_store(render_template("phonecapture/admin/forms_history.html", form_id=form_id, entries=entries,
                                     t=t, locale=locale, can_edit=_can_edit(), restore=restore, number=number,
                                     lang=_lang_args(), created=seed is None))


@admin_forms_bp.post("/<form_id>/restore/<int:number>")
def restore(form_id: str, number: int):
    """Make version ``number`` (0: the app config) live again, as a new version."""
    locale = _locale()
    t = TEXTS[locale]
    state, spec = _spec_or_404(form_id)
    form = RestoreForm()
    if not form.validate():
        abort(400)
    base = _base_of(form)
    if number == 0:
        if form_id not in state.forms.base:
            abort(404)  # created in the admin: there is no app config to go back to
        target, note = None, t["restored_config_note"]
    else:
        row = next((r for r in formstore.history(state, form_id) if r.number == number), None)
        if row is None:
            abort(404)
        target, note = row.config, t["restored_note"].format(n=number)
    try:
        new = None if target is None else formstore.parse(form_id, target)
    except (ValidationError, TypeError):
        abort(422)
    consents = formstore.config_of(new or state.forms.base[form_id]).get("consents")
    if consents != formstore.config_of(spec).get("consents") and not _roles() & CONSENT_ROLES:
        body = render_template("phonecapture/admin/message.html", title=t["errors"][403][0],
                               text=t["consents_admin"], locale=locale)
        return no_store(body, 403)
    actor, role = _actor_role()
    try:
        row = formstore.save(state, form_id, new, base=base, actor=actor, role=role, note=note,
                             origin="admin/forms")
    except formstore.StaleEdit:
        abort(409)
    return redirect(url_for(".edit", form_id=form_id, saved=row.number, **_lang_args()), 303)
