"""SMS providers, selected by ``PHONECAPTURE_SMS_PROVIDER``; each loads only when used."""
from __future__ import annotations

import importlib
from typing import Any, Mapping

from .base import (OutOfCreditError, PermanentError, ProviderError, RetryableError, SendResult,
                   SmsProvider)

#: provider name -> "module:Class", imported lazily so unused providers cost nothing
PROVIDERS = {
    "console": "flask_phonecapture.messaging.providers.console:ConsoleProvider",
    "twilio": "flask_phonecapture.messaging.providers.twilio:TwilioProvider",
    "smsaero": "flask_phonecapture.messaging.providers.smsaero:SmsAeroProvider",
    "smsru": "flask_phonecapture.messaging.providers.smsru:SmsRuProvider",
    "http": "flask_phonecapture.messaging.providers.http:HttpProvider",
}


def load_provider(name: str, config: Mapping[str, Any]) -> SmsProvider:
    """Build the provider called ``name``; a dotted "module:Class" path also works."""
    target = PROVIDERS.get(name, name)
    if ":" not in target:
        raise RuntimeError(
            f"PHONECAPTURE_SMS_PROVIDER={name!r} is unknown; choose one of {sorted(PROVIDERS)} "
            "or give 'package.module:ClassName'")
    module_name, class_name = target.split(":", 1)
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(config)


__all__ = ["PROVIDERS", "load_provider", "SmsProvider", "SendResult", "ProviderError",
           "RetryableError", "PermanentError", "OutOfCreditError"]
