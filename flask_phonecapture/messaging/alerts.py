"""Operational alerts: a log line at ERROR and the ``sms_alert`` blinker signal.

``sms_alert(app, kind=..., message=..., **details)``; kinds: ``out_of_credit`` (sending
paused), ``budget`` (daily SMS budget reached, code sends stopped), ``prefix_blocked``
(a number prefix whose codes are not being verified was blocked). Details never hold a
phone number.
"""
from __future__ import annotations

import logging

from blinker import Namespace
from flask import current_app

log = logging.getLogger("flask_phonecapture")
_signals = Namespace()

sms_alert = _signals.signal("phonecapture.sms-alert")


def alert(kind: str, message: str, **details) -> None:
    log.error("phonecapture alert [%s]: %s", kind, message)
    try:
        sms_alert.send(current_app._get_current_object(), kind=kind, message=message, **details)
    except Exception:  # noqa: BLE001 - a broken receiver must not stop the sender
        log.exception("phonecapture: an sms_alert receiver failed")
