"""``flask phonecapture forms ...``: which forms run on a version saved in the admin, creating one
as a paused copy (as the admin's "New form" does), and handing a form back to
``PHONECAPTURE_FORMS`` when the admin pages can't be used (registered by cli.py)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from pydantic import ValidationError

from . import formstore
from .extension import get_state
from .forms import error_items


@click.group("forms")
def forms_group():
    """Forms edited or created in /admin/forms: list them, create one, hand one back to the app config."""


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


@forms_group.command("create")
@click.argument("form_id")
@click.option("--from", "source", required=True, help="The form whose settings and consent texts it starts from.")
@click.option("--mode", type=click.Choice(["popup", "inline", "slidein", "exit_intent", "button"]),
              help="Its display mode (default: the copied form's).")
@click.option("--actor", required=True, callback=_nonblank, help="Who, for the history and the audit record.")
@with_appcontext
def create_form(form_id, source, mode, actor):
    """Create FORM_ID as a copy of another form, off: switch it on in /admin/forms (or with the JSON
    editor there) once its texts and rules are written."""
    state = get_state()
    if source not in state.forms:
        raise click.UsageError(f"there is no form {source!r} to start from")
    copied = state.forms.live(fresh=True)[source]
    try:
        spec = formstore.paused_copy(copied, form_id, mode or copied.mode)
    except ValidationError as exc:
        raise click.UsageError("; ".join(f"{where}: {message}" if where else message
                                         for where, message in error_items(exc))) from None
    try:
        formstore.create(state, spec, actor=actor, role="cli", origin="cli",
                         note=f"Created as a copy of “{source}”, off")
    except formstore.FormExists:
        raise click.UsageError(f"{form_id!r} is taken (a form has or had this id)") from None
    click.echo(f"{form_id}: created as version 1 ({spec.mode}, off), a copy of {source}")
