"""``flask phonecapture ...`` commands (registered through the flask.commands entry point)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .extension import get_state

cli = AppGroup("phonecapture", help="flask-phonecapture: database, worker, keys, reports.")


@cli.group("db")
def db_group():
    """The extension's own migrations (own version table)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision):
    """Create or upgrade the phonecapture_* tables."""
    from . import migrate

    migrate.upgrade(revision)
    click.echo(f"phonecapture tables at revision {migrate.current()}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Downgrade the phonecapture_* tables (use 'base' to drop them)."""
    from . import migrate

    migrate.downgrade(revision)
    click.echo(f"phonecapture tables at revision {migrate.current()}")


@db_group.command("current")
@with_appcontext
def db_current():
    from . import migrate

    click.echo(migrate.current() or "(none)")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Run until the queue is empty, then exit.")
@click.option("--fork/--no-fork", default=False,
              help="Fork a child per job (RQ's Worker) instead of running jobs in-process.")
@click.option("--no-scheduler", is_flag=True, help="Don't run RQ's scheduler for delayed jobs.")
@with_appcontext
def worker(burst, fork, no_scheduler):
    """Run an RQ worker (with the scheduler) on the extension's queue."""
    from redis import Redis

    url = current_app.config.get("PHONECAPTURE_REDIS_URL")
    if not url:
        raise click.ClickException("PHONECAPTURE_REDIS_URL is not set: without Redis, jobs run "
                                   "in-process and no worker is needed")
    state = get_state()
    state.db.engine.dispose(close=False)  # no pooled connection crosses into this process's jobs
    connection = Redis.from_url(url)
    try:  # an evicting Redis can silently drop queued jobs (the outbox row survives, but late)
        policy = connection.config_get("maxmemory-policy").get("maxmemory-policy")
    except Exception:  # noqa: BLE001 - managed Redis may forbid CONFIG
        policy = None
    if policy not in (None, "noeviction"):
        click.echo(f"warning: Redis maxmemory-policy is {policy}; use noeviction for the job queue",
                   err=True)
    connection.close()
    from .messaging.worker import run  # RQ worker + scheduler that outlives Redis outages

    run(state, redis_url=url, queue_name=current_app.config["PHONECAPTURE_QUEUE_NAME"], fork=fork,
        burst=burst, with_scheduler=not no_scheduler)


@cli.command("sweep")
@click.option("--older-than", type=int, default=None,
              help="Seconds a due row may wait (default: PHONECAPTURE_SWEEP_STALE_S).")
@with_appcontext
def sweep(older_than):
    """Re-enqueue outbox rows that no worker picked up; mark stuck sends unknown."""
    from .messaging.outbox import sweep as sweep_outbox

    count = sweep_outbox(get_state(), older_than_s=older_than)
    click.echo(f"re-enqueued {count} message(s)")


_PHONE_HELP = "PHONE may be '-': read from standard input (or a prompt that does not echo), out of ps and history."


@cli.command("erase", epilog=_PHONE_HELP)
@click.argument("phone")
@click.option("--region", default="RU", show_default=True, help="Region for a number without +.")
@click.option("--actor", required=True, help="Who erases, for the audit record (e.g. your e-mail).")
@click.option("--reason", default="request by letter", show_default=True)
@with_appcontext
def erase(phone, region, actor, reason):
    """Erase a number on a visitor's request received another way (a letter, a call)."""
    from .phone import mask_e164
    from .privacy import erase_number

    e164 = _e164(phone, region)
    count = erase_number(get_state(), e164, actor=actor, reason=reason)
    click.echo(f"erased {count} contact(s) of {mask_e164(e164)}")


def _e164(phone: str, region: str) -> str:
    """The typed number in E.164, or a usage error that says what is wrong with it."""
    from .phone import PhoneError, parse_phone

    try:
        return parse_phone(_phone_from_stdin(phone), region).e164
    except PhoneError as exc:
        raise click.UsageError(str(exc)) from None


def _phone_from_stdin(phone: str) -> str:
    """PHONE given as ``-``: the number comes from standard input (its first line), or from a
    prompt that does not echo when that is a terminal. A number typed on the command line stays in
    the shell's history and shows in ``ps`` to every user of the machine; this way it does not."""
    if phone != "-":
        return phone
    import sys

    stdin = sys.stdin
    if stdin.isatty():
        return click.prompt("Phone number", hide_input=True, err=True)
    line = stdin.readline(256).strip()
    if not line:
        raise click.UsageError("PHONE is '-' but standard input held no number")
    return line


def _nonblank(ctx, param, value):
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty")
    return value


@cli.command("export", epilog=_PHONE_HELP)
@click.argument("phone", required=False)
@click.option("--contact", "contact_id", help="Export one contact by id instead (an erased one has no number left).")
@click.option("--region", default="RU", show_default=True, help="Region for a number without +.")
@click.option("--actor", required=True, callback=_nonblank, help="Who exports, for the audit record.")
@click.option("--reason", required=True, callback=_nonblank, help="Why (the request's date or reference).")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the JSON here (mode 0600), not to stdout.")
@with_appcontext
def export(phone, contact_id, region, actor, reason, output):
    """Everything held about a number, as JSON to hand to the person (an access request). Audited."""
    import json
    import os

    from .subject_access import SubjectAccessError, export_contact, export_number

    if (phone is None) == (contact_id is None):
        raise click.UsageError("give either PHONE or --contact ID")
    e164 = _e164(phone, region) if phone is not None else None
    fd = None
    if output:  # opened before the export is audited: a bad path fails first
        try:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.fchmod(fd, 0o600)  # a file that was already there gets the mode too
        except OSError as exc:
            raise click.ClickException(f"can't write {output}: {exc.strerror}") from None
    try:
        if e164 is not None:
            document = export_number(get_state(), e164, actor=actor, reason=reason, origin="cli")
        else:
            document = export_contact(get_state(), contact_id, actor=actor, reason=reason, origin="cli")
    except BaseException as exc:
        if fd is not None:  # no half-made file left behind
            os.close(fd)
            os.unlink(output)
        if isinstance(exc, SubjectAccessError):
            raise click.ClickException(str(exc)) from None
        raise
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if fd is None:
        click.echo(text, nl=False)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    click.echo(f"wrote {len(document['contacts'])} contact(s) to {output}", err=True)


@cli.command("reveal")
@click.argument("contact_id")
@click.option("--actor", required=True, callback=_nonblank, help="Who asks, for the audit record.")
@click.option("--reason", required=True, callback=_nonblank, help="Why the full number is needed.")
@with_appcontext
def reveal(contact_id, actor, reason):
    """Print one contact's full number (to call back). Audited before it is shown."""
    from .subject_access import SubjectAccessError, reveal as reveal_number

    try:
        click.echo(reveal_number(get_state(), contact_id, actor=actor, reason=reason, origin="cli"))
    except SubjectAccessError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command("retention")
@with_appcontext
def retention():
    """Erase the numbers kept past PHONECAPTURE_UNVERIFIED_RETENTION_DAYS / _RETENTION_DAYS
    (the sweep job does it too, where RQ's scheduler runs)."""
    from .privacy import sweep_retention

    total = 0
    while True:  # in batches, each its own transaction
        count = sweep_retention(get_state())
        total += count
        if not count:
            break
    click.echo(f"erased {total} contact(s) past their retention")


@cli.group("keys")
def keys_group():
    """Encryption and index keys."""


@keys_group.command("generate")
@click.option("--kid", default="k1", show_default=True, help="Key id for the new encryption key.")
def keys_generate(kid):
    """Print fresh PHONECAPTURE_KEYS and PHONECAPTURE_INDEX_KEY values (keep them out of the DB)."""
    from .crypto import new_key

    click.echo(f"PHONECAPTURE_KEYS={kid}:{new_key()}")
    click.echo(f"PHONECAPTURE_INDEX_KEY={new_key()}")


@keys_group.command("status")
@with_appcontext
def keys_status():
    """Count the stored values under each key id: is an old key still needed?"""
    from collections import Counter

    from .keyrotation import key_usage

    ring = [kid for kid, _ in get_state().keyring.keys]
    primary, totals = ring[0], Counter()
    for name, counts in key_usage(get_state()).items():
        totals.update(counts)
        click.echo(f"{name}: " + (", ".join(f"{kid} {n}" for kid, n in sorted(counts.items())) or "empty"))
    unknown = sorted(set(totals) - set(ring))
    if unknown:
        click.echo("not in PHONECAPTURE_KEYS, so not decryptable: "
                   + ", ".join(f"{kid} ({totals[kid]} values)" for kid in unknown))
    click.echo(f"{primary} (primary): {totals[primary]} values")
    for kid in ring[1:]:
        if totals[kid]:
            click.echo(f"{kid}: {totals[kid]} values left — run `flask phonecapture keys rotate`")
        else:
            click.echo(f"{kid}: 0 values left — it can be removed from PHONECAPTURE_KEYS")
    others = sum(n for kid, n in totals.items() if kid != primary)
    click.echo(f"{others} values under keys other than the primary {primary}" if others
               else f"every value is under the primary key {primary}")


def _actor_or_login(actor: str | None) -> str:
    """Who runs a key command, for the audit record: --actor, else the OS user."""
    if actor is not None:
        return actor
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


_BATCH = dict(type=click.IntRange(min=1), default=500, show_default=True)
_ACTOR = dict(default=None, callback=_nonblank, help="Who rotates, for the audit record (default: the OS user).")


@keys_group.command("rotate")
@click.option("--batch-size", help="Values re-encrypted per transaction.", **_BATCH)
@click.option("--actor", **_ACTOR)
@with_appcontext
def keys_rotate(batch_size, actor):
    """Re-encrypt every stored value under the first key of PHONECAPTURE_KEYS, in batches, while
    the app runs; safe to stop and run again."""
    from .keyrotation import rotate

    actor = _actor_or_login(actor)

    def progress(col):
        click.echo(f"{col.name}: {col.rotated} rotated, {col.skipped} skipped, "
                   f"{len(col.failures)} failed ({col.seconds:.1f} s)")

    result = rotate(get_state(), actor=actor, batch_size=batch_size, progress=progress)
    for failure in result.failures:  # where, never what: the value itself stays unread
        click.echo(f"left as it is: {failure.table}.{failure.column} row {failure.row_id}: "
                   f"{failure.reason}", err=True)
    rate = result.rotated / result.seconds if result.seconds else 0.0
    click.echo(f"now under {result.primary}: {result.rotated} rotated, {result.skipped} skipped "
               f"(changed meanwhile), {len(result.failures)} failed, {result.seconds:.1f} s "
               f"({rate:.0f} rows/s); `flask phonecapture keys status` shows what is left")
    if result.failures:
        raise click.ClickException(f"{len(result.failures)} value(s) could not be decrypted and "
                                   "were left as they are")


@keys_group.command("rotate-index")
@click.option("--batch-size", help="Contacts re-indexed per transaction.", **_BATCH)
@click.option("--actor", **_ACTOR)
@with_appcontext
def keys_rotate_index(batch_size, actor):
    """After PHONECAPTURE_INDEX_KEY was replaced (the old one listed in PHONECAPTURE_OLD_INDEX_KEYS):
    re-index every number held under the new key, in batches, while the app runs."""
    from .indexrotation import rotate_index

    actor = _actor_or_login(actor)
    try:
        r = rotate_index(get_state(), actor=actor, batch_size=batch_size)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"contacts: {r.contacts} re-indexed, {r.current} already under the current key, "
               f"{r.skipped} skipped (changed meanwhile), {r.failed} not decryptable ({r.seconds:.1f} s)")
    click.echo(f"their erasure requests and STOP/START/HELP records: {r.linked} re-indexed; "
               f"suppressions copied under the current key: {r.suppressions}")
    if r.unheld:
        click.echo(f"{r.unheld} suppression row(s) belong to numbers not held (a STOP from a number that "
                   "never signed up, or one made under the new key): keep the old key in "
                   "PHONECAPTURE_OLD_INDEX_KEYS while STOPs made before the switch must hold")
    else:
        click.echo("every number held is under the current key, and so is every suppression: "
                   "PHONECAPTURE_OLD_INDEX_KEYS can be emptied once codes, forms and links sent "
                   "before the switch no longer matter (codes live PHONECAPTURE_CODE_TTL)")
    if r.failed:
        raise click.ClickException(f"{r.failed} number(s) could not be decrypted and were left as they are")


@cli.group("conversion")
def conversion_group():
    """Conversions (orders, sales, calls) tied to leads, for the source report."""


@conversion_group.command("add")
@click.option("--submission", "submission_id", help="The submission the conversion belongs to.")
@click.option("--phone", help="Or the customer's number: its latest verified submission (else its latest); "
                              "'-' reads it from standard input (or a prompt that does not echo).")
@click.option("--region", default="RU", show_default=True, help="Region for a --phone without +.")
@click.option("--kind", default="order", show_default=True, help="order, sale, call, meeting or your own [a-z0-9_].")
@click.option("--value", help="What it was worth, e.g. 1990.00 (needs --currency).")
@click.option("--currency", help="ISO 4217 code of --value, e.g. RUB.")
@click.option("--external-id", help="Your id for it (an order number): the same kind and id twice is one conversion.")
@click.option("--occurred-at", help="When it happened, ISO 8601 with a time zone (default: now).")
@with_appcontext
def conversion_add(submission_id, phone, region, kind, value, currency, external_id, occurred_at):
    """Record a conversion by submission id or by the customer's number (never printed)."""
    from datetime import datetime

    from .conversions import ConversionError, record

    if (submission_id is None) == (phone is None):
        raise click.UsageError("give either --submission ID or --phone PHONE")
    when = None
    if occurred_at is not None:
        try:
            when = datetime.fromisoformat(occurred_at)
        except ValueError:
            raise click.BadParameter("use ISO 8601 with a time zone, e.g. 2026-03-01T12:30:00+03:00",
                                     param_hint="'--occurred-at'") from None
    try:
        conversion, made = record(get_state(), submission_id=submission_id, region=region, kind=kind,
                                  phone=None if phone is None else _phone_from_stdin(phone), value=value,
                                  currency=currency, external_id=external_id, occurred_at=when)
    except ConversionError as exc:
        raise click.UsageError(str(exc)) from None
    worth = f", {conversion.value:.2f} {conversion.currency}" if conversion.value is not None else ""
    what = f"{conversion.kind}{worth}" + (f", external id {conversion.external_id}" if conversion.external_id else "")
    if made:
        click.echo(f"recorded conversion {conversion.id} ({what}) for submission {conversion.submission_id}")
    else:
        click.echo(f"already recorded: conversion {conversion.id} ({what}) for submission "
                   f"{conversion.submission_id}; nothing changed")


@cli.command("report")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="The last N UTC days, today included (default 30).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day, YYYY-MM-DD (UTC).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day, YYYY-MM-DD, included.")
@click.option("--form", "form_id", default=None, help="One form only.")
@click.option("--by", type=click.Choice(["utm_source", "utm_medium", "utm_campaign", "form"]),
              default="utm_source", show_default=True)
@click.option("--first-touch", is_flag=True,
              help="Attribute submissions to the first visit's utm_source (with --by utm_source).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@with_appcontext
def report(days, since, until, form_id, by, first_touch, fmt):
    """Which sources bring verified numbers and sales: impressions, opens, submissions, verified,
    conversions and their value per currency, per source."""
    from datetime import timedelta

    from . import report_output
    from .models import utcnow
    from .reports import ReportError, source_report

    if days is not None and (since or until):
        raise click.UsageError("give either --days or --since/--until")
    if (since is None) != (until is None):
        raise click.UsageError("give both --since and --until")
    if since is None:
        until = utcnow().date()
        try:
            since = until - timedelta(days=(days or 30) - 1)
        except OverflowError:
            raise click.UsageError("--days reaches back before the year 1") from None
    else:
        since, until = since.date(), until.date()
    state = get_state()
    if form_id is not None and form_id not in state.forms:
        raise click.UsageError(f"there is no form {form_id!r} in PHONECAPTURE_FORMS")
    try:
        rows = source_report(state, since=since, until=until, form_id=form_id, by=by, first_touch=first_touch)
    except ReportError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "csv":
        click.echo(report_output.to_csv(rows), nl=False)
    elif fmt == "json":
        click.echo(report_output.to_json(rows, since=since, until=until, by=by, form_id=form_id,
                                         first_touch=first_touch))
    else:
        click.echo(report_output.to_table(rows, since=since, until=until, by=by, first_touch=first_touch), nl=False)


from .forms_cli import forms_group  # noqa: E402  (forms edited in the admin)

cli.add_command(forms_group)
