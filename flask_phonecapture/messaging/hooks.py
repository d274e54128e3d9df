"""Provider callbacks and unsubscribe links (registered by ``init_app`` under the URL prefix).

* ``POST /hooks/<provider>/status``: delivery receipts, signature-checked (403 otherwise),
  applied idempotently and only forward (:mod:`.receipts`);
* ``POST /hooks/<provider>/inbound``: STOP / START / HELP (:mod:`.inbound`); 404 for
  providers that deliver no inbound messages;
* ``GET /u/<token>`` shows a confirmation page in the visitor's language and changes
  nothing (link scanners and prefetchers fetch it); ``POST /u/<token>`` withdraws. A token
  that is not exactly one this app made is 404.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, render_template, request

from ..extension import get_state
from ..language import browser_language
from ..models import Contact, Submission
from . import signatures
from .links import read_token

log = logging.getLogger("flask_phonecapture")

hooks_bp = Blueprint("phonecapture_messaging", __name__, template_folder="../templates")

PROVIDERS = ("twilio", "smsru", "smsaero", "http")


def _verified(provider: str, purpose: str = "status") -> None:
    if provider not in PROVIDERS:
        abort(404)
    config = current_app.config
    base = config.get("PHONECAPTURE_PUBLIC_URL") or request.host_url
    url = signatures.public_url(base, request.path, request.query_string)
    try:
        ok = signatures.verify_callback(provider, config, url=url, headers=request.headers,
                                        form=request.form, body=request.get_data(),
                                        purpose=purpose)
    except RuntimeError:
        abort(404)  # this provider's callbacks are not configured here
    if not ok:
        log.warning("phonecapture: %s callback with a bad signature refused", provider)
        abort(403)


def _answer(provider: str) -> Response:
    if provider == "smsru":
        return Response("100", mimetype="text/plain")  # or SMS.ru sends it again
    if provider == "twilio":
        return Response("<Response/>", mimetype="text/xml")
    return Response("", status=204)


def _parsed(parse, provider: str):
    """A provider callback parsed by ``parse``: 404 for an unknown provider, 400 for a bad body."""
    try:
        return parse(provider, form=request.form, body=request.get_data())
    except LookupError:
        abort(404)
    except ValueError:
        abort(400)


@hooks_bp.post("/hooks/<provider>/status")
def status_hook(provider: str):
    _verified(provider)
    updates = _parsed(signatures.parse_status_callback, provider)
    key = None
    if provider == "twilio":  # the signature covers the URL, so its message key is genuine
        key = request.args.get("m")
    elif provider == "smsaero":
        key = request.args.get(signatures.URL_KEY_PARAM)
    from .receipts import apply

    apply(get_state(), provider, updates, message_key=key)
    return _answer(provider)


@hooks_bp.post("/hooks/<provider>/inbound")
def inbound_hook(provider: str):
    if provider not in signatures.INBOUND_PROVIDERS:
        abort(404)
    _verified(provider, purpose="inbound")
    message = _parsed(signatures.parse_inbound_callback, provider)
    from .inbound import handle

    provider_id = request.form.get("MessageSid", "") if provider == "twilio" else ""
    handle(get_state(), provider, message.from_e164, message.text, provider_id)
    return _answer(provider)


# --------------------------------------------------------------------- unsubscribe

TEXTS = {
    "ru": {"title": "Отписка от SMS", "question": "Больше не получать рекламные SMS на номер {masked}?",
           "button": "Отписаться", "done_title": "Вы отписаны",
           "done": "Рекламных SMS на номер {masked} больше не будет. Сообщения по вашим заявкам "
                   "(коды, подтверждения) приходят, только когда вы их запрашиваете.",
           "already": "Вы уже отписаны: рекламных SMS на этот номер не будет.",
           "erase": "Удалить номер совсем",
           "bad_title": "Ссылка не работает",
           "bad": "Эта ссылка для отписки неверна или больше не действует. Проверьте, что она "
                  "скопирована из SMS целиком."},
    "en": {"title": "Unsubscribe from SMS", "question": "Stop marketing SMS to {masked}?",
           "button": "Unsubscribe", "done_title": "You are unsubscribed",
           "done": "No more marketing SMS will be sent to {masked}. Messages about your own "
                   "requests (codes, confirmations) come only when you ask for them.",
           "already": "You are already unsubscribed: no marketing SMS go to this number.",
           "erase": "Erase the number altogether",
           "bad_title": "This link does not work",
           "bad": "This unsubscribe link is wrong or no longer valid. Check that it was copied "
                  "from the SMS whole."},
}


def _contact_or_404(token: str):
    state = get_state()
    contact_id = read_token(state, token)
    contact = state.db.session.get(Contact, contact_id) if contact_id else None
    if contact is None or contact.status != "active":
        # A mangled or stale link: say so in the visitor's browser language (nothing else is
        # known about them), with the same headers as a good link's page.
        locale = browser_language(TEXTS) or "en"
        t = TEXTS[locale]
        page = render_template("phonecapture/message_page.html", t=t, spec=_Spec(locale),
                               title=t["bad_title"], text=t["bad"])
        abort(_private(Response(page, status=404, mimetype="text/html")))
    return state, contact


def _locale(state, contact) -> str:
    from sqlalchemy import select

    locale = state.db.session.execute(
        select(Submission.locale).where(Submission.contact_id == contact.id)
        .order_by(Submission.created_at.desc()).limit(1)).scalar()
    if locale in TEXTS:
        return locale
    return browser_language(TEXTS) or "en"


class _Spec:  # what base.html reads for <html lang>
    def __init__(self, locale):
        self.effective_locale = locale


@hooks_bp.route("/u/<token>", methods=["GET", "HEAD", "POST"])
def unsubscribe(token: str):
    from ..contacts import masked

    state, contact = _contact_or_404(token)
    locale = _locale(state, contact)
    t = dict(TEXTS[locale])
    shown = masked(state, contact)  # "+7 *** ***-**-89"; the template escapes it
    t = {k: v.replace("{masked}", shown) for k, v in t.items()}
    if request.method == "POST":
        from .inbound import withdraw_marketing

        changed = withdraw_marketing(state, contact, channel="link")
        state.db.session.commit()
        page = render_template("phonecapture/unsubscribe_done.html", t=t, spec=_Spec(locale),
                               already=not changed)
    else:
        page = render_template("phonecapture/unsubscribe_confirm.html", t=t, spec=_Spec(locale),
                               action=request.path)
    return _private(Response(page, mimetype="text/html"))


def _private(response: Response) -> Response:
    """Unsubscribe pages: never cached, never indexed, the link never sent on as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
