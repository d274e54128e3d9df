"""The public view of a form: what the widget needs to render it, and nothing else.

It travels with every page view that shows a form, so it is kept small: texts come
resolved for the form's locale (the bundle carries no text table), and display-rule
keys left at their defaults are omitted (the widget knows the same defaults).
"""
from __future__ import annotations

from flask import current_app, request

from .forms import FormSpec
from .masks import country_masks
from .texts import UI, WIDGET_KEYS, widget_texts


def country_templates(spec: FormSpec, locale: str | None = None) -> list[dict]:
    """Mask templates of the allowed regions. With one region there is no country list (no
    name) and no sibling region to tell apart (no leading digits)."""
    out = country_masks(spec.allowed_regions, locale or spec.effective_locale)
    if len(out) == 1:
        out[0].pop("n")
        out[0].pop("d", None)
    return out


def locale_for(spec: FormSpec, lang: str | None) -> str:
    """The form's own locale, else the page's ``<html lang>`` (the widget sends it as
    ``?lang=``; a template drawing the form passes it) when it is a built-in one, else the one
    derived from the default region."""
    if spec.locale:
        return spec.locale
    lang = (lang or "")[:2].lower()
    return lang if lang in UI else spec.effective_locale


#: One-letter keys of the display rules in the public config (the widget's types.ts; the form
#: config keeps the long names). Theme keys stay: the widget uses their first letter.
RULE_KEYS = {
    "triggers": {"match": "m", "delay_s": "d", "scroll_pct": "s", "inactivity_s": "i",
                 "page_views": "v", "click_selector": "c"},
    "targeting": {"include": "i", "exclude": "x", "device": "d", "utm": "u", "referrer": "r",
                  "visitor": "v"},
    "frequency": {"after_close_days": "c", "after_submit_days": "s", "once_per_session": "o"},
    "exit_intent": {"arm_delay_s": "a", "sensitivity_px": "s", "mobile_scroll_up_px": "u",
                    "mobile_visibility": "v"},
}


def _consent(c, locale: str) -> dict:
    """Short keys: p purpose, t text (the wording for ``locale``), r required (only when true),
    u policy URL (only an http(s) URL or a path: the widget links it as is)."""
    out = {"p": c.purpose, "t": c.text_for(locale)}
    if c.required:
        out["r"] = True
    if c.safe_policy_url:
        out["u"] = c.safe_policy_url
    return out


def public_config(state, spec: FormSpec) -> dict:
    from .leads import issue_token

    locale = locale_for(spec, request.args.get("lang"))
    out = {
        "id": spec.id,
        "mode": spec.mode,
        "lang": locale,  # the widget marks its form with it (screen readers' voice)
        "texts": {WIDGET_KEYS[k]: v for k, v in widget_texts(spec, locale).items()},
        "countries": country_templates(spec, locale),
        # The server records the consent wording's version itself (consent.py).
        "consents": [_consent(c, locale) for c in spec.consents],
        "token": issue_token(state, spec, locale),
        "min_fill_ms": current_app.config["PHONECAPTURE_MIN_FILL_MS"],
    }
    if len(out["countries"]) > 1:  # else the one country is the default
        out["default_region"] = spec.default_region
    if spec.fields.get("name", "off") != "off":
        out["fields"] = dict(spec.fields)
    rules = {"triggers": spec.effective_triggers(), "targeting": spec.targeting,
             "frequency": spec.frequency, "exit_intent": spec.exit_intent, "theme": spec.theme}
    if spec.mode == "inline":  # shown where placed, at once, every time
        rules = {"theme": spec.theme}
    elif spec.mode != "exit_intent":
        del rules["exit_intent"]
    for key, model in rules.items():
        value = model.model_dump(exclude_defaults=True, exclude_none=True)
        if value:
            short = RULE_KEYS.get(key, {})
            out[key] = {short.get(k, k): v for k, v in value.items()}
    return out
