"""Flask-WTF form classes, one per configured form, shared by the no-JS page and the JSON API.

The JSON API flattens its body (``consents: {purpose: bool}`` becomes
``consent_<purpose>``) and validates with the same class, CSRF off (the API is
protected by the signed submit token instead; it must work cross-origin).
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .forms import FormSpec
from .phone import PhoneError, parse_phone

SOURCE_KEYS = ("page_url", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term",
               "utm_content", "gclid", "yclid", "fbclid")

MESSAGES = {
    "ru": {
        "phone_required": "Введите номер телефона.",
        "consent_required": "Без этого согласия мы не сможем обработать заявку.",
        "name_required": "Введите имя.",
        "code_required": "Введите код из SMS.",
        "code_format": "Код — это 6 цифр из SMS.",
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
        "code_required": "Enter the code from the SMS.",
        "code_format": "The code is the 6 digits from the SMS.",
        "phone": {},
    },
}


def message(locale: str, key: str) -> str:
    return MESSAGES.get(locale, MESSAGES["en"]).get(key) or MESSAGES["en"][key]


class _PhoneValidator:
    """Parse with the form's regions; keep the parsed number on the form for the caller."""

    def __init__(self, spec: FormSpec):
        self.spec = spec

    def __call__(self, form, field):
        region = self.spec.default_region
        country = getattr(form, "country", None)
        if country is not None and country.data in self.spec.allowed_regions:
            region = country.data
        try:
            form.parsed_phone = parse_phone(field.data or "", region, self.spec.allowed_regions)
        except PhoneError as exc:
            localized = MESSAGES.get(self.spec.effective_locale, {}).get("phone", {}).get(exc.code)
            raise ValidationError(localized or str(exc)) from None


class SubmissionFormBase(FlaskForm):
    parsed_phone = None
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


_classes: dict[tuple[str, str], type[SubmissionFormBase]] = {}


def _form_class(spec: FormSpec) -> type[SubmissionFormBase]:
    key = (spec.id, spec.version)
    if key not in _classes:
        _classes[key] = _build_form_class(spec)
    return _classes[key]


def _build_form_class(spec: FormSpec) -> type[SubmissionFormBase]:
    locale = spec.effective_locale
    attrs = {
        "phone": StringField(validators=[InputRequired(message(locale, "phone_required")),
                                         Length(max=40), _PhoneValidator(spec)]),
    }
    name_mode = spec.fields.get("name", "off")
    if name_mode != "off":
        required = (DataRequired(message(locale, "name_required")) if name_mode == "required"
                    else Optional())
        attrs["name"] = StringField(validators=[required, Length(max=100)])
    for consent in spec.consents:
        validators = [DataRequired(message(locale, "consent_required"))] if consent.required else []
        attrs[f"consent_{consent.purpose}"] = BooleanField(validators=validators)
    return type(f"SubmissionForm_{spec.id}", (SubmissionFormBase,), attrs)


def submission_form(spec: FormSpec, formdata=None, *, csrf: bool = True) -> SubmissionFormBase:
    cls = _form_class(spec)
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


class VerifyForm(FlaskForm):
    code = StringField(validators=[InputRequired(), Length(min=4, max=12)])


class ResendForm(FlaskForm):
    """No fields: the CSRF token alone guards the no-JS resend button."""
