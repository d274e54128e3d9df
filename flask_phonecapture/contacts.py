"""Contacts: one per phone number, found through the blind index, stored encrypted.

The write path uses Core statements (no ORM unit of work): it runs on every submission.
"""
from __future__ import annotations

from sqlalchemy import insert, select

from .models import Contact, new_id, utcnow
from .phone import ParsedPhone, mask_e164

_contacts = Contact.__table__


def _ctx(contact_id: str, column: str) -> str:
    return f"phonecapture_contact.{column}.{contact_id}"


def decrypt_e164(state, contact) -> str:
    """``contact`` is a Contact or any row with ``id`` and ``e164_enc``."""
    return state.keyring.decrypt(contact.e164_enc, _ctx(contact.id, "e164_enc"))


def masked(state, contact) -> str:
    """What staff and logs may see: ``+7 *** ***-**-89``."""
    if contact.e164_enc is None:
        return "(erased)"
    return mask_e164(decrypt_e164(state, contact))


def find_id_by_e164(state, e164: str) -> str | None:
    """Blind-index candidates are decrypted and compared: the index is truncated on purpose."""
    index = state.keyring.blind_index(e164)
    candidates = state.db.session.execute(
        select(_contacts.c.id, _contacts.c.e164_enc)
        .where(_contacts.c.blind_index == index, _contacts.c.status == "active"))
    for row in candidates:
        if decrypt_e164(state, row) == e164:
            return row.id
    return None


def find_by_e164(state, e164: str) -> Contact | None:
    contact_id = find_id_by_e164(state, e164)
    return state.db.session.get(Contact, contact_id) if contact_id else None


def insert_contact(state, phone: ParsedPhone) -> str:
    contact_id = new_id()
    enc = state.keyring.encrypt
    state.db.session.execute(insert(_contacts).values(
        id=contact_id, region=phone.region, number_type=phone.number_type, status="active",
        blind_index=state.keyring.blind_index(phone.e164), created_at=utcnow(),
        e164_enc=enc(phone.e164, _ctx(contact_id, "e164_enc")),
        national_enc=enc(phone.national, _ctx(contact_id, "national_enc")),
        international_enc=enc(phone.international, _ctx(contact_id, "international_enc"))))
    return contact_id


def find_or_create(state, phone: ParsedPhone) -> tuple[str, bool]:
    """(contact id, created)."""
    existing = find_id_by_e164(state, phone.e164)
    if existing is not None:
        return existing, False
    return insert_contact(state, phone), True
