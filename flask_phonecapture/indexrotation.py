"""Replacing the index key: ``flask phonecapture keys rotate-index`` runs :func:`rotate_index`.

The steps (README, "Replacing the index key"): the new key becomes ``PHONECAPTURE_INDEX_KEY`` and
the old one moves to ``PHONECAPTURE_OLD_INDEX_KEYS``. From then on everything new is indexed and
signed under the new key, and lookups, code checks, submit tokens and unsubscribe links also
accept the old one (crypto.Keyring). This command then moves what can be recomputed:

* each active contact's blind index, from its decrypted number (a compare-and-set per row, so a
  contact erased or re-indexed meanwhile is left as it is: counted as skipped);
* the erasure requests and STOP/START/HELP records of those contacts;
* each suppression row (a STOP, an unsubscribe link) of a number we hold gets its twin under the
  new key, so it still holds once the old key is gone.

What can't be recomputed stays under the old key: suppression rows and STOP records of numbers
we don't hold (we never had the number, or it was erased), and erasure requests for such
numbers (deleted within the hour). Such rows are counted; the old key stays listed while they
should keep working: a STOP from a number that never signed up is honoured only with it.

Online and resumable like ``keys rotate``: batches by contact id, each its own transaction.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from .contacts import decrypt_e164
from .crypto import CryptoError
from .keyrotation import executemany_rowcount
from .models import Contact, ErasureRequest, KeywordEvent, Suppression, utcnow
from .privacy import audit


@dataclass
class IndexRotationResult:
    contacts: int = 0       # contacts re-indexed under the current key
    current: int = 0        # already under it
    skipped: int = 0        # erased or re-indexed meanwhile
    failed: int = 0         # numbers that did not decrypt (left as they are; `keys status` tells)
    linked: int = 0         # their erasure requests and STOP/START/HELP records re-indexed
    suppressions: int = 0   # suppression rows copied under the current key
    unheld: int = 0         # suppression rows no number we hold accounts for
    seconds: float = 0.0


def rotate_index(state, *, actor: str, batch_size: int = 500) -> IndexRotationResult:
    """Re-index what can be recomputed under the current index key (the module docstring), then
    append a ``key_rotate`` audit record. Raises ValueError when no retired key is listed."""
    ring, session = state.keyring, state.db.session
    if not ring.old_index_keys:
        raise ValueError("PHONECAPTURE_OLD_INDEX_KEYS is empty: list the index key being replaced there")
    out, started = IndexRotationResult(), time.monotonic()
    accounted: set[str] = set()  # every index, under any key, of a number we hold
    query = (select(Contact.id, Contact.e164_enc, Contact.blind_index)
             .where(Contact.e164_enc.is_not(None), Contact.status == "active").order_by(Contact.id))
    after = None
    while True:  # keyset by contact id: each batch starts where the last ended
        rows = session.execute((query if after is None else query.where(Contact.id > after))
                               .limit(batch_size)).all()
        if not rows:
            session.rollback()
            break
        after = rows[-1].id
        try:
            _batch(state, rows, out, accounted)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    known = session.execute(select(Suppression.blind_index)).scalars().all()
    out.unheld = sum(1 for index in known if index not in accounted)
    session.rollback()
    out.seconds = time.monotonic() - started
    audit(state, action="key_rotate", target="PHONECAPTURE_INDEX_KEY", actor=actor,
          reason=(f"re-indexed {out.contacts} contacts, {out.linked} linked rows, copied "
                  f"{out.suppressions} suppressions; {out.unheld} suppressions of numbers not held"),
          outcome="failed" if out.failed else "ok")
    session.commit()
    return out


def _batch(state, rows, out: IndexRotationResult, accounted: set) -> None:
    ring, session = state.keyring, state.db.session
    moves, olds = [], {}  # compare-and-set values; {old index: [the number's current index, ...]}
    for row in rows:
        try:
            indexes = ring.blind_indexes(decrypt_e164(state, row))
        except (CryptoError, ValueError):
            out.failed += 1
            continue
        current = indexes[0]
        accounted.update(indexes)
        for old in indexes[1:]:
            olds.setdefault(old, []).append(current)
        if row.blind_index == current:
            out.current += 1
        else:
            moves.append({"_rid": row.id, "_old": row.blind_index, "_new": current})
    if moves:
        # One executemany per statement, as keyrotation does: a round trip per row was 3 per contact.
        contacts = Contact.__table__
        cas = (update(contacts).where(contacts.c.id == bindparam("_rid"), contacts.c.blind_index == bindparam("_old"),
                                      contacts.c.status == "active").values(blind_index=bindparam("_new")))
        changed = executemany_rowcount(session, cas, moves)
        out.contacts += changed
        out.skipped += len(moves) - changed
        for table in (ErasureRequest.__table__, KeywordEvent.__table__):  # erased ones hold "": left as they are
            out.linked += executemany_rowcount(session, update(table).where(
                table.c.contact_id == bindparam("_rid"), table.c.blind_index == bindparam("_old"))
                .values(blind_index=bindparam("_new")), moves)
    if olds:
        twins = session.execute(select(Suppression.blind_index, Suppression.scope, Suppression.reason,
                                       Suppression.created_at)
                                .where(Suppression.blind_index.in_(list(olds)))).all()
        have = {(r.blind_index, r.scope) for r in session.execute(
            select(Suppression.blind_index, Suppression.scope)
            .where(Suppression.blind_index.in_({c for cs in olds.values() for c in cs}))).all()}
        for twin in twins:
            for current in olds[twin.blind_index]:
                if (current, twin.scope) not in have:
                    have.add((current, twin.scope))
                    try:
                        with session.begin_nested():
                            session.add(Suppression(blind_index=current, scope=twin.scope, reason=twin.reason,
                                                    created_at=twin.created_at or utcnow()))
                        out.suppressions += 1
                    except IntegrityError:
                        pass  # a STOP under the new key landed right now
