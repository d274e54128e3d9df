"""Contacts: one per phone number, found through the blind index, stored encrypted."""
from __future__ import annotations

from sqlalchemy import select

from .models import Contact, new_id
from .phone import ParsedPhone, mask_e164


def _ctx(contact_id: str, column: str) -> str:
    return f"phonecapture_contact.{column}.{contact_id}"


def decrypt_e164(state, contact: Contact) -> str:
    return state.keyring.decrypt(contact.e164_enc, _ctx(contact.id, "e164_enc"))


def masked(state, contact: Contact) -> str:
    """What staff and logs may see: ``+7 *** ***-**-89``."""
    if contact.e164_enc is None:
        return "(erased)"
    return mask_e164(decrypt_e164(state, contact))


def find_by_e164(state, e164: str) -> Contact | None:
    """Blind-index candidates are decrypted and compared: the index is truncated on purpose."""
    index = state.keyring.blind_index(e164)
    candidates = state.db.session.execute(
        select(Contact).where(Contact.blind_index == index, Contact.status == "active")).scalars()
    for contact in candidates:
        if decrypt_e164(state, contact) == e164:
            return contact
    return None


def find_or_create(state, phone: ParsedPhone) -> tuple[Contact, bool]:
    existing = find_by_e164(state, phone.e164)
    if existing is not None:
        return existing, False
    contact = Contact(id=new_id(), region=phone.region, number_type=phone.number_type,
                      blind_index=state.keyring.blind_index(phone.e164))
    enc = state.keyring.encrypt
    contact.e164_enc = enc(phone.e164, _ctx(contact.id, "e164_enc"))
    contact.national_enc = enc(phone.national, _ctx(contact.id, "national_enc"))
    contact.international_enc = enc(phone.international, _ctx(contact.id, "international_enc"))
    state.db.session.add(contact)
    return contact, True
