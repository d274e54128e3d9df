"""Console provider: prints each SMS on one line, for the demo and tests.

The number is masked; the body is printed because the demo visitor reads the
code from the terminal.
"""
from __future__ import annotations

import sys
import uuid

from ...phone import mask_e164
from .base import SendResult, SmsProvider


class ConsoleProvider(SmsProvider):
    name = "console"
    per_message_callback = False

    def send(self, to_e164, body, *, idempotency_key, status_callback=None):
        one_line = " | ".join(part for part in body.splitlines() if part.strip())
        line = f"[phonecapture sms] {mask_e164(to_e164)} {one_line}"
        print(line, file=sys.stdout, flush=True)
        return SendResult(provider_id=f"console-{uuid.uuid4().hex[:12]}", status="delivered")
