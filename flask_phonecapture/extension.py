"""The ``PhoneCapture`` extension object and its per-app state."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask, current_app
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from . import config as cfg
from .crypto import Keyring, load_keyring
from .forms import FormSpec, load_forms
from .formstore import FormRegistry

log = logging.getLogger("flask_phonecapture")


@dataclass
class State:
    """Everything one app needs; lives in ``app.extensions["phonecapture"]``."""

    extension: "PhoneCapture"
    db: Any
    keyring: Keyring
    demo_keys: bool
    forms: "FormRegistry"  # a Mapping {form_id: live FormSpec} (formstore.py)
    queue: Any
    limiter: Any
    _provider: Any = None
    _redis: Any = None
    known_consent_texts: set = field(default_factory=set)

    @property
    def config(self):
        return current_app.config

    @property
    def provider(self):
        if self._provider is None:
            from .messaging.providers import load_provider

            self._provider = load_provider(current_app.config["PHONECAPTURE_SMS_PROVIDER"],
                                           current_app.config)
        return self._provider

    @property
    def redis(self):
        """A Redis client when PHONECAPTURE_REDIS_URL is set, else None."""
        url = current_app.config.get("PHONECAPTURE_REDIS_URL")
        if url and self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        return self._redis


def get_state(app: Flask | None = None) -> State:
    app = app or current_app
    try:
        return app.extensions["phonecapture"]
    except KeyError:
        raise RuntimeError("PhoneCapture is not registered on this app; call "
                           "PhoneCapture(app, db=db) or init_app(app)") from None


class PhoneCapture:
    """Collect, verify and store phone numbers with consent.

    ``PhoneCapture(app, db=db)`` or ``PhoneCapture(db=db).init_app(app)``. One instance
    can serve several apps: all per-app state lives in ``app.extensions``.
    """

    def __init__(self, app: Flask | None = None, *, db=None):
        self.db = db
        self._role_loader: Callable[[], set[str]] = lambda: set()
        self._actor_loader: Callable[[], str | None] | None = None
        if app is not None:
            self.init_app(app)

    def role_loader(self, fn: Callable[[], set[str]]) -> Callable[[], set[str]]:
        """Register the function returning the current user's roles (admin, marketer, ...)."""
        self._role_loader = fn
        return fn

    def current_roles(self) -> set[str]:
        """The role_loader's answer as a set of role names. A single name counts as one role (not
        as its letters), and a mapping such as ``{"admin": False}`` grants only the roles it maps
        to a true value (not every key)."""
        roles = self._role_loader() or ()
        if isinstance(roles, str):
            return {roles}
        if isinstance(roles, Mapping):
            return {role for role, granted in roles.items() if granted}
        return set(roles)

    def actor_loader(self, fn: Callable[[], str | None]) -> Callable[[], str | None]:
        """Register the function naming the current staff member for the audit log (e.g. their
        e-mail). Without one, a number shown on the Leads page is recorded as ``role:<role>@<ip>``."""
        self._actor_loader = fn
        return fn

    def current_actor(self) -> str | None:
        """The actor_loader's answer, stripped; None without a loader or for a blank answer."""
        actor = self._actor_loader() if self._actor_loader is not None else None
        return str(actor).strip() or None if actor else None

    def init_app(self, app: Flask, *, db=None) -> "PhoneCapture":
        """Register on ``app``.

        Reads every key in :data:`flask_phonecapture.config.DEFAULTS` (all
        ``PHONECAPTURE_*``): forms, keys, Redis URL, SMS provider, code lifetime and
        limits, body size, CORS origins. Unknown ``PHONECAPTURE_*`` keys raise
        :class:`~flask_phonecapture.config.ConfigError`; so does a production
        deployment without real keys, Redis and secure cookies.
        """
        if "phonecapture" in app.extensions:
            raise RuntimeError("PhoneCapture is already registered on this app")
        db = db or self.db
        if db is None:
            raise RuntimeError("PhoneCapture needs a Flask-SQLAlchemy instance: PhoneCapture(app, db=db)")

        cfg.apply_defaults(app.config)
        cfg.check_known(app.config)
        cfg.check_rate_limits(app.config)
        if app.config["PHONECAPTURE_ENV"] not in ("development", "production"):
            raise cfg.ConfigError("PHONECAPTURE_ENV must be 'development' or 'production'")
        if app.config["PHONECAPTURE_ENV"] == "production":
            problems = cfg.production_problems(app.config)
            if problems:
                raise cfg.ConfigError("refusing to start in production: " + "; ".join(problems))

        keyring, demo_keys = load_keyring(app.config, app.instance_path)
        forms = FormRegistry(load_forms(app.config["PHONECAPTURE_FORMS"], app.root_path), db)

        from .messaging.queue import make_queue
        from .ratelimit import make_limiter

        state = State(extension=self, db=db, keyring=keyring, demo_keys=demo_keys, forms=forms,
                      queue=make_queue(app.config), limiter=None)
        app.extensions["phonecapture"] = state
        # Fail at start-up, not at the first SMS, when the provider is misconfigured.
        with app.app_context():
            state.provider  # noqa: B018

        from .api import api_bp
        from .pages import pages_bp
        from .public import public_bp

        prefix = app.config["PHONECAPTURE_URL_PREFIX"].rstrip("/")
        app.register_blueprint(public_bp, url_prefix=prefix)
        app.register_blueprint(api_bp, url_prefix=prefix + "/api/v1")
        app.register_blueprint(pages_bp, url_prefix=prefix)
        from .privacy_pages import privacy_bp

        app.register_blueprint(privacy_bp, url_prefix=prefix)  # /privacy/erase
        from .admin import admin_bp
        from .admin_forms import admin_forms_bp
        from .admin_leads import leads_bp

        # staff only, each page its own roles from the host app's role_loader
        app.register_blueprint(admin_bp, url_prefix=prefix + "/admin")  # /admin/sources
        app.register_blueprint(leads_bp, url_prefix=prefix + "/admin")  # /admin/leads: managers
        app.register_blueprint(admin_forms_bp, url_prefix=prefix + "/admin/forms")  # marketers edit forms
        from .messaging import setup as setup_messaging

        setup_messaging(app, state, prefix)  # templates, sequences, /hooks/..., /u/<token>
        state.limiter = make_limiter(app)

        # 404/405 raised by routing never reach blueprint handlers: answer JSON for API paths,
        # and keep the staff pages' no-store.
        from .api import routing_error_handler

        app.register_error_handler(HTTPException, routing_error_handler(prefix + "/api/", prefix + "/admin/"))

        csrf = app.extensions.get("csrf")
        if csrf is not None:  # the host app's CSRFProtect must not block the token-protected API
            csrf.exempt(api_bp)

        from .cli import cli

        app.cli.add_command(cli)  # also reachable without the installed entry point
        app.jinja_env.globals["phonecapture_form"] = _render_form
        app.jinja_env.globals["phonecapture_widget"] = _render_widget_tag
        app.jinja_env.globals["phonecapture_inline"] = _render_inline
        return self

    # -- host-app helpers -------------------------------------------------
    def form(self, form_id: str) -> FormSpec:
        return get_state().forms[form_id]

    def schedule(self, contact, sequence: str, at) -> list[str]:
        """Start ``sequence`` (a ``PHONECAPTURE_SEQUENCES`` entry) for ``contact`` (a Contact or
        its id) around ``at`` (an aware or UTC datetime), e.g. a reminder a day before a visit.
        Steps without their consent are skipped. Commits; returns the outbox message ids."""
        from .messaging.sequences import schedule

        return schedule(get_state(), getattr(contact, "id", contact), sequence, at)

    def record_conversion(self, submission_id: str, kind: str = "order", value=None, currency=None,
                          external_id=None, occurred_at=None):
        """Tie an order, sale, call or meeting to the submission ``submission_id`` for the source
        report. ``value`` (a Decimal, int or "1990.00"; not negative, 2 decimals at most) needs an
        ISO 4217 ``currency``; ``occurred_at`` must be aware (default now). The same ``(kind,
        external_id)`` twice returns the first row and changes nothing. Commits; sends
        ``conversion_recorded`` for a new row. Bad input raises ``ValueError``
        (:class:`~flask_phonecapture.conversions.ConversionError`) saying which argument."""
        from .conversions import record_conversion

        return record_conversion(get_state(), submission_id, kind=kind, value=value, currency=currency,
                                 external_id=external_id, occurred_at=occurred_at)

    def record_conversion_for_phone(self, phone: str, kind: str = "order", value=None, currency=None,
                                    external_id=None, occurred_at=None, region: str = "RU"):
        """As :meth:`record_conversion`, for the lead that left ``phone`` (e.g. the number on an
        order): its latest verified submission made by ``occurred_at``, else its latest submission.
        The number is only looked up (blind index), never stored or logged."""
        from .conversions import record_conversion_for_phone

        return record_conversion_for_phone(get_state(), phone, kind=kind, value=value, currency=currency,
                                           external_id=external_id, occurred_at=occurred_at, region=region)


def _render_form(form_id: str, **kwargs) -> Markup:
    from .pages import render_form_snippet

    return Markup(render_form_snippet(form_id, **kwargs))


def _render_inline(form_id: str, tag: str = "div", **attrs) -> Markup:
    from .pages import render_inline_snippet

    return Markup(render_inline_snippet(form_id, tag, **attrs))


#: Modes that show themselves by their rules, with no place in the page: ``*`` in
#: ``phonecapture_widget()`` lists every active form of these.
AUTOMATIC_MODES = frozenset({"popup", "slidein", "exit_intent", "button"})


def _render_widget_tag(form_ids: str = "*", nonce: str | None = None) -> Markup:
    """The widget's script tag for ``form_ids`` (comma-separated). ``*`` stands for every active
    popup, slide-in, exit-intent and button form, those created in the admin included, so a base
    template with ``{{ phonecapture_widget() }}`` shows a new form without a deploy; with no form
    to list there is no tag at all."""
    from flask import g, url_for

    from markupsafe import escape

    ids: list[str] = []
    for form_id in (i.strip() for i in form_ids.split(",")):
        if form_id == "*":
            ids += [i for i, spec in get_state().forms.live().items() if spec.active and spec.mode in AUTOMATIC_MODES]
        elif form_id:
            ids.append(form_id)
    form_ids = ",".join(dict.fromkeys(ids))
    if not form_ids:
        return Markup("")
    nonce = nonce or getattr(g, "csp_nonce", None)
    src = url_for("phonecapture_public.widget_js")
    api = src.rsplit("/", 1)[0] + "/api/v1"
    nonce_attr = f' nonce="{escape(nonce)}"' if nonce else ""
    return Markup(f'<script src="{escape(src)}" data-form="{escape(form_ids)}" '
                  f'data-api="{escape(api)}"{nonce_attr} async></script>')
