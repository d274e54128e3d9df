"""The code SMS text, from the ``otp`` template (see :mod:`.templates`). Kept short: Cyrillic
is UCS-2, 70 characters a segment."""
from __future__ import annotations

from flask import current_app, has_app_context

OTP = {
    "ru": "Код подтверждения: {code}{brand}",
    "en": "Your confirmation code: {code}{brand}",
}


def otp_text(locale: str, code: str, brand: str = "", webotp_host: str | None = None) -> str:
    templates = None
    if has_app_context():
        from .runtime import runtime

        templates = runtime(current_app).templates
    if templates is not None:
        text = templates.render("otp", locale, code=code, brand=brand).text
    else:
        text = OTP.get(locale, OTP["en"]).format(code=code, brand=f" ({brand})" if brand else "")
    if webotp_host:  # lets Chrome's WebOTP API fill the code in by itself; must be the last line
        text += f"\n\n@{webotp_host} #{code}"
    return text
