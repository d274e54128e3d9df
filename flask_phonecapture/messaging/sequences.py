"""Sequences: messages that follow a verification (a confirmation, follow-ups) or a date the
host app gives (a reminder), defined in ``PHONECAPTURE_SEQUENCES``::

    PHONECAPTURE_SEQUENCES = {
        "welcome": {"trigger": "verified", "forms": ["callback"],
                    "quiet_hours": "09:00-21:00", "timezone": None,
                    "steps": [
                        {"template": "confirmation", "after": "0s", "purpose": "service_sms"},
                        {"template": "followup", "after": "1d", "purpose": "marketing_sms"},
                    ]},
        "visit": {"trigger": "manual",
                  "steps": [{"template": "reminder", "before": "1d", "purpose": "service_sms"}]},
    }

Every step is an outbox row written when the sequence starts, with ``not_before`` as its
schedule: the database is the schedule, RQ's scheduler only wakes the job, and the sweeper
sends any due row whose wake-up was lost. A step is skipped without its consent purpose
(checked when the sequence starts and again when it is sent); withdrawal and erasure cancel
what is pending. ``followup`` and ``marketing`` steps keep quiet hours in the recipient's
local time; ``confirmation`` and ``reminder`` are transactional and exempt.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone
from typing import Literal

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select

from ..models import Consent, Message, Submission, utcnow
from . import quiet_hours

log = logging.getLogger("flask_phonecapture")

KINDS = ("confirmation", "followup", "marketing", "reminder")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value) -> int:
    """``90``, ``"90s"``, ``"15m"``, ``"2h"``, ``"3d"`` -> seconds."""
    if isinstance(value, int) and value >= 0:
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like '90s', '15m', '2h' or '3d'")
    return int(match.group(1)) * _UNITS[match.group(2)]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str
    purpose: str
    kind: Literal["confirmation", "followup", "marketing", "reminder"] | None = None
    after: int | None = None
    before: int | None = None
    offer: str = ""

    @field_validator("after", "before", mode="before")
    @classmethod
    def _duration(cls, value):
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _defaults(self):
        if self.kind is None:
            self.kind = self.template if self.template in KINDS else "followup"
        if self.after is not None and self.before is not None:
            raise ValueError("a step has 'after' or 'before', not both")
        if self.after is None and self.before is None:
            self.after = 0
        return self

    def due(self, anchor: datetime) -> datetime:
        return anchor - timedelta(seconds=self.before) if self.before is not None \
            else anchor + timedelta(seconds=self.after or 0)


class Sequence(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    trigger: Literal["verified", "manual"] = "manual"
    forms: list[str] = Field(default_factory=list)
    quiet_hours: str | None = None
    timezone: str | None = None
    steps: list[Step]

    @field_validator("quiet_hours")
    @classmethod
    def _window(cls, value):
        if value is not None:
            quiet_hours.parse_window(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value):
        if value is not None and quiet_hours._zone(value) is None:
            raise ValueError(f"unknown time zone {value!r}")
        return value


def load(config, templates) -> dict[str, Sequence]:
    """Validate ``PHONECAPTURE_SEQUENCES`` at start-up; every step's template is checked too."""
    raw = config.get("PHONECAPTURE_SEQUENCES") or {}
    quiet_hours.parse_window(config.get("PHONECAPTURE_QUIET_HOURS"))
    out = {}
    for name, spec in raw.items():
        try:
            seq = Sequence.model_validate({**spec, "name": name})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RuntimeError(f"PHONECAPTURE_SEQUENCES[{name!r}] is invalid: {where}: "
                               f"{first['msg']}") from None
        for i, step in enumerate(seq.steps):
            if step.kind == "marketing" and not config.get("PHONECAPTURE_PUBLIC_URL"):
                raise RuntimeError(f"PHONECAPTURE_SEQUENCES[{name!r}] step {i} is marketing: set "
                                   "PHONECAPTURE_PUBLIC_URL so it can carry the unsubscribe link")
            if not templates.has(step.template):
                raise RuntimeError(f"PHONECAPTURE_SEQUENCES[{name!r}] step {i}: no SMS template "
                                   f"named {step.template!r}")
            for locale in templates.sources[step.template]:
                templates.check(step.template, locale, needs_link=step.kind == "marketing",
                                sample={"offer": step.offer} if step.offer else None)
        out[name] = seq
    return out


def _sequences() -> dict[str, Sequence]:
    from .runtime import runtime

    return runtime().sequences


def marketing_templates(config) -> set[str]:
    return {step.get("template") for spec in (config.get("PHONECAPTURE_SEQUENCES") or {}).values()
            for step in spec.get("steps", []) if step.get("kind") == "marketing"}


# ------------------------------------------------------------------------ starting

def _granted(state, contact_id: str) -> set[str]:
    """Purposes whose latest record is granted, confirmed and not withdrawn."""
    rows = state.db.session.execute(
        select(Consent.purpose, Consent.granted, Consent.confirmed_at, Consent.withdrawn_at)
        .where(Consent.contact_id == contact_id).order_by(Consent.given_at)).all()
    latest = {}
    for row in rows:
        latest[row.purpose] = row
    return {p for p, r in latest.items() if r.granted and r.confirmed_at and not r.withdrawn_at}


def _add_steps(state, seq: Sequence, *, contact_id: str, submission, anchor: datetime,
               key: str, extra: dict) -> list[tuple[str, datetime]]:
    from .links import unsubscribe_url
    from .outbox import add_message
    from .runtime import runtime

    session = state.db.session
    granted = _granted(state, contact_id)
    now = utcnow()
    locale = (submission.locale if submission is not None else "") or "en"
    name = ""
    if submission is not None and submission.name_enc:
        name = state.keyring.decrypt(submission.name_enc,
                                     f"phonecapture_submission.name_enc.{submission.id}")
    link = unsubscribe_url(state, contact_id)
    templates = runtime().templates
    rows = []
    for i, step in enumerate(seq.steps):
        if step.purpose not in granted:
            continue  # no consent for what this step is for: it is skipped
        due = step.due(anchor)
        if step.before is not None and anchor <= now:
            continue  # a reminder for a date already past
        idem = f"seq-{seq.name}-{i}-{key}"
        if session.execute(select(Message.id).where(Message.idempotency_key == idem)).first():
            continue  # this sequence already started for this anchor
        text = templates.render(step.template, locale, name=name, link=link or "",
                                offer=step.offer,
                                form=submission.form_id if submission is not None else "",
                                **extra).text
        message = add_message(state, contact_id=contact_id, kind=step.kind, body=text,
                              template=step.template,
                              submission_id=submission.id if submission is not None else None,
                              idempotency_key=idem, not_before=max(due, now), sequence=seq.name,
                              step=i, purpose=step.purpose, locale=locale)
        rows.append((message.id, max(due, now)))
    return rows


def start_on_verified(state, submission) -> list[tuple[str, datetime]]:
    """Add the steps of every ``trigger: verified`` sequence (in the caller's transaction).

    Returns (message id, due) pairs for :func:`outbox.schedule_wakeups` after commit.
    """
    rows = []
    for seq in _sequences().values():
        if seq.trigger != "verified" or (seq.forms and submission.form_id not in seq.forms):
            continue
        anchor = submission.verified_at or utcnow()
        rows += _add_steps(state, seq, contact_id=submission.contact_id, submission=submission,
                           anchor=anchor, key=submission.id, extra={})
    return rows


def schedule(state, contact_id: str, name: str, at: datetime) -> list[str]:
    """Start sequence ``name`` for a contact around ``at`` (UTC); commits; returns message ids."""
    seq = _sequences().get(name)
    if seq is None:
        raise KeyError(f"no sequence named {name!r} in PHONECAPTURE_SEQUENCES")
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    session = state.db.session
    submission = session.execute(select(Submission).where(Submission.contact_id == contact_id)
                                 .order_by(Submission.created_at.desc()).limit(1)).scalar()
    rows = _add_steps(state, seq, contact_id=contact_id, submission=submission, anchor=at,
                      key=f"{contact_id}-{int(at.replace(tzinfo=timezone.utc).timestamp())}",
                      extra={"date": f"{at:%d.%m.%Y %H:%M}"})
    session.commit()
    from .outbox import schedule_wakeups

    schedule_wakeups(state, rows)
    return [mid for mid, _ in rows]


# -------------------------------------------------------------------- quiet hours

def next_send_time(state, sequence_name: str | None, e164: str, now: datetime) -> datetime:
    """When a follow-up/marketing message to ``e164`` may go out (naive UTC, >= now).

    Whose local time: the sequence's ``timezone`` when set (the site owner knows the
    audience); else the number's zone; for numbers in several zones (Russian mobiles:
    UTC+2..+12) only the hours that are daytime in *every* zone (for Russia about
    10:00-12:00 Moscow time), so nobody is woken up. Deferred, never dropped.
    """
    seq = _sequences().get(sequence_name or "")
    window = (seq.quiet_hours if seq and seq.quiet_hours else None) or \
        current_app.config["PHONECAPTURE_QUIET_HOURS"]
    aware = now.replace(tzinfo=timezone.utc)
    if seq is not None and seq.timezone:
        allowed = quiet_hours.next_allowed_in_zones([seq.timezone], aware, window)
    else:
        allowed = quiet_hours.next_allowed(e164, aware, window)
    return allowed.astimezone(timezone.utc).replace(tzinfo=None)
