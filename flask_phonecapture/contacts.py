"""Contacts: one per phone number, found through the blind index, stored encrypted.

The write path uses Core statements (no ORM unit of work): it runs on every submission.
One contact per number holds under concurrency through :func:`lock_number`: the blind index
is truncated on purpose (different numbers share a value), so no unique index can say it.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from .models import Contact, ContactLock, new_id, utcnow
from .phone import ParsedPhone, mask_e164

_contacts = Contact.__table__
_locks = ContactLock.__table__


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
    candidates = state.db.session.execute(
        select(_contacts.c.id, _contacts.c.e164_enc)  # (and under a retired index key)
        .where(_contacts.c.blind_index.in_(state.keyring.blind_indexes(e164)), _contacts.c.status == "active")
        .order_by(_contacts.c.created_at, _contacts.c.id))  # rows from before 0003: the oldest wins
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


def lock_slots(state, e164: str) -> list[int]:
    """The number's lock slots, in ascending order: the first 16 bits (one of 65 536) of its blind
    index under each index key held. While an old key is listed (PHONECAPTURE_OLD_INDEX_KEYS)
    there are two, and a process that has the new keys takes both, so it still queues with one
    that has not been given them yet (which takes the old key's slot alone); taken in one order
    everywhere, two numbers' slots never deadlock."""
    return sorted({int(index[:4], 16) for index in state.keyring.blind_indexes(e164)})


_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def lock_number(state, e164: str) -> None:
    """Hold the number's slots (:func:`lock_slots`) until the session's transaction ends (commit
    or rollback).

    A write on the slot's row: on PostgreSQL (and MySQL) a row lock, so a second request for the
    same number waits here, then -- READ COMMITTED, each statement a fresh snapshot -- sees what
    the first committed; on SQLite the write takes the database's write lock, the same effect.
    The row is made the first time a slot is used. On PostgreSQL and SQLite one upsert makes it
    or locks it; elsewhere two first uses at once meet on its primary key, and the loser locks
    the winner's row instead (in a SAVEPOINT: the transaction goes on).
    Numbers that share a slot only wait for each other, for one short transaction.
    """
    session, slots = state.db.session, lock_slots(state, e164)
    upsert = _UPSERT.get(session.get_bind().dialect.name)
    if upsert is not None:
        # One statement makes each row or locks it (waiting for a parallel insert), in the order
        # of its VALUES list: ascending, one round trip while an old key is listed too.
        ins = upsert(_locks).values([{"slot": slot, "locked_at": utcnow()} for slot in slots])
        session.execute(ins.on_conflict_do_update(index_elements=[_locks.c.slot],
                                                  set_={"locked_at": ins.excluded.locked_at}))
        return
    for slot in slots:
        _lock_slot(session, slot)


def _lock_slot(session, slot: int) -> None:
    touch = update(_locks).where(_locks.c.slot == slot).values(locked_at=utcnow())
    if session.execute(touch).rowcount:
        return
    try:
        with session.begin_nested():
            session.execute(insert(_locks).values(slot=slot, locked_at=utcnow()))
    except IntegrityError:  # made by a parallel request meanwhile (we waited for its commit)
        session.execute(touch)


def find_or_create(state, phone: ParsedPhone) -> tuple[str, bool]:
    """(contact id, created). Locks the number (:func:`lock_number`) for the caller's transaction,
    so the caller's own check-then-insert (a pending submission, say) is serialised with it."""
    lock_number(state, phone.e164)
    existing = find_id_by_e164(state, phone.e164)
    if existing is not None:
        return existing, False
    return insert_contact(state, phone), True
