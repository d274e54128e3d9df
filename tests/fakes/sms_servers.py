"""Local protocol servers for the SMS providers: Twilio, SMS.ru, SMS Aero and the generic http.

Each one binds 127.0.0.1 on a free port, speaks its provider's documented protocol
(auth checks, the same JSON shapes, status lookup), keeps the messages it accepted and
records every request it receives. Faults are scripted per endpoint and consumed in order::

    server.fail_next(2)                 # HTTP 500 twice
    server.hang_next(1, seconds=30)     # no answer (client times out), message NOT accepted
    server.hang_next(1, accept=True)    # accepted, then the answer is lost
    server.rate_limit_next(1, retry_after=3)
    server.out_of_credit_next()
    server.reject_next(reason="invalid_number")   # or "opted_out"

and delivery receipts / inbound messages are fired at a URL, signed the way the real
provider signs them::

    server.fire_status(url, provider_id, "delivered")
    server.fire_inbound(url, "+79123456789", "STOP")

``receipt_before_response = "delivered"`` makes the server post the receipt to the
message's callback URL *before* it answers the send request (a race the outbox must win).
These servers hold phone numbers in memory: they are for tests only.
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from flask_phonecapture.messaging import signatures

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    endpoint: str | None
    at: float = field(default_factory=time.time)

    @property
    def form(self) -> dict[str, str]:
        """Form fields (first value of each), from the body or, for GET, the query."""
        source = self.body.decode("utf-8") if self.body else ""
        parsed = parse_qs(source, keep_blank_values=True) if source else self.query
        return {k: v[0] for k, v in parsed.items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class FakeMessage:
    id: str
    to: str
    body: str
    status: str = "sent"            # sent | delivered | failed
    callback_url: str | None = None
    idempotency_key: str | None = None
    error_code: str | None = None
    created_at: float = field(default_factory=time.time)


@dataclass
class Fault:
    kind: str                       # error | hang | rate_limit | out_of_credit | reject
    endpoint: str = "send"
    status: int = 500
    seconds: float = 30.0
    accept: bool = False
    retry_after: float | None = None
    reason: str = "invalid_number"


@dataclass
class Reply:
    status: int
    body: Any = None                # dict/list -> JSON, str/bytes -> as is
    headers: dict[str, str] = field(default_factory=dict)


class FakeSmsServer:
    """Base class: HTTP plumbing, recording, faults and state. Subclasses speak a protocol."""

    name = "fake"

    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, FakeMessage] = {}
        self.faults: deque[Fault] = deque()
        self.latency = 0.0
        self.receipt_before_response: str | None = None
        self.callback_url: str | None = None   # provider-wide callback (SMS.ru cabinet setting)
        self.callbacks: list[tuple[str, int, str]] = []   # (url, status code, answer text)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "FakeSmsServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without this, Nagle + delayed ACK hold
            # the body back ~40 ms on every keep-alive request (a stub artefact, not a provider's)
            disable_nagle_algorithm = True

            def do_GET(self):
                server._handle(self)

            do_POST = do_GET

            def log_message(self, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"fake-{self.name}")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def config(self) -> dict[str, Any]:
        """Flask config pointing the matching provider at this server."""
        raise NotImplementedError

    # ------------------------------------------------------------------ scripting
    def _add(self, n: int, fault: Fault) -> None:
        with self._lock:
            self.faults.extend(Fault(**fault.__dict__) for _ in range(n))

    def fail_next(self, n: int = 1, status: int = 500, endpoint: str = "send") -> None:
        self._add(n, Fault("error", endpoint, status=status))

    def hang_next(self, n: int = 1, seconds: float = 30.0, accept: bool = False,
                  endpoint: str = "send") -> None:
        self._add(n, Fault("hang", endpoint, seconds=seconds, accept=accept))

    def rate_limit_next(self, n: int = 1, retry_after: float | None = 1,
                        endpoint: str = "send") -> None:
        self._add(n, Fault("rate_limit", endpoint, status=429, retry_after=retry_after))

    def out_of_credit_next(self, n: int = 1) -> None:
        self._add(n, Fault("out_of_credit"))

    def reject_next(self, n: int = 1, reason: str = "invalid_number") -> None:
        self._add(n, Fault("reject", reason=reason))

    def set_status(self, provider_id: str, status: str, error_code: str | None = None) -> None:
        with self._lock:
            self.messages[provider_id].status = status
            self.messages[provider_id].error_code = error_code

    # ------------------------------------------------------------------ inspection
    @property
    def accepted(self) -> list[FakeMessage]:
        with self._lock:
            return list(self.messages.values())

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self.faults.clear()
            self.callbacks.clear()

    # ------------------------------------------------------------------ callbacks
    def fire_status(self, url: str | None, provider_id: str, status: str, *,
                    error_code: str | None = None, signed_url: str | None = None
                    ) -> requests.Response:
        """POST a delivery receipt for ``provider_id`` to ``url`` (default: its callback URL).

        ``signed_url`` is the public URL the signature covers when it differs from ``url``.
        """
        with self._lock:
            message = self.messages.get(provider_id)
        target = url or (message.callback_url if message else None) or self.callback_url
        if not target:
            raise ValueError("no callback URL for this message")
        kwargs = self.status_request(signed_url or target, provider_id, status, error_code,
                                     message)
        return self._post(target, kwargs)

    def fire_inbound(self, url: str, from_e164: str, text: str, *,
                     signed_url: str | None = None) -> requests.Response:
        return self._post(url, self.inbound_request(signed_url or url, from_e164, text))

    def _post(self, url: str, kwargs: dict[str, Any]) -> requests.Response:
        response = requests.post(url, timeout=10, **kwargs)
        with self._lock:
            self.callbacks.append((url, response.status_code, response.text[:200]))
        return response

    def status_request(self, url, provider_id, status, error_code, message) -> dict[str, Any]:
        raise NotImplementedError

    def inbound_request(self, url, from_e164, text) -> dict[str, Any]:
        raise NotImplementedError(f"{self.name} delivers no inbound messages")

    # ------------------------------------------------------------------ protocol hooks
    def endpoint_of(self, method: str, path: str) -> str | None:
        raise NotImplementedError

    def route(self, req: RecordedRequest) -> Reply:
        raise NotImplementedError

    def fault_reply(self, fault: Fault) -> Reply:
        raise NotImplementedError

    def new_id(self) -> str:
        return str(next(self._ids))

    def accept(self, message: FakeMessage) -> None:
        with self._lock:
            self.messages[message.id] = message
        if self.receipt_before_response and (message.callback_url or self.callback_url):
            try:
                self.fire_status(None, message.id, self.receipt_before_response)
            except requests.RequestException:
                pass

    # ------------------------------------------------------------------ HTTP plumbing
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        endpoint = self.endpoint_of(handler.command, parts.path)
        req = RecordedRequest(handler.command, parts.path, parse_qs(parts.query),
                              dict(handler.headers.items()), body, endpoint)
        with self._lock:
            self.requests.append(req)
            fault = None
            if self.faults and self.faults[0].endpoint == endpoint:
                fault = self.faults.popleft()
        if self.latency:
            self._stop.wait(self.latency)
        if fault is None:
            reply = self.route(req)
        elif fault.kind == "hang":
            reply = self.route(req) if fault.accept else Reply(504, {"error": "hung"})
            self._stop.wait(fault.seconds)
        else:
            reply = self.fault_reply(fault)
        self._send(handler, reply)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, (dict, list)):
            data = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            data = reply.body.encode("utf-8") if isinstance(reply.body, str) else (reply.body or b"")
            content_type = "text/plain; charset=utf-8"
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing to answer


def _basic_auth(req: RecordedRequest) -> tuple[str, str] | None:
    value = req.header("Authorization") or ""
    if not value.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


# =============================================================================== Twilio

class FakeTwilio(FakeSmsServer):
    """``/2010-04-01/Accounts/{Sid}/Messages.json`` and ``Messages/{Sid}.json``."""

    name = "twilio"
    STATUS = {"sent": "sent", "delivered": "delivered", "failed": "undelivered"}

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None,
                 from_: str = "+15005550006"):
        super().__init__()
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.from_ = from_
        self.opted_out: set[str] = set()

    def config(self):
        return {"PHONECAPTURE_SMS_PROVIDER": "twilio",
                "PHONECAPTURE_TWILIO_API_BASE": self.base_url,
                "PHONECAPTURE_TWILIO_ACCOUNT_SID": self.account_sid,
                "PHONECAPTURE_TWILIO_AUTH_TOKEN": self.auth_token,
                "PHONECAPTURE_TWILIO_FROM": self.from_}

    def endpoint_of(self, method, path):
        if re.fullmatch(r"/2010-04-01/Accounts/[^/]+/Messages\.json", path):
            return "send" if method == "POST" else "list"
        if re.fullmatch(r"/2010-04-01/Accounts/[^/]+/Messages/[^/]+\.json", path):
            return "status"
        return None

    @staticmethod
    def error(status: int, code: int, message: str) -> Reply:
        return Reply(status, {"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def resource(self, m: FakeMessage) -> dict[str, Any]:
        status = self.STATUS[m.status] if m.status != "sent" else "queued"
        return {"sid": m.id, "account_sid": self.account_sid, "to": m.to, "from": self.from_,
                "body": m.body, "status": status, "num_segments": "1", "direction": "outbound-api",
                "api_version": "2010-04-01", "error_code": m.error_code, "error_message": None,
                "price": None, "price_unit": "USD",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{m.id}.json"}

    def route(self, req):
        if _basic_auth(req) != (self.account_sid, self.auth_token) or \
                f"/Accounts/{self.account_sid}/" not in req.path:
            return self.error(401, 20003, "Authenticate")
        if req.endpoint == "status":
            sid = req.path.rsplit("/", 1)[1][:-len(".json")]
            message = self.messages.get(sid)
            if message is None:
                return self.error(404, 20404, f"The requested resource {req.path} was not found")
            return Reply(200, self.resource(message))
        if req.endpoint != "send":
            return self.error(405, 20004, "Method not allowed")
        form = req.form
        to, body = form.get("To", ""), form.get("Body", "")
        if not E164.match(to):
            return self.error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self.error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if to in self.opted_out:
            return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
        message = FakeMessage("SM" + secrets.token_hex(16), to, body,
                              callback_url=form.get("StatusCallback"),
                              idempotency_key=req.header("Idempotency-Key"))
        self.accept(message)
        return Reply(201, self.resource(message))

    def fault_reply(self, fault):
        if fault.kind == "rate_limit":
            reply = self.error(429, 20429, "Too Many Requests")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            return reply
        if fault.kind == "out_of_credit":
            return self.error(401, 20005, "Account not active")
        if fault.kind == "reject":
            if fault.reason == "opted_out":
                return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
            return self.error(400, 21211, "The 'To' number is not a valid phone number.")
        return self.error(fault.status, 20500, "Internal Server Error")

    def status_request(self, url, provider_id, status, error_code, message):
        twilio_status = self.STATUS.get(status, status)
        params = {"MessageSid": provider_id, "SmsSid": provider_id, "AccountSid": self.account_sid,
                  "MessageStatus": twilio_status, "SmsStatus": twilio_status,
                  "From": self.from_, "To": message.to if message else "+15005550009",
                  "ApiVersion": "2010-04-01"}
        if error_code or twilio_status in ("undelivered", "failed"):
            params["ErrorCode"] = str(error_code or "30003")
        return {"data": params, "headers": {
            "X-Twilio-Signature": signatures.twilio_signature(self.auth_token, url, params)}}

    def inbound_request(self, url, from_e164, text):
        sid = "SM" + secrets.token_hex(16)
        params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid,
                  "AccountSid": self.account_sid, "From": from_e164, "To": self.from_,
                  "Body": text, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
        return {"data": params, "headers": {
            "X-Twilio-Signature": signatures.twilio_signature(self.auth_token, url, params)}}


# =============================================================================== SMS.ru

class FakeSmsRu(FakeSmsServer):
    """``/sms/send`` and ``/sms/status`` (GET or POST, ``json=1``), callbacks with ``hash``."""

    name = "smsru"
    CODES = {"sent": 102, "delivered": 103, "failed": 104}
    TEXTS = {100: "Сообщение находится в нашей очереди", 102: "Сообщение отправлено (в пути)",
             103: "Сообщение доставлено", 104: "Не может быть доставлено: время жизни истекло",
             200: "Неправильный api_id", 201: "Не хватает средств на лицевом счету",
             202: "Неправильно указан номер телефона получателя, либо на него нет маршрута",
             203: "Нет текста сообщения", 215: "Номер находится в стоп-листе SMS.RU",
             220: "Сервис временно недоступен, попробуйте чуть позже",
             -1: "Сообщение не найдено"}

    def __init__(self, api_id: str | None = None):
        super().__init__()
        self.api_id = api_id or secrets.token_hex(18).upper()
        self.balance = 1000.0
        self._ids = itertools.count(10000001)

    def config(self):
        return {"PHONECAPTURE_SMS_PROVIDER": "smsru", "PHONECAPTURE_SMSRU_API_BASE": self.base_url,
                "PHONECAPTURE_SMSRU_API_ID": self.api_id}

    def endpoint_of(self, method, path):
        return {"/sms/send": "send", "/sms/status": "status"}.get(path.rstrip("/"))

    def top(self, code: int) -> Reply:
        return Reply(200, {"status": "ERROR", "status_code": code,
                           "status_text": self.TEXTS.get(code, "Ошибка")})

    def one(self, to: str, entry: dict[str, Any]) -> Reply:
        return Reply(200, {"status": "OK", "status_code": 100, "sms": {to: entry},
                           "balance": round(self.balance, 2)})

    def route(self, req):
        form = req.form
        if form.get("api_id") != self.api_id:
            return self.top(200)
        if req.endpoint == "status":
            answer = {}
            for sms_id in form.get("sms_id", "").split(","):
                message = self.messages.get(sms_id)
                if message is None:
                    answer[sms_id] = {"status": "ERROR", "status_code": -1,
                                      "status_text": self.TEXTS[-1]}
                else:
                    code = int(message.error_code or self.CODES[message.status]) \
                        if message.status == "failed" else self.CODES[message.status]
                    answer[sms_id] = {"status": "OK", "status_code": code, "cost": 0.5,
                                      "status_text": self.TEXTS.get(code, "")}
            return Reply(200, {"status": "OK", "status_code": 100, "sms": answer,
                               "balance": round(self.balance, 2)})
        if req.endpoint != "send":
            return Reply(200, {"status": "ERROR", "status_code": 211, "status_text": "Метод не найден"})
        to, msg = form.get("to", ""), form.get("msg", "")
        if not msg:
            return self.top(203)
        if not re.fullmatch(r"[1-9]\d{7,14}", to):
            return self.one(to, {"status": "ERROR", "status_code": 202, "status_text": self.TEXTS[202]})
        message = FakeMessage(f"000000-{self.new_id()}", "+" + to, msg,
                              callback_url=self.callback_url,
                              idempotency_key=req.header("Idempotency-Key"))
        self.balance -= 0.5
        self.accept(message)
        if form.get("json") != "1":
            return Reply(200, f"100\n{message.id}\nbalance={self.balance:.2f}")
        return self.one(to, {"status": "OK", "status_code": 100, "sms_id": message.id})

    def fault_reply(self, fault):
        if fault.kind == "out_of_credit":
            return self.top(201)
        if fault.kind == "reject":
            code = 215 if fault.reason == "opted_out" else 202
            return Reply(200, {"status": "OK", "status_code": 100, "balance": self.balance,
                               "sms": {"70000000000": {"status": "ERROR", "status_code": code,
                                                       "status_text": self.TEXTS[code]}}})
        if fault.kind == "rate_limit":
            reply = Reply(429, "Too Many Requests")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            return reply
        if fault.status == 220:  # SMS.ru's own "temporarily unavailable", over HTTP 200
            return self.top(220)
        return Reply(fault.status, "<html><body>Internal Server Error</body></html>")

    def callback_form(self, entries: list[str]) -> dict[str, str]:
        form = {f"data[{i}]": entry for i, entry in enumerate(entries)}
        form["hash"] = signatures.smsru_hash(self.api_id, entries)
        return form

    def status_request(self, url, provider_id, status, error_code, message):
        code = int(error_code) if error_code else self.CODES[status]
        entry = f"sms_status\n{provider_id}\n{code}\n{int(time.time())}"
        return {"data": self.callback_form([entry])}


# ============================================================================= SMS Aero

class FakeSmsAero(FakeSmsServer):
    """``/v2/sms/send``, ``/v2/sms/status`` (and ``/v2/sms/status/{id}``); Basic email:api_key."""

    name = "smsaero"
    CODES = {"sent": (3, "transfer"), "delivered": (1, "delivery"), "failed": (2, "delivery failure")}

    def __init__(self, email: str = "owner@example.com", api_key: str | None = None,
                 callback_secret: str | None = None):
        super().__init__()
        self.email = email
        self.api_key = api_key or secrets.token_hex(16)
        self.callback_secret = callback_secret or secrets.token_hex(16)
        self._ids = itertools.count(500001)

    def config(self):
        return {"PHONECAPTURE_SMS_PROVIDER": "smsaero",
                "PHONECAPTURE_SMSAERO_API_BASE": self.base_url,
                "PHONECAPTURE_SMSAERO_EMAIL": self.email,
                "PHONECAPTURE_SMSAERO_API_KEY": self.api_key,
                "PHONECAPTURE_SMSAERO_SIGN": "SMS Aero",
                "PHONECAPTURE_SMSAERO_CALLBACK_SECRET": self.callback_secret}

    def endpoint_of(self, method, path):
        path = path.rstrip("/")
        if path == "/v2/sms/send":
            return "send"
        if path == "/v2/sms/status" or path.startswith("/v2/sms/status/"):
            return "status"
        return None

    @staticmethod
    def fail(status: int, message: str, **extra) -> Reply:
        return Reply(status, {"success": False, "data": None, "message": message, **extra})

    def resource(self, m: FakeMessage, sign: str = "SMS Aero") -> dict[str, Any]:
        code, extend = (0, "queue") if m.status == "sent" else self.CODES[m.status]
        return {"id": int(m.id), "from": sign, "number": m.to.lstrip("+"), "text": m.body,
                "status": code, "extendStatus": extend, "channel": "FREE SIGN", "cost": "5.49",
                "dateCreate": int(m.created_at), "dateSend": int(m.created_at)}

    def params(self, req: RecordedRequest) -> dict[str, Any]:
        if "json" in (req.header("Content-Type") or "") and req.body:
            data = req.json
            return data if isinstance(data, dict) else {}
        return req.form

    def route(self, req):
        if _basic_auth(req) != (self.email, self.api_key):
            return self.fail(401, "Unauthorized")
        params = self.params(req)
        if req.endpoint == "status":
            sms_id = str(params.get("id") or req.path.rstrip("/").rsplit("/", 1)[1])
            message = self.messages.get(sms_id)
            if message is None:
                return self.fail(404, "Not found")
            return Reply(200, {"success": True, "data": self.resource(message), "message": None})
        if req.endpoint != "send":
            return self.fail(404, "Not found")
        number, text, sign = str(params.get("number") or ""), params.get("text"), params.get("sign")
        if not text or not sign:
            return self.fail(400, "Validation error.", data={"text": ["required"]})
        if not re.fullmatch(r"[1-9]\d{7,14}", number):
            return self.fail(400, "Validation error: number is invalid.")
        message = FakeMessage(self.new_id(), "+" + number, text,
                              callback_url=params.get("callbackUrl"),
                              idempotency_key=req.header("Idempotency-Key"))
        self.accept(message)
        return Reply(200, {"success": True, "data": self.resource(message, sign), "message": None})

    def fault_reply(self, fault):
        if fault.kind == "out_of_credit":
            return Reply(200, {"success": False, "result": "no credits", "data": None,
                               "message": "no credits"})
        if fault.kind == "reject":
            return self.fail(400, "Validation error: number is invalid.")
        if fault.kind == "rate_limit":
            reply = self.fail(429, "Too Many Requests")
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            return reply
        return self.fail(fault.status, "Internal server error")

    def status_request(self, url, provider_id, status, error_code, message):
        code, extend = self.CODES[status]
        return {"json": {"id": int(provider_id), "status": code, "extendStatus": extend,
                         "dateAnswer": int(time.time())}}


# ====================================================================== generic http

class FakeHttpGateway(FakeSmsServer):
    """The generic provider's default contract: ``POST /messages``, ``GET /messages/{id}``.

    It de-duplicates on the ``id`` (idempotency key) field, as a good gateway should.
    """

    name = "http"

    def __init__(self, token: str | None = None, callback_secret: str | None = None):
        super().__init__()
        self.token = token or secrets.token_hex(16)
        self.callback_secret = callback_secret or secrets.token_hex(16)
        self.by_key: dict[str, str] = {}
        self.duplicates = 0

    def config(self):
        return {"PHONECAPTURE_SMS_PROVIDER": "http", "PHONECAPTURE_HTTP_API_BASE": self.base_url,
                "PHONECAPTURE_HTTP_STATUS_PATH": "/messages/{id}",
                "PHONECAPTURE_HTTP_AUTH_VALUE": f"Bearer {self.token}",
                "PHONECAPTURE_HTTP_CALLBACK_SECRET": self.callback_secret}

    def endpoint_of(self, method, path):
        if path.rstrip("/") == "/messages":
            return "send" if method == "POST" else None
        return "status" if path.startswith("/messages/") else None

    def route(self, req):
        if req.header("Authorization") != f"Bearer {self.token}":
            return Reply(401, {"error": "unauthorized"})
        if req.endpoint == "status":
            message = self.messages.get(req.path.rsplit("/", 1)[1])
            if message is None:
                return Reply(404, {"error": "not_found"})
            return Reply(200, {"id": message.id, "status": message.status})
        if req.endpoint != "send":
            return Reply(404, {"error": "not_found"})
        try:
            data = req.json
        except ValueError:
            return Reply(400, {"error": "bad_json"})
        if not isinstance(data, dict) or not data.get("text"):
            return Reply(422, {"error": "text_required"})
        if not E164.match(str(data.get("to") or "")):
            return Reply(422, {"error": "invalid_number"})
        key = data.get("id")
        with self._lock:
            if key and key in self.by_key:
                self.duplicates += 1
                existing = self.messages[self.by_key[key]]
                return Reply(200, {"id": existing.id, "status": "accepted"})
            message = FakeMessage("msg-" + self.new_id(), data["to"], data["text"],
                                  callback_url=data.get("callback_url"), idempotency_key=key)
            if key:
                self.by_key[key] = message.id
        self.accept(message)
        return Reply(201, {"id": message.id, "status": "accepted"})

    def fault_reply(self, fault):
        if fault.kind == "out_of_credit":
            return Reply(402, {"error": "out_of_credit"})
        if fault.kind == "reject":
            return Reply(422, {"error": fault.reason})
        if fault.kind == "rate_limit":
            reply = Reply(429, {"error": "rate_limited"})
            if fault.retry_after is not None:
                reply.headers["Retry-After"] = f"{fault.retry_after:g}"
            return reply
        return Reply(fault.status, {"error": "internal"})

    def _signed(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode("utf-8")
        return {"data": body, "headers": {
            "Content-Type": "application/json",
            signatures.SIGNATURE_HEADER: signatures.sign_payload(self.callback_secret, body)}}

    def status_request(self, url, provider_id, status, error_code, message):
        payload = {"id": provider_id, "status": status}
        if error_code:
            payload["error"] = error_code
        return self._signed(payload)

    def inbound_request(self, url, from_e164, text):
        return self._signed({"from": from_e164, "text": text})


SERVERS = {"twilio": FakeTwilio, "smsru": FakeSmsRu, "smsaero": FakeSmsAero, "http": FakeHttpGateway}



class CallbackRecorder:
    """A stand-in for the app's hook endpoints: records every request, answers ``reply``."""

    def __init__(self, status: int = 200, reply: str = "100"):
        self.status, self.reply = status, reply
        self.requests: list[RecordedRequest] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append(RecordedRequest(
                    "POST", parts.path, parse_qs(parts.query), dict(self.headers.items()),
                    self.rfile.read(length) if length else b"", None))
                FakeSmsServer._send(self, Reply(recorder.status, recorder.reply))

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True, name="callback-recorder").start()
        host, port = self._httpd.server_address[:2]
        self.base_url = f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
