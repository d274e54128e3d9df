"""Named breakers stored in the database: ``paused`` (provider out of credit) holds every
send until its time runs out. The database, not Redis, holds them, so a Redis restart
cannot silently resume a paused account.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from ..models import Switch, utcnow

PAUSED = "paused"


def set_switch(state, name: str, seconds: float, reason: str = "") -> datetime:
    """Hold ``name`` for ``seconds`` from now; commits on its own connection."""
    until = utcnow() + timedelta(seconds=seconds)
    with state.db.engine.begin() as conn:
        conn.execute(delete(Switch.__table__).where(Switch.__table__.c.name == name))
        conn.execute(insert(Switch.__table__).values(name=name, until=until, reason=reason[:255],
                                                     updated_at=utcnow()))
    return until


def active_until(state, name: str) -> datetime | None:
    """When ``name`` stops holding, or None when it does not hold now."""
    until = state.db.session.execute(
        select(Switch.until).where(Switch.name == name, Switch.until > utcnow())).scalar()
    return until


def clear(state, name: str) -> None:
    with state.db.engine.begin() as conn:
        conn.execute(delete(Switch.__table__).where(Switch.__table__.c.name == name))
