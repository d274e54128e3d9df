"""SMS templates: sandboxed Jinja per name (otp, erase_code, confirmation, followup, marketing, reminder,
help, stop_confirm, or any name a sequence uses) and locale (ru, en).

Built-in texts below; ``PHONECAPTURE_SMS_TEMPLATES = {name: {locale: text}}`` overrides or
adds. Every template is compiled at start-up in a :class:`SandboxedEnvironment`, may use only
the variables in :data:`VARIABLES`, and is rendered once with long sample values: a text
over ``PHONECAPTURE_SMS_MAX_SEGMENTS`` segments (GSM-7 160/153, UCS-2 70/67, Cyrillic is
UCS-2) stops the app with an error naming the template. Marketing templates must contain
``{{ link }}`` (the unsubscribe link).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from . import segments

LOCALES = ("ru", "en")
#: variables a template may use; each is always passed ("" when there is no value)
VARIABLES = frozenset({"name", "code", "brand", "link", "form", "offer", "host", "date"})

BUILTIN: dict[str, dict[str, str]] = {
    "otp": {
        "ru": "Код подтверждения: {{ code }}{% if brand %} ({{ brand }}){% endif %}",
        "en": "Your confirmation code: {{ code }}{% if brand %} ({{ brand }}){% endif %}",
    },
    "erase_code": {
        "ru": "Код для удаления номера: {{ code }}{% if brand %} ({{ brand }}){% endif %}",
        "en": "Code to erase your number: {{ code }}{% if brand %} ({{ brand }}){% endif %}",
    },
    "confirmation": {
        "ru": "{% if name %}{{ name }}, з{% else %}З{% endif %}аявка принята. Менеджер перезвонит "
              "в течение 15 минут.{% if brand %} {{ brand }}{% endif %}",
        "en": "{% if name %}{{ name }}, y{% else %}Y{% endif %}our request is received. A manager "
              "will call you within 15 minutes.{% if brand %} {{ brand }}{% endif %}",
    },
    "followup": {
        "ru": "{% if name %}{{ name }}, м{% else %}М{% endif %}ы связались с вами по заявке? "
              "Если нет, ответьте на это SMS.{% if brand %} {{ brand }}{% endif %}",
        "en": "{% if name %}{{ name }}, d{% else %}D{% endif %}id we reach you about your request? "
              "If not, reply to this SMS.{% if brand %} {{ brand }}{% endif %}",
    },
    "marketing": {
        "ru": "{{ brand }}: {{ offer }} Отписка: {{ link }}",
        "en": "{{ brand }}: {{ offer }} Unsubscribe: {{ link }}",
    },
    "reminder": {
        "ru": "Напоминание: {{ date }}.{% if brand %} {{ brand }}{% endif %}",
        "en": "Reminder: {{ date }}.{% if brand %} {{ brand }}{% endif %}",
    },
    "help": {
        "ru": "{{ brand or 'Уведомления' }}: SMS по вашей заявке. Отписаться: ответьте СТОП.",
        "en": "{{ brand or 'Notifications' }}: SMS about your request. Reply STOP to unsubscribe.",
    },
    "stop_confirm": {
        "ru": "Вы отписаны от рекламных SMS{% if brand %} {{ brand }}{% endif %}. Больше их не будет.",
        "en": "You are unsubscribed from marketing SMS{% if brand %} from {{ brand }}{% endif %}. "
              "No more will be sent.",
    },
}

#: long but plausible values for the start-up length check
SAMPLE = {"name": "Александра-Мария", "code": "000000", "offer": "",
          "link": "https://shop.example.com/phonecapture/u/" + "A" * 32, "form": "callback",
          "host": "shop.example.com", "date": "31.12.2026 18:30"}


class TemplateConfigError(RuntimeError):
    """A template is invalid or too long; raised at start-up."""


@dataclass(frozen=True)
class Rendered:
    text: str
    info: segments.SegmentInfo

    @property
    def segments(self) -> int:
        return self.info.segments


class TemplateSet:
    def __init__(self, config: Mapping[str, Any]):
        self.env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined,
                                        keep_trailing_newline=False)
        self.max_segments = int(config.get("PHONECAPTURE_SMS_MAX_SEGMENTS") or 0)
        self.brand = config.get("PHONECAPTURE_BRAND") or ""
        sources: dict[str, dict[str, str]] = {k: dict(v) for k, v in BUILTIN.items()}
        extra = config.get("PHONECAPTURE_SMS_TEMPLATES") or {}
        if not isinstance(extra, Mapping):
            raise TemplateConfigError("PHONECAPTURE_SMS_TEMPLATES must be {name: {locale: text}}")
        for name, by_locale in extra.items():
            if not isinstance(by_locale, Mapping):
                raise TemplateConfigError(f"PHONECAPTURE_SMS_TEMPLATES[{name!r}] must be "
                                          "{locale: text}")
            sources.setdefault(name, {}).update(by_locale)
        self.sources = sources
        self.compiled = {}
        for name, by_locale in sources.items():
            for locale, text in by_locale.items():
                self.compiled[(name, locale)] = self._compile(name, locale, text)

    def _compile(self, name: str, locale: str, text: str):
        where = f"SMS template {name!r} ({locale})"
        if not isinstance(text, str) or not text.strip():
            raise TemplateConfigError(f"{where} is empty")
        try:
            unknown = meta.find_undeclared_variables(self.env.parse(text)) - VARIABLES
            template = self.env.from_string(text)
        except TemplateError as exc:
            raise TemplateConfigError(f"{where} is not valid Jinja: {exc}") from None
        if unknown:
            raise TemplateConfigError(f"{where} uses unknown variable(s) {sorted(unknown)}; "
                                      f"allowed: {sorted(VARIABLES)}")
        return template

    def check(self, name: str, locale: str, *, needs_link: bool = False,
              sample: Mapping[str, str] | None = None) -> Rendered:
        """Render with sample values; raise when too long or (marketing) without the link."""
        where = f"SMS template {name!r} ({locale})"
        if needs_link and "link" not in meta.find_undeclared_variables(
                self.env.parse(self.source(name, locale))):
            raise TemplateConfigError(f"{where} is used for marketing and must contain "
                                      "{{ link }} (the unsubscribe link)")
        rendered = self.render(name, locale, **{**SAMPLE, **(sample or {})})
        if self.max_segments and rendered.segments > self.max_segments:
            info = rendered.info
            raise TemplateConfigError(
                f"{where} renders to {info.segments} SMS segments ({info.encoding}, {info.units} "
                f"units; sample values) - more than PHONECAPTURE_SMS_MAX_SEGMENTS="
                f"{self.max_segments}" + (f"; characters forcing UCS-2: "
                                          f"{''.join(segments.non_gsm7_chars(rendered.text))[:20]}"
                                          if info.encoding != segments.GSM7 else ""))
        return rendered

    def source(self, name: str, locale: str) -> str:
        by_locale = self.sources.get(name)
        if not by_locale:
            raise KeyError(f"no SMS template named {name!r}")
        return by_locale.get(locale) or by_locale.get("en") or next(iter(by_locale.values()))

    def has(self, name: str) -> bool:
        return name in self.sources

    def render(self, template: str, locale: str, /, **variables: Any) -> Rendered:
        """Render ``template`` in ``locale`` (falling back to en); variables not given are ""."""
        name = template
        by_locale = self.sources.get(name)
        if not by_locale:
            raise KeyError(f"no SMS template named {name!r}")
        if locale not in by_locale:
            locale = "en" if "en" in by_locale else next(iter(by_locale))
        values = {v: "" for v in VARIABLES}
        values["brand"] = self.brand
        values.update({k: ("" if v is None else v) for k, v in variables.items() if k in VARIABLES})
        text = self.compiled[(name, locale)].render(**values).strip()
        return Rendered(text, segments.segment_info(text))


def load(config: Mapping[str, Any], used_for_marketing: set[str] = frozenset()) -> TemplateSet:
    """Compile and check every template (called by init_app)."""
    templates = TemplateSet(config)
    for (name, locale) in templates.compiled:
        templates.check(name, locale, needs_link=name in used_for_marketing)
    return templates
