"""Which version of each form is live: the newest one saved in the admin, else the app config.

``state.forms`` is a :class:`FormRegistry`, a read-only ``Mapping`` {form_id: FormSpec} like the
dict it replaces, so every reader (API, no-JS pages, CLI, reports) sees the live versions.

- ``PHONECAPTURE_FORMS`` is the seed and the fallback: a form it defines whose saved version no
  longer validates (an upgrade tightened a rule) is served from the config, with an error in the
  log. A marketer may also create a form in the admin (:func:`create`): its rows carry
  ``config_version`` :data:`CREATED`, and it lives on its saved versions alone (one that no
  longer validates is left out, with the error in the log). Rows of an id the config dropped,
  and not created in the admin, are ignored: a developer removing a form removes it.
- Several processes: each keeps what it read for ``PHONECAPTURE_FORMS_CACHE_S`` seconds, then
  asks the database for ``max(id), count(*)`` of the version table (rows are only ever added),
  and reads the live rows again only when that changed. A save in this process is seen at once.
- The version a visitor saw travels in the submit token (``leads.issue_token``); :meth:`seen`
  finds it again, so a form edited between showing and submitting neither refuses the
  submission nor records the new version or consent wording in place of what was shown.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from flask import current_app, has_app_context
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .forms import FormSpec, without_ignored
from .models import FormVersion, utcnow

log = logging.getLogger("flask_phonecapture")
_versions = FormVersion.__table__
#: Characters of ``FormSpec.version`` a submit token carries (leads.issue_token).
TAG_LEN = 8
#: ``config_version`` of every row of a form created in the admin: there is no app config to name.
CREATED = "admin"


def config_of(spec: FormSpec) -> dict:
    """A validated form as the JSON the admin shows and stores: what was set, without its id."""
    return spec.model_dump(mode="json", exclude_unset=True, exclude={"id"})


def parse(form_id: str, config: dict) -> FormSpec:
    """Validate a config with the start-up schema; raises ValidationError (or TypeError)."""
    return FormSpec(id=form_id, **config)


class LiveRow(NamedTuple):
    """The saved version a form is live from (``FormRegistry.live_row``)."""

    number: int
    actor: str
    at: datetime
    from_config: bool       # "back to the app config"
    config_version: str     # the app config's FormSpec.version when it was saved


@dataclass(frozen=True)
class _Snapshot:
    checked: float           # time.monotonic() of the last look at the table
    marker: tuple | None     # (max id, count) seen then
    live: dict               # {form_id: FormSpec}
    rows: dict               # {form_id: LiveRow}


class FormExists(Exception):
    """The id asked for a new form is taken (the app config's, or created a moment ago)."""


class StaleEdit(Exception):
    """Someone saved the form since the editor was opened: ``number`` is the version now live."""

    def __init__(self, number: int):
        super().__init__(f"version {number} was saved in the meantime")
        self.number = number


class FormRegistry(Mapping):
    """{form_id: live FormSpec}; ``base`` is the validated app config."""

    def __init__(self, base: dict[str, FormSpec], db):
        self.base = dict(base)
        self._db = db
        self._snap = _Snapshot(float("-inf"), None, dict(base), {})
        self._parsed: dict[int, FormSpec | None] = {}          # by row id: rows never change
        self._seen: dict[tuple[str, str], FormSpec] = {(f, s.version[:TAG_LEN]): s for f, s in base.items()}
        self._missing: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # -- Mapping ---------------------------------------------------------------
    def __getitem__(self, form_id: str) -> FormSpec:
        return self.live()[form_id]

    def __iter__(self):  # the app config's forms in its order, then those created in the admin
        return iter(self.live())

    def __len__(self) -> int:
        return len(self.live())

    def __contains__(self, form_id) -> bool:  # the config's without a look at the table
        return form_id in self.base or form_id in self.live()

    def created(self, form_id: str) -> bool:
        """The form was created in the admin (no app config behind it)."""
        return form_id not in self.base and form_id in self.live()

    def __setitem__(self, form_id: str, spec: FormSpec) -> None:
        """Replace a form of the app config in this process (as assigning into the plain dict
        did); a version saved in the admin still wins over it."""
        self.base[form_id] = spec
        self._seen[(form_id, spec.version[:TAG_LEN])] = spec
        snap = self._snap
        self._snap = _Snapshot(float("-inf"), None, {**snap.live, form_id: spec}, snap.rows)

    # -- live versions ---------------------------------------------------------
    def live(self, fresh: bool = False) -> dict[str, FormSpec]:
        """The live specs; read again from the table once the cache window is over (``fresh``:
        now). While one thread reads, the others serve the last snapshot."""
        return self._snapshot(fresh).live

    def live_row(self, form_id: str, fresh: bool = False):
        """The form's live saved version (:class:`LiveRow`); None when it was never edited."""
        return self._snapshot(fresh).rows.get(form_id)

    def invalidate(self) -> None:
        snap = self._snap
        self._snap = _Snapshot(float("-inf"), None, snap.live, snap.rows)

    def _snapshot(self, fresh: bool) -> _Snapshot:
        snap = self._snap
        if not has_app_context():  # no database to ask: what this process knows
            return snap
        ttl = current_app.config["PHONECAPTURE_FORMS_CACHE_S"]
        if not fresh and time.monotonic() - snap.checked < ttl:
            return snap
        if not self._lock.acquire(blocking=fresh):
            return snap
        try:
            self._snap = self._refresh(self._snap)
            return self._snap
        finally:
            self._lock.release()

    def _refresh(self, snap: _Snapshot) -> _Snapshot:
        now = time.monotonic()
        session = self._db.session
        try:
            with session.begin_nested():  # a missing table must not spoil the caller's transaction
                marker = tuple(session.execute(select(func.max(_versions.c.id), func.count())
                                               .select_from(_versions)).one())
                if marker == snap.marker:
                    return _Snapshot(now, marker, snap.live, snap.rows)
                newest = select(func.max(_versions.c.id)).group_by(_versions.c.form_id)
                rows = session.execute(select(_versions).where(_versions.c.id.in_(newest))
                                       .order_by(_versions.c.form_id)).all()
        except SQLAlchemyError as exc:
            # No table yet (migrations not run) or the database is away: the last known versions.
            log.warning("phonecapture: edited forms could not be read (%s); serving the last known "
                        "versions", type(exc).__name__)
            return _Snapshot(now, snap.marker, snap.live, snap.rows)
        live, meta = dict(self.base), {}
        for row in rows:
            created = row.form_id not in self.base
            if created and (row.config_version != CREATED or row.config is None):
                continue  # a form the app config no longer defines
            spec = self._spec_of(row) if row.config is not None else None
            if created and spec is None:
                continue  # (logged by _spec_of)
            meta[row.form_id] = LiveRow(row.number, row.actor, row.created_at, row.config is None,
                                        row.config_version)
            if spec is not None:
                live[row.form_id] = spec
        return _Snapshot(now, marker, live, meta)

    def _spec_of(self, row) -> FormSpec | None:
        if row.id not in self._parsed:
            try:
                spec = parse(row.form_id, row.config)
            except (ValidationError, TypeError) as exc:
                log.error("phonecapture: saved version %s of form %r no longer validates (%s); %s",
                          row.number, row.form_id, str(exc).splitlines()[0],
                          "serving PHONECAPTURE_FORMS for it" if row.form_id in self.base
                          else "the form is not served until a valid version is saved")
                spec = None
            self._parsed[row.id] = spec
            if spec is not None:
                self._seen[(row.form_id, spec.version[:TAG_LEN])] = spec
        return self._parsed[row.id]

    # -- the version a visitor saw -------------------------------------------
    def seen(self, form_id: str, tag: str | None) -> FormSpec | None:
        """The version of ``form_id`` whose ``FormSpec.version`` starts with ``tag`` (from a
        submit token), else the live one; None for a form the config does not define."""
        live = self.get(form_id)
        if live is None or not tag or live.version.startswith(tag):
            return live
        key = (form_id, tag)
        if key not in self._seen and key not in self._missing:
            try:
                with self._db.session.begin_nested():
                    rows = self._db.session.execute(
                        select(_versions).where(_versions.c.form_id == form_id, _versions.c.config.is_not(None))
                        .order_by(_versions.c.id.desc())).all()
            except SQLAlchemyError:
                rows = []
            for row in rows:
                self._spec_of(row)
            if key not in self._seen:
                if len(self._missing) > 1000:
                    self._missing.clear()
                self._missing.add(key)
        return self._seen.get(key, live)


# -- saving ----------------------------------------------------------------------
def history(state, form_id: str) -> list:
    """Every saved version of a form, newest first (rows of the version table)."""
    return state.db.session.execute(select(FormVersion).where(FormVersion.form_id == form_id)
                                    .order_by(FormVersion.number.desc())).scalars().all()


def current_number(state, form_id: str) -> int:
    """The number of the form's newest saved version; 0 while it is as in the app config."""
    return state.db.session.execute(select(func.max(FormVersion.number))
                                    .where(FormVersion.form_id == form_id)).scalar() or 0


def save(state, form_id: str, spec: FormSpec | None, *, base: int, actor: str, role: str, note: str,
         origin: str = "") -> FormVersion:
    """Make ``spec`` (None: the app config's) the live version of ``form_id``, as version
    ``base + 1``; raise :class:`StaleEdit` when ``base`` is not the newest number any more.
    Stores each consent wording it shows (a new text version when the wording changed), writes
    the ``config_change`` audit record, and commits."""
    from . import consent
    from .netutil import scrub
    from .privacy import audit

    session = state.db.session
    now_live = current_number(state, form_id)
    if now_live != base:
        session.rollback()
        raise StaleEdit(now_live)
    seed = state.forms.base.get(form_id)
    if spec is None and seed is None:
        raise ValueError(f"form {form_id!r} was created in the admin: there is no app config to go back to")
    shown = spec or seed
    note = scrub(note.strip(), 500, shown.default_region) or ""
    row = FormVersion(form_id=form_id, number=base + 1, config=None if spec is None else config_of(spec),
                      spec_version=shown.version, config_version=CREATED if seed is None else seed.version,
                      created_at=utcnow(), actor=scrub(actor, 128) or "",
                      note=note)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same number saved by someone else a moment ago
        session.rollback()
        raise StaleEdit(current_number(state, form_id)) from None
    for lang in shown.languages:
        consent.ensure_texts(state, shown, lang)
    audit(state, action="config_change", target=form_id, actor=actor, role=role, origin=origin,
          reason=f"v{row.number}" + (" (app config)" if spec is None else "") + f": {note}")
    session.commit()
    state.forms.invalidate()
    return row


def paused_copy(source: FormSpec, form_id: str, mode: str) -> FormSpec:
    """A new form ``form_id``: ``source``'s settings and consent wording in ``mode``, off (the
    keys that mode ignores dropped). Raises ValidationError for a bad id."""
    return parse(form_id, without_ignored({**config_of(source), "mode": mode, "active": False}))


def create(state, spec: FormSpec, *, actor: str, role: str, note: str, origin: str = "") -> FormVersion:
    """Save ``spec`` as version 1 of a new form ``spec.id``; raise :class:`FormExists` when the
    id is the app config's or already has versions (two creations of one id: one lands)."""
    form_id = spec.id
    if form_id in state.forms.base or current_number(state, form_id):
        raise FormExists(form_id)
    try:
        return save(state, form_id, spec, base=0, actor=actor, role=role, note=note, origin=origin)
    except StaleEdit:
        raise FormExists(form_id) from None
