"""``flask phonecapture forms ...``: which forms run on a version saved in the admin, and handing a
form back to ``PHONECAPTURE_FORMS`` when the admin pages can't be used (registered by cli.py)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import formstore
from .extension import get_state


@click.group("forms")
def forms_group():
    """Forms edited or created in /admin/forms: list them, hand one back to the app config."""


def _nonblank(ctx, param, value):
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty")
    return value


@forms_group.command("list")
@with_appcontext
def list_forms():
    """Each form (PHONECAPTURE_FORMS', then those created in the admin) with the version the site shows."""
    state = get_state()
    live = state.forms.live(fresh=True)
    for form_id in sorted(state.forms):
        row = state.forms.live_row(form_id)
        if row is None or row.from_config:
            where = "app config" + (f" (since version {row.number}, {row.actor})" if row else "")
        else:
            where = f"version {row.number}, saved by {row.actor} at {row.at:%Y-%m-%d %H:%M} UTC"
            seed = state.forms.base.get(form_id)
            if seed is None:
                where += "; created in the admin"
            elif row.config_version and row.config_version != seed.version:
                where += "; the app config changed since"
        click.echo(f"{form_id}\t{live[form_id].mode}\t{'on' if live[form_id].active else 'off'}\t{where}")


@forms_group.command("use-config")
@click.argument("form_id")
@click.option("--actor", required=True, callback=_nonblank, help="Who, for the history and the audit record.")
@click.option("--note", required=True, callback=_nonblank, help="Why (shown in the form's history).")
@with_appcontext
def use_config(form_id, actor, note):
    """Show FORM_ID as PHONECAPTURE_FORMS defines it again (a new version; the saved ones stay)."""
    state = get_state()
    if form_id not in state.forms.base:
        raise click.UsageError(f"there is no form {form_id!r} in PHONECAPTURE_FORMS"
                               + (" (it was created in the admin: switch it off there)" if form_id in state.forms else ""))
    row = state.forms.live_row(form_id, fresh=True)
    if row is None or row.from_config:
        click.echo(f"{form_id} already shows the app config")
        return
    saved = formstore.save(state, form_id, None, base=formstore.current_number(state, form_id), actor=actor,
                           role="cli", note=note, origin="cli")
    click.echo(f"{form_id}: version {saved.number} shows the app config")
