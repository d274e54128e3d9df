"""Public JSON API v1 (the contract in DESIGN.md). Every refusal is a 4xx JSON error.

The API is CSRF-exempt by design: it is called cross-origin by the widget, and a
submission needs the signed token handed out with the form's config instead.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from . import leads
from .encoding import gzip_json
from .extension import get_state
from .models import EventCounter, utcnow
from .netutil import scrub
from .publicform import public_config
from .webforms import SOURCE_KEYS, flatten_submission, submission_form

api_bp = Blueprint("phonecapture_api", __name__)

EVENTS = ("impression", "open", "close", "submit_error", "submit", "verified")


# The id is not echoed: a phone number could be sent in its place.
UNKNOWN_FORM = "There is no active form with this id."


def error(status: int, code: str, message: str, fields=None, headers=None, **extra):
    body = {"error": code, "message": message, "fields": fields or {}}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = str(value)
    return response


def lead_error(exc: leads.LeadError):
    headers = {"Retry-After": exc.retry_after} if exc.retry_after else None
    extra = dict(exc.extra)
    if exc.retry_after:
        extra["retry_after_s"] = exc.retry_after
    return error(exc.status, exc.code, exc.message, exc.fields, headers, **extra)


# -- request hygiene ---------------------------------------------------------
# scheme://host[:port], as browsers send it; anything longer or stranger is refused, so an
# allowed origin echoed into Access-Control-Allow-Origin is always short and plain.
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/?#@\\]+\Z", re.IGNORECASE)
_MAX_ORIGIN = 255


def _allowed_origins() -> list[str]:
    allowed = current_app.config["PHONECAPTURE_ALLOWED_ORIGINS"]
    if isinstance(allowed, str):
        allowed = [o.strip() for o in allowed.split(",") if o.strip()]
    return [o.rstrip("/").lower() for o in allowed]


def _origin_allowed(origin: str) -> bool:
    allowed = _allowed_origins()
    if origin == "null":  # an opaque origin (sandboxed frame, file:): only when listed, "*" or not
        return "null" in allowed
    if len(origin) > _MAX_ORIGIN or not _ORIGIN.match(origin):
        return False
    return "*" in allowed or origin.rstrip("/").lower() in allowed


def _same_origin(origin: str) -> bool:
    # The browser's own word first (every current browser sends Sec-Fetch-Site); else a web
    # origin on this Host, as Go's CrossOriginProtection does. Any web scheme: behind a TLS proxy
    # without ProxyFix, Flask sees http while the page is https, and refusing the site's own
    # page there would break it for nothing (a same-host http page needs the network anyway).
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    scheme, _, netloc = origin.lower().partition("://")
    return scheme in ("http", "https") and netloc.rstrip("/") == request.host.lower()


def _refusal(origin: str) -> str:
    if origin == "null":
        return ('Requests from pages without an origin (Origin: null) may not change anything; '
                'list "null" in PHONECAPTURE_ALLOWED_ORIGINS to allow them.')
    if len(origin) > _MAX_ORIGIN or not _ORIGIN.match(origin):
        return "The Origin header is not a valid origin."
    return f"Requests from {origin[:100]} are not allowed; add it to PHONECAPTURE_ALLOWED_ORIGINS."


def _origin_ok(origin: str) -> bool:
    if origin == "null":
        # Reading is harmless (no CORS header: the page can't read it anyway). A POST needs
        # "null" listed, or the browser's word that it is a same-origin request: a page with
        # Referrer-Policy: no-referrer sends Origin: null on its own beacons.
        return request.method in ("GET", "HEAD", "OPTIONS") or _origin_allowed(origin) or _same_origin(origin)
    return _same_origin(origin) or _origin_allowed(origin)


@api_bp.before_request
def _guard():
    request.max_content_length = current_app.config["PHONECAPTURE_MAX_BODY"]
    origin = request.headers.get("Origin")
    if origin and not _origin_ok(origin):
        response = error(403, "origin_not_allowed", _refusal(origin))
        # The refused page may read why (the widget logs this message), through a wildcard:
        # the refused origin is never copied into a header, and no credentials are allowed.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Vary"] = "Origin"
        return response
    if request.method == "OPTIONS":
        return current_app.response_class(status=204)
    if request.content_length is not None and request.content_length > request.max_content_length:
        return lead_error(_too_large())
    return None


@api_bp.after_request
def _cors(response):
    origin = request.headers.get("Origin")
    if origin and not _same_origin(origin) and _origin_allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _retry_after(exc) -> int:
    """Seconds until the limit that was hit frees a slot (flask-limiter's own window stats)."""
    import time

    try:
        current = get_state().limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - storage trouble: fall back to the whole window
        pass
    limit = getattr(exc, "limit", None)
    return int(limit.limit.get_expiry()) if limit is not None else 60


@api_bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
            500: "internal"}.get(exc.code, "bad_request")
    headers = {}
    message = exc.description or exc.name
    if exc.code == 429:
        retry = _retry_after(exc)
        headers["Retry-After"] = retry
        message = f"Too many requests from this address; try again in {retry} s."
    if exc.code == 413:
        message = f"Request body is larger than {current_app.config['PHONECAPTURE_MAX_BODY']} bytes."
    return error(exc.code or 400, code, message, headers=headers)


def routing_error_handler(api_prefix: str, staff_prefix: str):
    """App-level fallback (checked after the host app's own code handlers) for the extension's
    paths: JSON for the API; for the staff pages werkzeug's page, never cached (like the pages)."""

    def handle(exc: HTTPException):
        if request.path.startswith(api_prefix):
            response = _http_error(exc)
            if exc.code == 405 and getattr(exc, "valid_methods", None):
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        if request.path.startswith(staff_prefix):
            response = exc.get_response()
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Robots-Tag"] = "noindex"
            return response
        return exc

    return handle


@api_bp.errorhandler(OperationalError)
def _db_down(exc):
    current_app.logger.error("phonecapture: database unavailable (%s)", type(exc.orig).__name__)
    get_state().db.session.rollback()
    return error(503, "unavailable", "The service is temporarily unavailable; please try again.",
                 headers={"Retry-After": 5})


def _too_large() -> leads.LeadError:
    return leads.LeadError(413, "too_large", f"Request body is larger than {request.max_content_length} bytes.")


def _read_body() -> bytes:
    limit = request.max_content_length
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=True)  # a Content-Length past the limit raised 413 already
    # A body streamed without a length (chunked): werkzeug's stream would stop at the limit
    # without an error and hand over a cut body, so read one byte more to tell.
    stream, raw = request.environ["wsgi.input"], bytearray()
    try:
        while len(raw) <= limit:
            part = stream.read(limit + 1 - len(raw))
            if not part:
                break
            raw += part
    except Exception:  # noqa: BLE001 - the server's de-chunker: a bad chunk or a cut connection
        raise leads.LeadError(400, "bad_request", "The request body could not be read (broken chunked "
                                                  "encoding or a closed connection).") from None
    if len(raw) > limit:
        raise _too_large()
    return bytes(raw)


def _json_body() -> dict:
    raw = _read_body()
    if not raw:
        raise leads.LeadError(400, "invalid_json", "The request body must be a JSON object.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting ~1000+ deep
        raise leads.LeadError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise leads.LeadError(400, "invalid_json", "The request body must be a JSON object.")
    return body


# -- forms -------------------------------------------------------------------
@api_bp.get("/forms/<form_id>")
def form_config(form_id: str):
    state = get_state()
    spec = state.forms.get(form_id)
    if spec is None or not spec.active:
        return error(404, "unknown_form", UNKNOWN_FORM)
    # UTF-8 and compact: Cyrillic texts as \uXXXX escapes cost ~5% more after gzip.
    body = json.dumps(public_config(state, spec), ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"  # carries a fresh submit token
    return gzip_json(response)


# -- submissions -------------------------------------------------------------
_TOP_KEYS = {"form_id", "token", "phone", "name", "country", "consents", "source", "hp", "elapsed_ms"}


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")


def _named(key: str) -> str:
    """A client's unknown key as a 422 names it: only a short identifier with under 5 digits
    (a number could be sent as a key, and error answers never carry one)."""
    return key if _PLAIN_KEY.match(key) and sum(c.isdigit() for c in key) < 5 else "(unrecognised key)"


def _type_errors(body: dict, spec) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}

    def bad(key, text):
        fields.setdefault(key, []).append(text)

    for key in body:
        if key not in _TOP_KEYS:
            bad(_named(key), "Unknown field.")
    for key in ("token", "phone"):
        if not isinstance(body.get(key), str):
            bad(key, "Required, must be a string.")
    for key in ("name", "country", "hp"):
        if body.get(key) is not None and not isinstance(body[key], str):
            bad(key, "Must be a string.")
    elapsed = body.get("elapsed_ms")
    if elapsed is not None and (isinstance(elapsed, bool) or not isinstance(elapsed, int)
                                or not 0 <= elapsed <= 10 ** 10):
        bad("elapsed_ms", "Must be a non-negative integer.")
    consents = body.get("consents", {})
    if not isinstance(consents, dict):
        bad("consents", "Must be an object {purpose: true|false}.")
    else:
        known = {c.purpose for c in spec.consents}
        for purpose, value in consents.items():
            if purpose not in known:
                bad(f"consents.{_named(purpose)}", "Unknown consent purpose for this form.")
            elif not isinstance(value, bool):
                bad(f"consents.{purpose}", "Must be true or false.")
    source = body.get("source", {})
    if source is None:
        source = {}
    if not isinstance(source, dict):
        bad("source", "Must be an object.")
    else:
        for key, value in source.items():
            if key == "first_touch":
                if value is not None and not (isinstance(value, dict) and all(
                        isinstance(v, (str, int, type(None))) for v in value.values())):
                    bad("source.first_touch", "Must be an object of strings.")
            elif key not in SOURCE_KEYS:
                bad(f"source.{_named(key)}", "Unknown source field.")
            elif value is not None and not isinstance(value, str):
                bad(f"source.{key}", "Must be a string.")
    return fields


def _meta(body: dict | None = None) -> leads.RequestMeta:
    first_touch = ((body or {}).get("source") or {}).get("first_touch") if body else None
    return leads.RequestMeta.from_request(first_touch)


@api_bp.post("/submissions")
def create_submission():
    state = get_state()
    try:
        body = _json_body()
        form_id = body.get("form_id")
        if not isinstance(form_id, str) or not form_id:
            return error(422, "invalid", "form_id is required.", {"form_id": ["Required."]})
        # The version the visitor was shown (its token says which), whatever was saved since:
        # an edit in the admin never refuses a form already on someone's screen.
        spec = leads.shown_spec(state, form_id, body.get("token"))
        if spec is None or not spec.active:
            return error(404, "unknown_form", UNKNOWN_FORM)
        type_errors = _type_errors(body, spec)
        if type_errors:
            return error(422, "invalid", "Some fields have the wrong type.", type_errors)
        token_age = leads.check_token(state, form_id, body["token"])
        form = submission_form(spec, flatten_submission(body), csrf=False,
                               locale=leads.token_locale(spec, body["token"]))
        if not form.validate():
            errors = form.api_errors()
            return error(422, "invalid", _summary(errors), errors)
        if leads.looks_like_bot(form, token_age):
            # Quietly accepted: a bot learns nothing, and nothing is stored or sent.
            return jsonify(id=leads.new_id(), status="pending_verification",
                           resend_after_s=current_app.config["PHONECAPTURE_RESEND_COOLDOWN"]), 201
        result = leads.create_submission(state, spec, form, _meta(body))
    except leads.LeadError as exc:
        return lead_error(exc)
    return jsonify(id=result.id, status="pending_verification", resend_after_s=result.resend_after_s), 201


def _summary(errors: dict[str, list[str]]) -> str:
    first_key = next(iter(errors))
    return f"{first_key}: {errors[first_key][0]}"


@api_bp.post("/submissions/<submission_id>/verify")
def verify_submission(submission_id: str):
    state = get_state()
    try:
        body = _json_body()
        code = body.get("code")
        if not isinstance(code, str):
            return error(422, "invalid", "code is required and must be a string.",
                         {"code": ["Required, must be a string."]})
        leads.verify_code(state, submission_id, code)
    except leads.LeadError as exc:
        return lead_error(exc)
    return jsonify(status="verified")


@api_bp.post("/submissions/<submission_id>/resend")
def resend_code(submission_id: str):
    state = get_state()
    try:
        wait = leads.resend_code(state, state.forms.get, submission_id, _meta())
    except leads.LeadError as exc:
        return lead_error(exc)
    return jsonify(status="pending_verification", resend_after_s=wait), 202


# -- events ------------------------------------------------------------------
@api_bp.post("/events")
def record_event():
    state = get_state()
    try:
        body = _json_body()
    except leads.LeadError as exc:
        return lead_error(exc)
    form_id, event = body.get("form_id"), body.get("event")
    if not isinstance(form_id, str) or form_id not in state.forms:
        return error(404, "unknown_form", "Unknown form_id.", {"form_id": ["Unknown form."]})
    if event not in EVENTS:
        return error(422, "invalid", f"event must be one of {', '.join(EVENTS)}.",
                     {"event": ["Unknown event."]})
    source = body.get("source") if isinstance(body.get("source"), dict) else {}
    label = source.get("utm_source") if isinstance(source.get("utm_source"), str) else ""
    # A number pasted into a tag becomes [phone], as for submissions (leads._source).
    label = scrub(label, 128, state.forms[form_id].default_region) or "(direct)"
    _count(state, form_id, event, label)
    return "", 204


def _count(state, form_id: str, event: str, source: str) -> None:
    session = state.db.session
    # The UTC day, as submissions' created_at: the source report lines the two up by day.
    key = dict(form_id=form_id, day=utcnow().date(), source=source, event=event)
    for _ in range(2):  # insert, or bump when a parallel request inserted first
        changed = session.execute(update(EventCounter).filter_by(**key)
                                  .values(count=EventCounter.count + 1)).rowcount
        if changed:
            session.commit()
            return
        try:
            session.add(EventCounter(count=1, **key))
            session.commit()
            return
        except IntegrityError:
            session.rollback()


# -- OpenAPI -----------------------------------------------------------------
@api_bp.get("/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document(request.script_root + current_app.config["PHONECAPTURE_URL_PREFIX"]))
