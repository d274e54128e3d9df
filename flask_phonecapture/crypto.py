"""Field encryption (AES-256-GCM), blind index and code HMACs.

Ciphertext text format: ``pc1.<key id>.<base64url(nonce || ciphertext+tag)>``.
Associated data binds each value to ``table.column.row_id`` and the key id, so a
ciphertext copied into another row or column fails to decrypt.

Two independent roots: the encryption keyring (``PHONECAPTURE_KEYS``) and the index
key (``PHONECAPTURE_INDEX_KEY``), from which per-purpose subkeys are derived with
HKDF. Losing the database alone reveals nothing; a blind index alone cannot be
brute-forced without the index key.

The index key can be replaced: the retired ones (``PHONECAPTURE_OLD_INDEX_KEYS``) still *find*
(``blind_indexes``) and *check* (codes, tokens, links signed before the switch), while
everything new is indexed and signed under the current one; ``flask phonecapture keys
rotate-index`` (indexrotation.py) re-indexes what can be recomputed.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger("flask_phonecapture")
PREFIX = "pc1"
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class CryptoError(RuntimeError):
    """A key is missing or malformed, or a ciphertext does not authenticate."""


def _b64decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key() -> str:
    """A fresh random 256-bit key, base64url text."""
    return _b64encode(secrets.token_bytes(32))


def parse_keyring(value: str | list | dict) -> list[tuple[str, bytes]]:
    """``"k2:KEY,k1:KEY"`` (or a list of such, or {kid: key}) -> [(kid, key bytes)], first encrypts."""
    if isinstance(value, dict):
        items = [f"{k}:{v}" for k, v in value.items()]
    elif isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()]
    else:
        items = list(value)
    ring = []
    for item in items:
        if ":" not in item:
            raise CryptoError("each PHONECAPTURE_KEYS entry must look like 'keyid:base64key'")
        kid, key_text = item.split(":", 1)
        kid = kid.strip()
        if not kid or "." in kid:
            raise CryptoError("key ids must be non-empty and must not contain '.'")
        try:
            key = _b64decode(key_text)
        except ValueError as exc:
            raise CryptoError(f"key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise CryptoError(f"key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        ring.append((kid, key))
    if not ring:
        raise CryptoError("PHONECAPTURE_KEYS is empty")
    if len({kid for kid, _ in ring}) != len(ring):
        raise CryptoError("PHONECAPTURE_KEYS has a repeated key id")
    return ring


@dataclass
class Keyring:
    keys: list[tuple[str, bytes]]
    index_key: bytes
    index_bits: int = 32
    #: retired index keys, newest first: they find and check, never index or sign anything new
    old_index_keys: tuple[bytes, ...] = ()
    _subkeys: dict[tuple[bytes, str], bytes] = field(default_factory=dict, repr=False)

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    def _key(self, kid: str) -> bytes:
        for key_id, key in self.keys:
            if key_id == kid:
                return key
        raise CryptoError(f"no key with id {kid!r} in PHONECAPTURE_KEYS")

    @staticmethod
    def _aad(context: str, kid: str) -> bytes:
        return f"{context}|{kid}".encode()

    def encrypt(self, plaintext: str, context: str) -> str:
        """Encrypt under the primary key; ``context`` is "table.column.row_id"."""
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), self._aad(context, kid))
        return f"{PREFIX}.{kid}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, context: str) -> str:
        try:
            prefix, kid, body = token.split(".", 2)
        except ValueError:
            raise CryptoError("not a phonecapture ciphertext") from None
        if prefix != PREFIX:
            raise CryptoError("unknown ciphertext version")
        raw = _b64decode(body)
        try:
            plain = AESGCM(self._key(kid)).decrypt(raw[:12], raw[12:], self._aad(context, kid))
        except InvalidTag:
            raise CryptoError("ciphertext does not authenticate for this row/column") from None
        return plain.decode("utf-8")

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.split(".", 2)[1]

    def subkey(self, purpose: str, root: bytes | None = None) -> bytes:
        """A per-purpose key derived from an index root (HKDF-SHA256; default the current one),
        derived once."""
        root = self.index_key if root is None else root
        if (root, purpose) not in self._subkeys:
            self._subkeys[(root, purpose)] = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                                  info=f"phonecapture/{purpose}".encode()).derive(root)
        return self._subkeys[(root, purpose)]

    @property
    def _roots(self) -> tuple[bytes, ...]:
        """The current index key, then the retired ones."""
        return (self.index_key, *self.old_index_keys)

    def subkeys(self, purpose: str) -> list[bytes]:
        """The purpose's key under the current root, then under each retired one: to check
        something signed before the index key was replaced."""
        return [self.subkey(purpose, root) for root in self._roots]

    def blind_index(self, value: str, purpose: str = "contact.e164", root: bytes | None = None) -> str:
        """Keyed HMAC-SHA256 truncated to ``index_bits``: many numbers share one value on purpose."""
        digest = hmac.new(self.subkey(f"blind-index/{purpose}", root), value.encode(), hashlib.sha256).digest()
        nbytes = max(1, self.index_bits // 8)
        return digest[:nbytes].hex()

    def blind_indexes(self, value: str, purpose: str = "contact.e164") -> list[str]:
        """``value``'s index under the current key, then under each retired one: what a lookup
        matches while rows indexed before the switch remain."""
        return list(dict.fromkeys(self.blind_index(value, purpose, root) for root in self._roots))

    def code_mac(self, scope: str, code: str) -> str:
        """HMAC of a one-time code bound to its verification row; check with :meth:`code_matches`."""
        return self._code_mac(self.subkey("otp"), scope, code)

    def code_matches(self, scope: str, code: str, mac: str) -> bool:
        """``code`` is the one ``mac`` was made for, under the current or a retired index key
        (a code sent just before the switch still works)."""
        return any(same(self._code_mac(key, scope, code), mac) for key in self.subkeys("otp"))

    @staticmethod
    def _code_mac(key: bytes, scope: str, code: str) -> str:
        return hmac.new(key, f"{scope}|{code}".encode(), hashlib.sha256).hexdigest()

    def token_secret(self) -> bytes:
        return self.subkey("tokens")


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def load_keyring(config, instance_path: str) -> tuple[Keyring, bool]:
    """Build the keyring from config; returns (keyring, generated) where generated means demo keys."""
    keys_value = config.get("PHONECAPTURE_KEYS")
    index_value = config.get("PHONECAPTURE_INDEX_KEY")
    bits = int(config.get("PHONECAPTURE_BLIND_INDEX_BITS", 32))
    if bits % 8 or not 16 <= bits <= 256:
        raise CryptoError("PHONECAPTURE_BLIND_INDEX_BITS must be a multiple of 8 between 16 and 256")
    generated = False
    if not keys_value or not index_value:
        path = os.path.join(instance_path, config.get("PHONECAPTURE_KEY_FILE", "phonecapture-keys.json"))
        stored = _read_or_create_key_file(path)
        keys_value = keys_value or stored["keys"]
        index_value = index_value or stored["index_key"]
        generated = True
        log.warning("phonecapture: using demo keys generated in %s; set PHONECAPTURE_KEYS and "
                    "PHONECAPTURE_INDEX_KEY (kept apart from the database) before real use", path)
    index_key = _b64decode(index_value)
    if len(index_key) < 32:
        raise CryptoError("PHONECAPTURE_INDEX_KEY must be at least 32 bytes of base64")
    return Keyring(parse_keyring(keys_value), index_key, bits,
                   _old_index_keys(config.get("PHONECAPTURE_OLD_INDEX_KEYS"), index_key)), generated


def _old_index_keys(value, current: bytes) -> tuple[bytes, ...]:
    """PHONECAPTURE_OLD_INDEX_KEYS: "base64,base64" or a list, newest first."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    keys = []
    for n, item in enumerate(items, 1):
        text = str(item).strip()
        if not _BASE64.fullmatch(text):
            raise CryptoError(f"PHONECAPTURE_OLD_INDEX_KEYS: key {n} is not base64")
        key = _b64decode(text)
        if len(key) < 32:
            raise CryptoError(f"PHONECAPTURE_OLD_INDEX_KEYS: key {n} is shorter than 32 bytes")
        if key == current:
            raise CryptoError(f"PHONECAPTURE_OLD_INDEX_KEYS: key {n} is PHONECAPTURE_INDEX_KEY itself")
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _read_or_create_key_file(path: str) -> dict:
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    data = {"keys": f"k1:{new_key()}", "index_key": new_key()}
    try:  # O_EXCL: two workers starting at once must not write two different keys
        fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            if os.path.exists(path):
                break
            time.sleep(0.05)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(path + ".tmp", path)
    return data
