"""Alembic environment for the extension's own tables (version table phonecapture_alembic_version)."""
from alembic import context

from flask_phonecapture.models import metadata

VERSION_TABLE = "phonecapture_alembic_version"


def include_object(obj, name, type_, reflected, compare_to):
    # Never touch the host app's tables.
    if type_ == "table":
        return name.startswith("phonecapture_")
    return True


def run_migrations_online():
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                      include_object=include_object, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
