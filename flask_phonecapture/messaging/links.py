"""Signed unsubscribe links: ``<public url>/phonecapture/u/<token>``.

The token is 32 URL-safe characters: the contact id (16 bytes) and the first 8 bytes of an
HMAC-SHA256 over it under a key derived for this purpose only. Nothing is stored; a
token can't be made without the key, and changing any character (even one that base64
would decode to the same bytes) gives 404, because the token must be the exact canonical
encoding. Contact ids are random, so tokens can't be enumerated either.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from flask import current_app, has_request_context, request

PURPOSE = "unsubscribe-link"
MAC_BYTES = 8


def _mac(state, raw_id: bytes, key: bytes | None = None) -> bytes:
    return hmac.new(key or state.keyring.subkey(PURPOSE), raw_id, hashlib.sha256).digest()[:MAC_BYTES]


def make_token(state, contact_id: str) -> str:
    raw = bytes.fromhex(contact_id)
    return base64.urlsafe_b64encode(raw + _mac(state, raw)).decode("ascii")


def read_token(state, token: str) -> str | None:
    """The contact id, or None for anything that is not a token this app made."""
    if not isinstance(token, str) or len(token) != 32:
        return None
    try:
        data = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(data) != 16 + MAC_BYTES or base64.urlsafe_b64encode(data).decode("ascii") != token:
        return None
    raw, mac = data[:16], data[16:]
    # a link sent before the index key was replaced still works while the old key is listed
    if not any(hmac.compare_digest(mac, _mac(state, raw, key)) for key in state.keyring.subkeys(PURPOSE)):
        return None
    return raw.hex()


def base_url() -> str | None:
    """Public base URL: PHONECAPTURE_PUBLIC_URL, else the current request's host, else None."""
    public = current_app.config.get("PHONECAPTURE_PUBLIC_URL")
    if public:
        return public.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return None


def unsubscribe_url(state, contact_id: str) -> str | None:
    base = base_url()
    if base is None:
        return None
    prefix = current_app.config["PHONECAPTURE_URL_PREFIX"].rstrip("/")
    return f"{base}{prefix}/u/{make_token(state, contact_id)}"
