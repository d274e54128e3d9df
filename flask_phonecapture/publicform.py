"""The public view of a form: what the widget needs to render it, and nothing else."""
from __future__ import annotations

from flask import current_app

from .forms import FormSpec


def country_templates(spec: FormSpec) -> list[dict]:
    try:
        from .masks import country_masks
    except ImportError:  # the widget's mask module is optional for the server
        return [{"region": r} for r in spec.allowed_regions]
    return country_masks(spec.allowed_regions, spec.effective_locale)


def public_config(state, spec: FormSpec) -> dict:
    from .leads import issue_token

    locale = spec.effective_locale
    return {
        "id": spec.id,
        "version": spec.version,
        "mode": spec.mode,
        "locale": locale,
        "texts": spec.texts.model_dump(exclude_none=True),
        "fields": dict(spec.fields),
        "default_region": spec.default_region,
        "countries": country_templates(spec),
        "consents": [{"purpose": c.purpose, "text": c.text, "required": c.required,
                      "policy_url": c.policy_url, "text_version": c.text_version(locale)}
                     for c in spec.consents],
        "triggers": spec.effective_triggers().model_dump(),
        "targeting": spec.targeting.model_dump(),
        "frequency": spec.frequency.model_dump(),
        "exit_intent": spec.exit_intent.model_dump(),
        "theme": spec.theme.model_dump(),
        "token": issue_token(state, spec.id),
        "min_fill_ms": current_app.config["PHONECAPTURE_MIN_FILL_MS"],
    }
