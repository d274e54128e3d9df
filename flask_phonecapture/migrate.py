"""Run the extension's Alembic migrations against the host app's database.

Uses its own version table, so the host app's own migrations are untouched.
"""
from __future__ import annotations

import os

from alembic import command
from alembic.config import Config

from .extension import get_state

SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), "migrations")


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def _run(fn, *args, **kwargs):
    engine = get_state().db.engine
    with engine.begin() as connection:
        fn(_config(connection), *args, **kwargs)


def upgrade(revision: str = "head") -> None:
    _run(command.upgrade, revision)


def downgrade(revision: str) -> None:
    _run(command.downgrade, revision)


def current() -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_state().db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": "phonecapture_alembic_version"})
        return context.get_current_revision()


def autogenerate(message: str) -> None:
    """Developer helper: write a new revision from the difference between models and database."""
    _run(command.revision, message=message, autogenerate=True)
