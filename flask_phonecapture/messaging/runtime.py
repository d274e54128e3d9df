"""Per-app messaging state that is not configuration: compiled templates, parsed sequences,
in-memory fallback counters. Lives in ``app.extensions["phonecapture.messaging"]`` so one
process can hold several apps (factories, tests) without them sharing anything.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

KEY = "phonecapture.messaging"


@dataclass
class Runtime:
    templates: Any = None                     # templates.TemplateSet
    sequences: dict = field(default_factory=dict)   # name -> sequences.Sequence
    memory: dict = field(default_factory=dict)      # counters when Redis is absent or down
    lock: threading.Lock = field(default_factory=threading.Lock)
    redis_down_until: float = 0.0             # skip Redis for a moment after it failed
    sweep_checked_at: float = 0.0
    retention_at: float | None = None         # last retention pass of the sweep job
    enqueue_failed: bool = False              # the queue was unreachable at the last try
    pause_cache: tuple | None = None          # (monotonic time, paused-until) seen last


def runtime(app: Flask | None = None) -> Runtime:
    app = app or current_app
    rt = app.extensions.get(KEY)
    if rt is None:
        rt = app.extensions.setdefault(KEY, Runtime())
    return rt


def namespace(config) -> str:
    """Prefix of every Redis key the messaging package writes (tests use a unique queue name)."""
    return f"phonecapture:{config['PHONECAPTURE_QUEUE_NAME']}"
