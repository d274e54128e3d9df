"""Flask-WTF form classes, one per configured form, shared by the no-JS page and the JSON API.

The JSON API flattens its body (``consents: {purpose: bool}`` becomes
``consent_<purpose>``) and validates with the same class, CSRF off (the API is
protected by the signed submit token instead; it must work cross-origin).
"""
from __future__ import annotations

from flask import abort, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError

from .forms import FormSpec
from .phone import PhoneError, parse_phone
from .texts import ANSWERS

SOURCE_KEYS = ("page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term",
               "utm_content", "gclid", "yclid", "fbclid")

MESSAGES = {
    "ru": {
        "phone_required": "Введите номер телефона.",
        "consent_required": "Без этого согласия мы не сможем обработать заявку.",
        "name_required": "Введите имя.",
        "name_too_long": "Имя длиннее 100 знаков: сократите его.",
        "phone": {
            "invalid": "Это не похоже на номер телефона. Проверьте цифры.",
            "country": "Номера этой страны форма не принимает.",
            "too_long": "Слишком длинный номер.",
            "characters": "В номере могут быть только цифры, пробелы и + ( ) -",
            "required": "Введите номер телефона.",
            "type": "Номер должен быть строкой.",
        },
    },
    "en": {
        "phone_required": "Enter a phone number.",
        "consent_required": "We can't process the request without this consent.",
        "name_required": "Enter your name.",
        "name_too_long": "The name is longer than 100 characters: shorten it.",
        "phone": {},
    },
}


def message(locale: str, key: str) -> str:
    return MESSAGES.get(locale, MESSAGES["en"]).get(key) or MESSAGES["en"][key]


#: The form texts (``forms.Texts``) that, when a form sets them, replace the built-in answers:
#: the words its widget shows for the same mistakes (widget/src/ui.ts: er, ep, ec).
OVERRIDES = {"phone_required": "error_required", "name_required": "error_required",
             "consent_required": "error_consent", "code_required": "error_required",
             "phone": "error_phone"}


def form_message(spec: FormSpec, key: str, locale: str) -> str | None:
    """The form's own text for answer ``key`` in ``locale``, if its config overrides one; else None."""
    return spec.texts.get(OVERRIDES[key], locale) if key in OVERRIDES else None


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _json_formdata() -> ImmutableMultiDict:
    """A posted JSON body as form data: an object of strings, booleans and numbers (read as their
    text) or lists of those; anything else (or a lone surrogate) is a 400, not the TypeError Flask-WTF
    would raise."""
    body = request.get_json()  # unreadable JSON: Flask's own 400

    def one(value):
        if isinstance(value, str) and not _encodable(value):
            abort(400)  # a lone surrogate ("\\ud800"): no database or page can hold it
        if isinstance(value, str):
            return value
        if isinstance(value, bool):  # as a checkbox posts it: BooleanField reads "false" as unset
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        abort(400)

    if not isinstance(body, dict):
        abort(400)
    return ImmutableMultiDict([(key, one(item)) for key, value in body.items()
                               for item in (value if isinstance(value, list) else [value])])


class PostedForm(FlaskForm):
    """A FlaskForm whose JSON body (Flask-WTF accepts one in place of form data) is checked
    first: a list, a nested object or a null answers 400 instead of a 500."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto and _is_submitted() and not request.files and not request.form \
                    and request.is_json:
                return _json_formdata()
            return super().wrap_formdata(form, formdata)


class _PhoneValidator:
    """Parse with the form's regions; keep the parsed number on the form for the caller."""

    def __init__(self, spec: FormSpec, locale: str):
        self.spec, self.locale = spec, locale

    def __call__(self, form, field):
        region = self.spec.default_region
        country = getattr(form, "country", None)
        if country is not None and country.data in self.spec.allowed_regions:
            region = country.data
        try:
            form.parsed_phone = parse_phone(field.data or "", region, self.spec.allowed_regions)
        except PhoneError as exc:
            localized = (form_message(self.spec, "phone", self.locale)
                         or MESSAGES.get(self.locale, {}).get("phone", {}).get(exc.code))
            raise ValidationError(localized or str(exc)) from None


class SubmissionFormBase(PostedForm):
    parsed_phone = None
    locale = "en"  # the language the form was shown in (its token says; its answers use it)
    token = HiddenField()
    hp = StringField(validators=[Optional(), Length(max=200)])
    elapsed_ms = IntegerField(validators=[Optional()])
    country = StringField(validators=[Optional(), Length(max=2)])
    page_url = HiddenField(validators=[Optional(), Length(max=2048)])
    referrer = HiddenField(validators=[Optional(), Length(max=2048)])
    utm_source = HiddenField(validators=[Optional(), Length(max=255)])
    utm_medium = HiddenField(validators=[Optional(), Length(max=255)])
    utm_campaign = HiddenField(validators=[Optional(), Length(max=255)])
    utm_term = HiddenField(validators=[Optional(), Length(max=255)])
    utm_content = HiddenField(validators=[Optional(), Length(max=255)])
    gclid = HiddenField(validators=[Optional(), Length(max=255)])
    yclid = HiddenField(validators=[Optional(), Length(max=255)])
    fbclid = HiddenField(validators=[Optional(), Length(max=255)])

    def put_source(self, key: str, value: str | None) -> None:
        """The server fills a hidden source field itself (the no-JS form): cut to the length
        the field accepts, so a long URL, referrer or tag never makes the submission fail."""
        field = getattr(self, key)
        cap = next((v.max for v in field.validators if isinstance(v, Length)), None)
        field.data = (value or "")[:cap]

    def consent_fields(self):
        return [(name[len("consent_"):], field) for name, field in self._fields.items()
                if name.startswith("consent_")]

    def api_errors(self) -> dict[str, list[str]]:
        """Errors keyed the way the JSON body names fields (consents.<purpose>)."""
        out = {}
        for name, errors in self.errors.items():
            key = f"consents.{name[len('consent_'):]}" if name.startswith("consent_") else name
            out[key] = list(errors)
        return out


_classes: dict[tuple[str, str, str], type[SubmissionFormBase]] = {}


def _form_class(spec: FormSpec, locale: str) -> type[SubmissionFormBase]:
    key = (spec.id, spec.version, locale)
    if key not in _classes:
        _classes[key] = _build_form_class(spec, locale)
    return _classes[key]


def _build_form_class(spec: FormSpec, locale: str) -> type[SubmissionFormBase]:

    def say(key: str) -> str:  # the form's own words first
        return form_message(spec, key, locale) or message(locale, key)

    # Too long: said in the page's language, as the phone validator says it (WTForms' own
    # "Field cannot be longer than 40 characters." was English on a Russian page and its summary).
    too_long = (form_message(spec, "phone", locale) or MESSAGES.get(locale, {}).get("phone", {}).get("too_long")
                or "The phone number is too long.")
    attrs = {
        "phone": StringField(validators=[InputRequired(say("phone_required")),
                                         Length(max=40, message=too_long), _PhoneValidator(spec, locale)]),
        "locale": locale,
    }
    name_mode = spec.fields.get("name", "off")
    if name_mode != "off":
        required = (DataRequired(say("name_required")) if name_mode == "required"
                    else Optional())
        attrs["name"] = StringField(validators=[required, Length(max=100, message=message(locale, "name_too_long"))])
    for consent in spec.consents:
        validators = [DataRequired(say("consent_required"))] if consent.required else []
        attrs[f"consent_{consent.purpose}"] = BooleanField(validators=validators)
    return type(f"SubmissionForm_{spec.id}", (SubmissionFormBase,), attrs)


def submission_form(spec: FormSpec, formdata=None, *, csrf: bool = True,
                    locale: str | None = None) -> SubmissionFormBase:
    """The form's WTForms class; ``locale``: the language it was shown in (default the form's)."""
    cls = _form_class(spec, locale or spec.effective_locale)
    meta = {} if csrf else {"csrf": False}  # {} keeps the app's WTF_CSRF_ENABLED
    if formdata is None:  # Flask-WTF then reads the request's form itself
        return cls(meta=meta)
    return cls(formdata=formdata, meta=meta)


def flatten_submission(body: dict) -> MultiDict:
    """JSON body -> form data for the same WTForms class (types were checked before)."""
    data = MultiDict()
    for key in ("token", "phone", "name", "country", "hp"):
        if body.get(key) is not None:
            data[key] = str(body[key])
    if body.get("elapsed_ms") is not None:
        data["elapsed_ms"] = str(int(body["elapsed_ms"]))
    for purpose, granted in (body.get("consents") or {}).items():
        if granted:
            data[f"consent_{purpose}"] = "y"
    for key, value in (body.get("source") or {}).items():
        if key in SOURCE_KEYS and value is not None:
            data[key] = str(value)
    return data


def _page_spec() -> FormSpec | None:
    """The form whose page is answering (the no-JS code page builds :class:`VerifyForm`
    without its spec; the form id is in the URL)."""
    from flask import has_request_context, request

    from .extension import get_state

    form_id = (request.view_args or {}).get("form_id") if has_request_context() else None
    return get_state().forms.get(form_id) if isinstance(form_id, str) else None


def _page_locale() -> str:
    """The language of the page answering: its submission's (set by the view), else its form's."""
    from flask import g

    spec = _page_spec()
    locale = g.get("phonecapture_locale") or (spec.effective_locale if spec is not None else "en")
    return locale if locale in ANSWERS else "en"


def _code_given(form, field):
    """Present and not absurdly long; whether it is 6 digits ``leads.verify_code`` says (422,
    not counted as an attempt), in the same words as the API."""
    if not (field.data or "").strip():
        spec = _page_spec()
        raise StopValidation((spec is not None and form_message(spec, "code_required", _page_locale()))
                             or ANSWERS[_page_locale()]["code_required"])
    if len(field.data) > 40:
        raise StopValidation(ANSWERS[_page_locale()]["code_format"])


class VerifyForm(PostedForm):
    code = StringField(validators=[_code_given])


class ResendForm(PostedForm):
    """No fields: the CSRF token alone guards the no-JS resend button."""
