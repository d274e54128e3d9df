"""SMS texts the core sends (the code). Kept short: Cyrillic is UCS-2, 70 characters a segment."""
from __future__ import annotations

OTP = {
    "ru": "Код подтверждения: {code}{brand}",
    "en": "Your confirmation code: {code}{brand}",
}


def otp_text(locale: str, code: str, brand: str = "", webotp_host: str | None = None) -> str:
    text = OTP.get(locale, OTP["en"]).format(code=code, brand=f" ({brand})" if brand else "")
    if webotp_host:  # lets Chrome's WebOTP API fill the code in by itself
        text += f"\n\n@{webotp_host} #{code}"
    return text
