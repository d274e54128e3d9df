"""Per-IP request limits through flask-limiter (Redis storage when Redis is configured).

One Limiter per app, so apps built by a factory in one process never share counters.
Per-number limits (code sends per hour, resend cooldown) are enforced from the
database in :mod:`flask_phonecapture.verification`: they must hold across IPs.
"""
from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter

from .netutil import client_ip


def _key() -> str:
    return client_ip(request, current_app.config.get("PHONECAPTURE_TRUST_PROXY", False)) or "unknown"


def _actor_key() -> str:
    """The staff member (the host app's actor_loader), else the IP. The actor goes in hashed: an
    app whose staff sign in with their phone number must not leave it in Redis keys."""
    from .extension import get_state

    actor = get_state().extension.current_actor()
    if actor is None:
        return "actor:" + _key()
    return "actor:" + hashlib.sha256(actor.encode(errors="surrogatepass")).hexdigest()[:32]


def make_limiter(app: Flask) -> Limiter:
    redis_url = app.config.get("PHONECAPTURE_REDIS_URL")
    limiter = Limiter(
        key_func=_key,
        storage_uri=redis_url or "memory://",
        key_prefix=f"phonecapture:{app.config['PHONECAPTURE_QUEUE_NAME']}",
        strategy="moving-window",
        # Header injection costs a storage round trip on every request; Retry-After on a
        # 429 is computed from the limit that was hit instead (see api._http_error).
        headers_enabled=False,
        # Redis down must not turn into 500s for visitors: fall back to memory counters.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if redis_url else {},
    )
    limiter.init_app(app)
    submit_limit = lambda: current_app.config["PHONECAPTURE_RATELIMIT_SUBMIT"]  # noqa: E731
    verify_limit = lambda: current_app.config["PHONECAPTURE_RATELIMIT_VERIFY"]  # noqa: E731
    # Decorated limits are checked by the wrapper flask-limiter returns, so the app's own
    # view functions are swapped for wrapped ones (per app: the blueprint stays untouched).
    # Shared scopes: one budget per IP for submissions (API and no-JS page) and one for code
    # checks and resends, so guesses can't be spread over the endpoints for more tries.
    for endpoint, limit, scope, methods in (
        ("phonecapture_api.create_submission", submit_limit, "submit", ["POST"]),
        ("phonecapture_api.verify_submission", verify_limit, "code", None),
        ("phonecapture_api.resend_code", verify_limit, "code", None),
        ("phonecapture_pages.form_page", submit_limit, "submit", ["POST"]),
        ("phonecapture_pages.verify_page", verify_limit, "code", ["POST"]),
        ("phonecapture_pages.resend_page", verify_limit, "code", None),
        ("phonecapture_privacy.erase_start", submit_limit, "submit", ["POST"]),
        ("phonecapture_privacy.erase_code", verify_limit, "code", ["POST"]),
    ):
        wrap = limiter.shared_limit(limit, scope="phonecapture-" + scope, methods=methods)
        app.view_functions[endpoint] = wrap(app.view_functions[endpoint])
    # Full numbers shown on the Leads page: per actor (so a manager behind a shared office IP
    # has their own budget), and only a number actually shown counts (a mistyped reason doesn't).
    reveal = limiter.limit(lambda: current_app.config["PHONECAPTURE_RATELIMIT_REVEAL"],
                           key_func=_actor_key, methods=["POST"],
                           deduct_when=lambda response: response.status_code == 200)
    endpoint = "phonecapture_leads.reveal_number"
    app.view_functions[endpoint] = reveal(app.view_functions[endpoint])
    return limiter
