"""The one interface every SMS provider implements.

A provider turns (recipient, body) into a provider message id, or raises one of
the three errors below so the job knows whether to retry, give up, or pause.
Providers never log or put the recipient number in exception messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


class ProviderError(Exception):
    """Base class; ``reason`` is a short machine code, the message is human text."""

    def __init__(self, message: str, *, reason: str = "error", status_code: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code


class RetryableError(ProviderError):
    """Timeouts, 5xx, 429: try again later with backoff.

    ``retry_after`` (seconds) is honoured when the provider said it.
    """

    def __init__(self, message: str, *, reason: str = "retryable", status_code: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, reason=reason, status_code=status_code)
        self.retry_after = retry_after


class PermanentError(ProviderError):
    """Invalid number, opted-out number, rejected content: never retry."""


class OutOfCreditError(ProviderError):
    """The account cannot pay: pause sending and alert instead of burning retries."""


@dataclass(frozen=True)
class SendResult:
    provider_id: str                  # the provider's message id (for receipts and lookups)
    status: str = "sent"              # "sent" | "delivered" (console delivers at once)
    raw: Mapping[str, Any] = field(default_factory=dict)  # provider answer, without the number


class SmsProvider:
    """Subclass and implement :meth:`send`. ``name`` selects it in ``PHONECAPTURE_SMS_PROVIDER``."""

    name = "base"
    #: True when the provider de-duplicates on ``idempotency_key``: after an ambiguous
    #: failure (timeout, lost answer) the message may then be sent again safely.
    idempotent = False
    #: True when a status callback URL can be given per message (Twilio, SMS Aero, http)
    per_message_callback = True

    def __init__(self, config: Mapping[str, Any]):
        self.config = config

    def send(self, to_e164: str, body: str, *, idempotency_key: str,
             status_callback: str | None = None) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def lookup(self, provider_id: str) -> str | None:
        """Current status of a sent message, or None where the provider has no lookup."""
        return None
