"""Messaging: SMS providers, outbox jobs, receipts, STOP and unsubscribe links, templates,
sequences, quiet hours and anti-pumping. ``setup`` is called by ``init_app``; the two
``leads`` hooks are :func:`check_code_send` and :func:`on_verified` / :func:`after_verified`.
"""
from __future__ import annotations


def setup(app, state, prefix: str) -> None:
    """Compile templates and sequences (fail at start-up), register the hook/link views."""
    from . import sequences, templates
    from .antipump import parse_limits
    from .hooks import hooks_bp
    from .runtime import runtime

    rt = runtime(app)
    rt.templates = templates.load(app.config, sequences.marketing_templates(app.config))
    rt.sequences = sequences.load(app.config, rt.templates)
    try:
        parse_limits(app.config["PHONECAPTURE_PUMP_LIMITS"])
    except ValueError as exc:
        raise RuntimeError(str(exc)) from None
    app.register_blueprint(hooks_bp, url_prefix=prefix)
    csrf = app.extensions.get("csrf")
    if csrf is not None:  # providers can't send a CSRF token; links carry a signed token
        csrf.exempt(hooks_bp)


def check_code_send(state, *, e164: str | None = None, contact_id: str | None = None,
                    region: str = "", ip_prefix: str | None = None) -> None:
    """Anti-pumping check before a code is queued; raises LeadError (429/403)."""
    from .antipump import check_code_send as check

    if e164 is None:
        from ..contacts import decrypt_e164
        from ..models import Contact

        contact = state.db.session.get(Contact, contact_id)
        e164, region = decrypt_e164(state, contact), region or contact.region
    check(state, e164=e164, region=region, ip_prefix=ip_prefix)


def on_verified(state, submission) -> list:
    """In the verifying transaction: write the steps of ``trigger: verified`` sequences."""
    from .sequences import start_on_verified

    return start_on_verified(state, submission)


def after_verified(state, submission, rows: list) -> None:
    """After commit: send what is due now, wake the rest later; count the prefix healthy."""
    from ..contacts import decrypt_e164
    from .antipump import record_verified
    from .outbox import schedule_wakeups

    schedule_wakeups(state, rows)
    try:
        record_verified(state, decrypt_e164(state, submission.contact))
    except Exception:  # noqa: BLE001 - health bookkeeping must never fail a verification
        pass
