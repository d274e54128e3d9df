"""The public view of a form: what the widget needs to render it, and nothing else.

It travels with every page view that shows a form, so it is kept small: texts come
resolved for the form's locale (the bundle carries no text table), and display-rule
keys left at their defaults are omitted (the widget knows the same defaults).
"""
from __future__ import annotations

from flask import current_app

from .forms import FormSpec
from .texts import widget_texts


def country_templates(spec: FormSpec) -> list[dict]:
    try:
        from .masks import country_masks
    except ImportError:  # the widget's mask module is optional for the server
        return [{"region": r} for r in spec.allowed_regions]
    return country_masks(spec.allowed_regions, spec.effective_locale)


def _consent(c) -> dict:
    out = {"purpose": c.purpose, "text": c.text}
    if c.required:
        out["required"] = True
    if c.policy_url:
        out["policy_url"] = c.policy_url
    return out


def public_config(state, spec: FormSpec) -> dict:
    from .leads import issue_token

    out = {
        "id": spec.id,
        "version": spec.version,
        "mode": spec.mode,
        "locale": spec.effective_locale,
        "texts": widget_texts(spec),
        "default_region": spec.default_region,
        "countries": country_templates(spec),
        # The server records the consent wording's version itself (consent.py).
        "consents": [_consent(c) for c in spec.consents],
        "token": issue_token(state, spec.id),
        "min_fill_ms": current_app.config["PHONECAPTURE_MIN_FILL_MS"],
    }
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
            out[key] = value
    return out
