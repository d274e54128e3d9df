"""Form definitions (``PHONECAPTURE_FORMS``) and their display-rule schema.

Validated once at start-up with pydantic; an error names the form and the bad key.
Unknown keys are errors too (``extra="forbid"``), so a misspelt option never
silently does nothing. Mode-specific trigger defaults are filled in here so the
public config the widget receives is the whole truth.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import typing
from typing import Annotated, Literal, Union

import phonenumbers
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, StrictBool, StrictInt, Tag,
                      ValidationError, ValidationInfo, field_validator, model_serializer, model_validator)

from .colours import NAMED_COLOURS
from .config import ConfigError
from .texts import PLACEHOLDERS, unknown_placeholders

FORM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PURPOSE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


# An http(s) URL with a host, or a path on this site: "//host" and "/\\host" are other sites to a
# browser, and javascript:/data: links would run on the page. No spaces or control characters.
_LINK = re.compile(r"(?:https?://[^/\\?#@\s]+(?:[/?#][^\\\s]*)?|/(?![/\\])[^\\\s]*)\Z", re.IGNORECASE)


def link_ok(url: str) -> bool:
    return bool(_LINK.match(url)) and not re.search(r"[\x00-\x1f\x7f]", url)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Texts added after forms were first versioned: left out of a form's dump while unset, so a config
#: that does not set them keeps its ``FormSpec.version``.
LATER_TEXTS = ("new_tab", "error_page_title")


def _drop_unset(data, keys):
    for key in keys:
        if isinstance(data, dict) and data.get(key) is None:
            data.pop(key, None)
    return data


class Texts(_Strict):
    """Every text the visitor reads can be set per form; unset ones use the built-in ru/en
    texts of ``texts.UI``. ``{phone}`` (code_sent), ``{masked}`` (code_hint), ``{n}`` (error_code),
    ``{s}`` (error_rate) and ``{title}`` (error_page_title) are filled in (``texts.PLACEHOLDERS``);
    any other ``{name}`` is refused."""

    title: str | None = None
    offer: str | None = None
    purpose: str | None = None
    promise: str | None = None
    submit: str | None = None
    phone_label: str | None = None
    name_label: str | None = None
    code_title: str | None = None
    code_label: str | None = None
    verify: str | None = None
    resend: str | None = None
    wrong_number: str | None = None
    success_title: str | None = None
    success_text: str | None = None
    teaser: str | None = None
    close: str | None = None
    optional: str | None = None
    country: str | None = None
    policy: str | None = None
    new_tab: str | None = None  # said with the policy link, which opens in a new tab
    code_sent: str | None = None
    error_required: str | None = None
    error_phone: str | None = None
    error_consent: str | None = None
    error_code: str | None = None
    error_gone: str | None = None
    error_rate: str | None = None
    error_network: str | None = None
    # no-JS pages only
    code_hint: str | None = None
    back: str | None = None
    hp_label: str | None = None
    errors_title: str | None = None
    error_page_title: str | None = None
    resent: str | None = None
    csrf: str | None = None

    @model_serializer(mode="wrap")
    def _without_unset_later_texts(self, handler):
        return _drop_unset(handler(self), LATER_TEXTS)

    @field_validator("*")
    @classmethod
    def _placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        # "Код отправлен на {phon}" would show "Код отправлен на ": the unknown name fills as "".
        bad = unknown_placeholders(info.field_name, value) if isinstance(value, str) else []
        if bad:
            allowed = PLACEHOLDERS.get(info.field_name)
            may = (f"it may use {', '.join('{' + n + '}' for n in sorted(allowed))}" if allowed
                   else "this text has no placeholders")
            raise ValueError(f"unknown placeholder {', '.join('{' + n + '}' for n in bad)}; {may}")
        return value


#: The languages a form can be shown in (``texts.UI``'s): keys of per-language texts.
LANGUAGES = ("ru", "en")


class FormTexts(Texts):
    """A form's ``texts``: flat keys are said in every language; a ``ru`` / ``en`` object holds
    that language's own words and wins over the flat ones when the form is shown in it::

        {"title": "Перезвоним", "en": {"title": "We'll call you back"}}
    """

    ru: Texts | None = None
    en: Texts | None = None

    @model_serializer(mode="wrap")
    def _without_unset_languages(self, handler):
        # A config without per-language texts dumps as it did before they existed (FormSpec.version).
        return _drop_unset(handler(self), LANGUAGES + LATER_TEXTS)

    def for_locale(self, locale: str) -> dict[str, str]:
        """The texts this form sets for ``locale``: the flat ones, then that language's own."""
        out = {k: v for k, v in self if k not in LANGUAGES and v is not None}
        own = getattr(self, locale, None) if locale in LANGUAGES else None
        if own is not None:
            out.update(own.model_dump(exclude_none=True))
        return out

    def get(self, key: str, locale: str) -> str | None:
        return self.for_locale(locale).get(key)


class ConsentWording(_Strict):
    """A consent text per language: ``{"ru": "...", "en": "..."}``."""

    ru: str | None = Field(default=None, min_length=5, max_length=2000)
    en: str | None = Field(default=None, min_length=5, max_length=2000)


#: Union tags of ConsentPurpose.text (pydantic puts them in an error's location; _describe drops them).
_TEXT_ONE, _TEXT_PER_LANGUAGE = "<one text>", "<per language>"
_UNION_TAGS = {_TEXT_ONE, _TEXT_PER_LANGUAGE}
TextOrWording = Annotated[
    Union[Annotated[Annotated[str, Field(min_length=5, max_length=2000)], Tag(_TEXT_ONE)],
          Annotated[ConsentWording, Tag(_TEXT_PER_LANGUAGE)]],
    Discriminator(lambda v: _TEXT_PER_LANGUAGE if isinstance(v, (dict, ConsentWording)) else _TEXT_ONE)]


class ConsentPurpose(_Strict):
    purpose: str
    #: One text for every language, or ``{"ru": ..., "en": ...}``: then it must hold each
    #: language the form can be shown in (FormSpec checks: both without a locale, else that one).
    text: TextOrWording
    required: StrictBool = False
    policy_url: str | None = None

    @field_validator("purpose")
    @classmethod
    def _purpose_name(cls, value: str) -> str:
        if not PURPOSE.match(value):
            raise ValueError("purpose must be lower_snake_case, e.g. service_sms")
        return value

    @field_validator("policy_url")
    @classmethod
    def _policy_url(cls, value: str | None) -> str | None:
        if value is not None and not link_ok(value):
            raise ValueError("must be an http(s) URL or a site path starting with / (not //)")
        return value

    @property
    def safe_policy_url(self) -> str | None:
        """What pages and the widget link: checked again, whatever built this spec."""
        return self.policy_url if self.policy_url and link_ok(self.policy_url) else None

    def text_for(self, locale: str) -> str:
        """The wording shown in ``locale``: the one text, or that language's. A language the
        form can't be shown in (the form checks every one it can is there) falls back to
        ru, then en."""
        if isinstance(self.text, str):
            return self.text
        return next((t for t in (getattr(self.text, locale, None) if locale in LANGUAGES else None,
                                 self.text.ru, self.text.en) if t), "")

    def text_version(self, locale: str) -> str:
        """sha256 over exactly what was shown: purpose, locale, the text shown in that locale
        and policy link."""
        blob = json.dumps([self.purpose, locale, self.text_for(locale), self.policy_url], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


#: Why a click_selector soupsieve takes would still throw in a browser: its own text-matching
#: pseudo-classes (:contains(), :-soup-contains(), :-soup-contains-own()) are no CSS.
NO_CONTAINS = ("browsers don't support :contains (or soupsieve's :-soup-contains); "
               "put a class or id on the element, e.g. #cta or .call-button")


def selector_problem(selector: str) -> str | None:
    """Why a browser would not take this selector (Element.closest() throws on one it can't
    parse), None when it would. soupsieve is BeautifulSoup's CSS level 4 parser: it refuses what
    browsers refuse, unknown pseudo-classes included, except its own text-matching extensions
    (:contains() and :-soup-contains[-own]()), which it takes and browsers don't: those are
    refused here, found in the parsed selector (so a quoted ":contains(" in an attribute value is
    fine)."""
    import warnings

    import soupsieve

    if not selector.strip():
        return "not a valid CSS selector"
    try:
        with warnings.catch_warnings():  # ":contains is deprecated": refused below anyway
            warnings.simplefilter("ignore", FutureWarning)
            compiled = soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, NotImplementedError, ValueError):
        return "not a valid CSS selector"
    if _has_contains(compiled.selectors):
        return NO_CONTAINS
    return None


def _has_contains(node) -> bool:
    from soupsieve import css_types

    if isinstance(node, css_types.SelectorContains):
        return True
    if isinstance(node, tuple):
        return any(_has_contains(item) for item in node)
    if isinstance(node, (css_types.Selector, css_types.SelectorList, css_types.SelectorNth)):
        return any(_has_contains(getattr(node, slot)) for slot in node.__slots__ if slot != "_hash")
    return False


def css_selector_ok(selector: str) -> bool:
    """Would a browser take this selector? (``selector_problem`` says why not.)"""
    return selector_problem(selector) is None


class Triggers(_Strict):
    match: Literal["any", "all"] = "any"
    # Strict: "5" or true would otherwise be quietly converted (JSON numbers and booleans only).
    delay_s: StrictInt | None = Field(default=None, ge=0, le=3600)
    scroll_pct: StrictInt | None = Field(default=None, ge=0, le=100)
    inactivity_s: StrictInt | None = Field(default=None, ge=1, le=3600)
    page_views: StrictInt | None = Field(default=None, ge=1, le=100)
    click_selector: str | None = Field(default=None, max_length=200)

    @field_validator("click_selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        # The widget passes it to Element.closest(): a bad one would throw on every click.
        problem = None if value is None else selector_problem(value)
        if problem:
            raise ValueError(problem)
        return value


#: A host name (with a dot, IDN too) and an optional port, right before a path: a copied address.
_HOST = re.compile(r"(?:[\w-]+\.)+[^\W\d_]{2,}(?::\d+)?(?=/)")


def path_pattern_problem(pattern: str) -> str | None:
    """What to write instead of a targeting pattern that can never match (None when it can).
    The widget matches include/exclude patterns against ``location.pathname`` (plus
    ``location.search`` when the pattern has a ``?``), decoded, so non-ASCII paths are fine;
    ``*`` is the only wildcard. So a pattern starts with / or *, and has no scheme or host
    (a copied address) and no #fragment (browsers never send it and the widget never sees it)."""
    def as_path(text: str) -> str:
        text = text.split("#", 1)[0].strip()
        return text if text.startswith(("/", "*")) else "/" + text

    stripped = pattern.strip()
    if "://" in stripped.split("?", 1)[0]:  # a whole address copied from the browser
        rest = stripped.split("://", 1)[1]
        return f"use the path only, e.g. {as_path(rest[rest.find('/'):] if '/' in rest else '')}"
    host = _HOST.match(stripped)
    if host:  # the same without its scheme
        return f"use the path only, e.g. {as_path(stripped[host.end():])}"
    if "#" in pattern:
        return f"the part after # is never sent nor matched: write {as_path(pattern)}"
    if not stripped:
        return "write / for the home page or * for every page"
    if not pattern.startswith(("/", "*")):
        return f"patterns match the path: write {as_path(pattern)}"
    return None


class Targeting(_Strict):
    include: list[str] = []
    exclude: list[str] = []
    device: Literal["any", "mobile", "desktop"] = "any"
    utm: dict[str, str] = {}
    referrer: str | None = None
    visitor: Literal["any", "new", "returning"] = "any"

    @field_validator("include", "exclude")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for pattern in value:
            problem = path_pattern_problem(pattern)
            if problem:
                raise ValueError(f"{pattern!r} can never match; {problem}")
        return value

    @field_validator("utm")
    @classmethod
    def _utm_keys(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}
        bad = set(value) - allowed
        if bad:
            raise ValueError(f"unknown UTM key(s) {sorted(bad)}; use {sorted(allowed)}")
        return value


class Frequency(_Strict):
    after_close_days: StrictInt = Field(default=7, ge=0, le=3650)
    after_submit_days: StrictInt = Field(default=365, ge=0, le=3650)
    once_per_session: StrictBool = False


class ExitIntent(_Strict):
    arm_delay_s: StrictInt = Field(default=3, ge=0, le=600)
    sensitivity_px: StrictInt = Field(default=20, ge=1, le=200)
    mobile_scroll_up_px: StrictInt = Field(default=120, ge=20, le=2000)
    mobile_visibility: StrictBool = True


#: Colour syntaxes other than names: #rgb, #rgba, #rrggbb, #rrggbbaa and the colour functions.
_COLOUR = re.compile(r"#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)"
                     r"\([^()]*\)", re.IGNORECASE)
#: A CSS length the widget can use as a corner radius: 0, or a non-negative number with a unit.
_LENGTH_UNITS = ("px", "em", "rem", "%", "vh", "vw", "pt")
_LENGTH = re.compile(r"0|(?:\d+(?:\.\d+)?|\.\d+)(?:px|em|rem|%|vh|vw|pt)", re.IGNORECASE)


def colour_problem(value: str) -> str | None:
    """Why ``value`` is no colour a submit button can have (None when it is one)."""
    value = value.strip()
    if _COLOUR.fullmatch(value) or value.lower() in NAMED_COLOURS:
        return None
    if value.lower() in ("transparent", "currentcolor"):
        return (f"{value!r} would leave the button's white text on no background; "
                "use a colour such as #0b7a5a")
    close = difflib.get_close_matches(value.lower(), NAMED_COLOURS, n=1, cutoff=0.75)
    if close:
        return f"{value!r} is not a CSS colour; did you mean {close[0]!r}?"
    return (f"{value!r} is not a CSS colour: use #rgb or #rrggbb (#rrggbbaa with alpha), "
            "rgb()/hsl()/oklch()… or a CSS colour name such as teal")


class Theme(_Strict):
    brand: str = "#0b7a5a"
    radius: str = "10px"
    font: str = "inherit"

    @field_validator("brand", "radius", "font")
    @classmethod
    def _css_safe(cls, value: str) -> str:
        if re.search(r"[;{}<>\\]", value):
            raise ValueError("CSS values may not contain ; { } < > or backslashes")
        if not value.strip() or len(value) > 200 or re.search(r"/\*|['\"]\s*$|url\(", value, re.I):
            raise ValueError("must be a short CSS value (no comments, url() or open quotes)")
        return value

    @field_validator("brand")
    @classmethod
    def _colour(cls, value: str) -> str:
        # A typo such as "#0b7a5" or "gren" would leave the submit button's white text on white.
        problem = colour_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("radius")
    @classmethod
    def _length(cls, value: str) -> str:
        if _LENGTH.fullmatch(value.strip()):
            return value
        if re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", value.strip()):
            raise ValueError(f"{value!r} has no unit: add a unit, e.g. {value.strip()}px")
        raise ValueError(f"{value!r} is not a CSS length: write 0 or a number with a unit "
                         f"({', '.join(_LENGTH_UNITS)}), e.g. 10px")


_ONLY_EXIT = "only exit_intent forms use it"
#: Keys each mode does not use (publicform.public_config drops them; the widget never reads them).
IGNORED_KEYS = {
    "inline": {"triggers": "inline forms are always shown",
               "targeting": "inline forms are shown wherever they are placed",
               "frequency": "inline forms are shown on every page view", "exit_intent": _ONLY_EXIT},
    "exit_intent": {"triggers": "exit_intent forms open when the visitor is leaving (tune exit_intent)"},
    "popup": {"exit_intent": _ONLY_EXIT}, "slidein": {"exit_intent": _ONLY_EXIT},
    "button": {"exit_intent": _ONLY_EXIT},
}
_BUTTON_STAYS = "the floating button is always there; only after_submit_days hides it"
#: Keys inside a section that a mode does not use ({mode: {section: {key: why}}}), e.g. the
#: floating button ignores frequency.once_per_session and after_close_days (the widget checks
#: only after_submit_days for it).
IGNORED_SUBKEYS = {
    "button": {"frequency": {"once_per_session": _BUTTON_STAYS, "after_close_days": _BUTTON_STAYS}},
}


def without_ignored(config: dict) -> dict:
    """``config`` without the keys its mode ignores (which the schema refuses), a section left
    empty dropped with them: what switching a form's mode, or copying it into another, keeps."""
    mode = config.get("mode")
    out = {k: v for k, v in config.items() if k not in IGNORED_KEYS.get(mode, {})}
    for section, subkeys in IGNORED_SUBKEYS.get(mode, {}).items():
        if isinstance(out.get(section), dict):
            out[section] = {k: v for k, v in out[section].items() if k not in subkeys}
            if not out[section]:
                del out[section]
    return out


class FormSpec(_Strict):
    id: str
    mode: Literal["popup", "inline", "slidein", "exit_intent", "button"]
    locale: Literal["ru", "en"] | None = None
    texts: FormTexts = FormTexts()
    fields: dict[Literal["name"], Literal["off", "optional", "required"]] = {"name": "off"}
    countries: list[str] = Field(default_factory=list)
    default_region: str = "RU"
    consents: list[ConsentPurpose] = Field(min_length=1)
    triggers: Triggers = Triggers()
    targeting: Targeting = Targeting()
    frequency: Frequency = Frequency()
    exit_intent: ExitIntent = ExitIntent()
    theme: Theme = Theme()
    active: StrictBool = True
    _version: str | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not FORM_ID.match(value):
            raise ValueError("form ids are lowercase letters, digits, '-' and '_' (max 64)")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        known = phonenumbers.SUPPORTED_REGIONS
        bad = [c for c in value if c not in known]
        if bad:
            raise ValueError(f"unknown region code(s) {bad}; use ISO 3166 alpha-2 like 'RU'")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> "FormSpec":
        if self.default_region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"default_region {self.default_region!r} is not a known region")
        if self.countries and self.default_region not in self.countries:
            raise ValueError("default_region must be one of countries")
        purposes = [c.purpose for c in self.consents]
        if len(set(purposes)) != len(purposes):
            raise ValueError("each consent purpose may appear once")
        self._check_languages()
        for key in IGNORED_KEYS.get(self.mode, {}):  # a key the widget would silently ignore
            if key in self.model_fields_set:
                raise ValueError(f"{key}: {IGNORED_KEYS[self.mode][key]}; remove {key}")
        for key, subkeys in IGNORED_SUBKEYS.get(self.mode, {}).items():
            section = getattr(self, key)
            for sub, why in subkeys.items():
                if key in self.model_fields_set and sub in section.model_fields_set:
                    raise ValueError(f"{key}.{sub}: {why}; remove it")
        return self

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this form can be shown in: its locale, else any page's (built-in) one."""
        return (self.locale,) if self.locale else LANGUAGES

    def _check_languages(self) -> None:
        """Per-language words only for the languages the form can be shown in, and a
        per-language consent text holds each of them (a consent is never shown half in another
        language)."""
        shown = self.languages

        def never(lang: str) -> str:
            return f"the form's locale is {self.locale}, so it is never shown in {lang}"

        for lang in LANGUAGES:
            if lang not in shown and getattr(self.texts, lang) is not None:
                raise ValueError(f"texts.{lang}: {never(lang)}; remove {lang} or put its words in the flat texts")
        for i, c in enumerate(self.consents):
            if isinstance(c.text, str):
                continue
            for lang in shown:
                if getattr(c.text, lang) is None:
                    why = (f"the form's locale is {self.locale}" if self.locale
                           else "a form without a locale is shown in ru and en")
                    raise ValueError(f"consents.{i}.text: add the {lang!r} wording ({why})")
            for lang in LANGUAGES:
                if lang not in shown and getattr(c.text, lang) is not None:
                    raise ValueError(f"consents.{i}.text.{lang}: {never(lang)}; remove {lang}")

    # -- derived ---------------------------------------------------------
    @property
    def allowed_regions(self) -> list[str]:
        return list(self.countries) or [self.default_region]

    @property
    def effective_locale(self) -> str:
        return self.locale or ("ru" if self.default_region in ("RU", "BY", "KZ") else "en")

    @property
    def version(self) -> str:
        """Short hash of the whole validated config: submissions record which version they saw."""
        if self._version is None:
            blob = self.model_dump_json()
            object.__setattr__(self, "_version", hashlib.sha256(blob.encode()).hexdigest()[:12])
        return self._version

    def consent(self, purpose: str) -> ConsentPurpose | None:
        return next((c for c in self.consents if c.purpose == purpose), None)

    def effective_triggers(self) -> Triggers:
        """Defaults that respect the visitor: popups wait 60 s, slide-ins wait for 70% scroll."""
        t = self.triggers
        if any(v is not None for v in (t.delay_s, t.scroll_pct, t.inactivity_s, t.page_views,
                                       t.click_selector)):
            return t
        if self.mode == "popup":
            return t.model_copy(update={"delay_s": 60})
        if self.mode == "slidein":
            return t.model_copy(update={"scroll_pct": 70})
        return t


def _model_in(annotation) -> type[BaseModel] | None:
    """The model a field holds (``Texts``, ``list[ConsentPurpose]``, ``Texts | None``...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, typing.get_args(annotation)) if m), None)


def _known_keys(loc: tuple) -> list[str]:
    """The keys the config may have where the unknown key at ``loc`` is (for a hint)."""
    model: type[BaseModel] | None = FormSpec
    for part in loc[:-1]:
        if isinstance(part, int):  # an item of a list: the list's own model
            continue
        field = model.model_fields.get(part) if model else None
        model = _model_in(field.annotation) if field else None
    return [key for key in (model.model_fields if model else ()) if not (model is FormSpec and key == "id")]


def _got(value) -> str:
    """A config value as the marketer wrote it (JSON: 2.5, "5", true)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _describe(form_id: str, error: ValidationError) -> str:
    # A whole-form check names its key itself ("triggers: inline forms are always shown...").
    parts = [f"{where}: {message}" if where else message for where, message in error_items(error)]
    return f"PHONECAPTURE_FORMS[{form_id!r}] is invalid: " + "; ".join(parts)


def error_items(error: ValidationError, words=None) -> list[tuple[str, str]]:
    """Each problem of a form config as (key path, message): ("triggers.delay_s", "must be ≥ 0
    (got -5)"); the path is "" when a whole-form check names its key in the message itself.
    ``words(item, got)``: a message in another language for a pydantic error item, or None; the
    item also says ``suggest`` (the known key an unknown one is likely meant as, or None) and
    ``consent_text`` (the value is a consent's text)."""
    parts = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if p not in _UNION_TAGS)
        where = ".".join(str(p) for p in loc)
        close = (difflib.get_close_matches(str(loc[-1]), _known_keys(loc), n=1)
                 if item["type"] == "extra_forbidden" else [])
        item = {**item, "suggest": close[0] if close else None, "consent_text": _TEXT_ONE in item["loc"]}
        message = item["msg"]
        own = words(item, _got(item.get("input"))) if words else None
        if own:
            message = own
        elif item["type"] == "extra_forbidden":
            message = "unknown key" + (f"; did you mean {item['suggest']}?" if item["suggest"] else "")
        elif item["type"] == "string_type" and item["consent_text"]:
            message = 'must be a text, or one per language: {"ru": "...", "en": "..."}'
        elif item["type"] == "value_error":  # our own validators' text, without pydantic's prefix
            message = str(item["ctx"]["error"])
        elif item["type"] == "int_type":
            message = f"must be a whole number (got {_got(item['input'])})"
        elif item["type"] in ("greater_than_equal", "less_than_equal"):
            bound = item["ctx"].get("ge", item["ctx"].get("le"))
            sign = "≥" if item["type"] == "greater_than_equal" else "≤"
            message = f"must be {sign} {bound} (got {_got(item['input'])})"
        elif item["type"] == "bool_type":
            message = f"must be true or false (got {_got(item['input'])})"
        parts.append((where, message))
    return parts


def load_forms(value, root_path: str = ".") -> dict[str, FormSpec]:
    """Validate the whole ``PHONECAPTURE_FORMS`` value; raise ConfigError naming form and key."""
    if isinstance(value, (str, os.PathLike)):
        path = os.path.join(root_path, value)
        try:
            with open(path, encoding="utf-8") as handle:
                value = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"PHONECAPTURE_FORMS file {path!r} could not be read: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError("PHONECAPTURE_FORMS must be a dict {form_id: config} or a JSON file path")
    forms: dict[str, FormSpec] = {}
    for form_id, raw in value.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"PHONECAPTURE_FORMS[{form_id!r}] must be a dict")
        try:
            forms[form_id] = FormSpec(id=form_id, **raw)
        except ValidationError as exc:
            raise ConfigError(_describe(form_id, exc)) from None
        except TypeError as exc:  # e.g. an "id" key repeated in the body
            raise ConfigError(f"PHONECAPTURE_FORMS[{form_id!r}] is invalid: {exc}") from None
    return forms
