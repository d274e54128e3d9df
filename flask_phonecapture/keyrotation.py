"""Key rotation: every ``*_enc`` value re-encrypted under the keyring's primary key.

``flask phonecapture keys rotate`` runs :func:`rotate` while the app keeps serving:

* online: each batch is its own short transaction, and each value is written with a
  compare-and-set (``... WHERE id = :id AND col = :old``), so a value the app rewrote meanwhile
  is never overwritten with a stale one: it is counted as skipped and read again in the next
  pass over the column;
* resumable: a run only looks for values whose key id is not the primary's, so a killed run
  loses nothing and the next one goes on from where the work is left;
* a value that does not decrypt (a key id missing from the keyring, a tampered value) is left
  as it is and reported by table, column and row id, never by its content.

The blind index and the code/token HMACs hang off ``PHONECAPTURE_INDEX_KEY`` and are not touched
here (replacing that key: indexrotation.py).
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import Column, Table, bindparam, case, func, literal, select, update

from .crypto import PREFIX, CryptoError
from .models import Base
from .privacy import audit

#: how many times a column is walked again for values that changed under a pass (skipped)
MAX_PASSES = 3
#: what :func:`key_usage` calls values that are not ``pc1.<kid>.<data>`` at all
NOT_A_CIPHERTEXT = "(not a pc1 ciphertext)"
_PRINTABLE_KID = re.compile(r"[A-Za-z0-9_-]{1,16}")


def encrypted_columns() -> list[tuple[Table, Column]]:
    """Every ``*_enc`` column of the extension's tables, read from the models (never a stale list)."""
    return [(table, column) for table in Base.metadata.sorted_tables
            for column in table.c if column.name.endswith("_enc")]


def _row_id(table: Table) -> Column:
    (pk,) = table.primary_key.columns  # the associated data names one id per row
    return pk


def _like_kid(kid: str) -> str:
    """A LIKE pattern for values under ``kid`` (key ids may hold LIKE's own ``_``)."""
    escaped = kid.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{PREFIX}.{escaped}.%"


def _kid_sql(column, dialect: str):
    """The ``<kid>`` of ``pc1.<kid>.<data>``, computed in the database."""
    if dialect == "postgresql":
        return func.split_part(column, ".", 2)
    rest = func.substr(column, len(PREFIX) + 2)  # SQLite, MySQL: no split_part
    return func.substr(rest, 1, func.instr(rest, ".") - 1)


def key_usage(state) -> dict[str, Counter]:
    """``{"table.column": Counter({kid: values})}``, counted by the database, no row loaded."""
    session = state.db.session
    dialect = session.get_bind().dialect.name
    known, usage = {kid for kid, _ in state.keyring.keys}, {}
    for table, column in encrypted_columns():
        kid = case((column.like(f"{PREFIX}.%"), _kid_sql(column, dialect)),
                   else_=literal(NOT_A_CIPHERTEXT)).label("kid")
        # grouped in an outer query: PostgreSQL won't match a GROUP BY expression with parameters
        inner = select(kid).where(column.is_not(None)).subquery()
        rows = session.execute(select(inner.c.kid, func.count()).group_by(inner.c.kid)).all()
        counts = usage[f"{table.name}.{column.name}"] = Counter()
        for kid, n in rows:  # an unknown "key id" might be anything: shown only if it looks like one
            plain = kid in known or kid == NOT_A_CIPHERTEXT or _PRINTABLE_KID.fullmatch(kid or "")
            counts[kid if plain else "(malformed key id)"] += n
    session.rollback()
    return usage


@dataclass
class Failure:
    """A value left as it was: where it is and why, never what it holds."""
    table: str
    column: str
    row_id: str
    reason: str


@dataclass
class ColumnResult:
    name: str
    rotated: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class RotationResult:
    primary: str
    columns: list[ColumnResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.columns)

    @property
    def failures(self) -> list[Failure]:
        return [f for c in self.columns for f in c.failures]


def _reencrypt(keyring, token: str, context: str) -> str:
    return keyring.encrypt(keyring.decrypt(token, context), context)


def _why(keyring, token: str) -> str:
    if not token.startswith(PREFIX + "."):
        return "not a pc1 ciphertext"
    if keyring.key_id_of(token) not in {kid for kid, _ in keyring.keys}:
        return "key id not in PHONECAPTURE_KEYS"
    return "does not authenticate"


def rotate(state, *, actor: str, batch_size: int = 500,
           progress: Callable[[ColumnResult], None] | None = None) -> RotationResult:
    """Re-encrypt every value not under the primary key (see the module docstring), committing
    per batch, then append a ``key_rotate`` audit record. ``progress`` is called with each
    column's result when the column is done."""
    result = RotationResult(state.keyring.primary_id)
    started = time.monotonic()
    for table, column in encrypted_columns():
        column_result = _rotate_column(state, table, column, batch_size)
        result.columns.append(column_result)
        if progress:
            progress(column_result)
    result.seconds = time.monotonic() - started
    # counts only: the reason column is free text, the outcome column 16 characters
    audit(state, action="key_rotate", target=f"PHONECAPTURE_KEYS:{result.primary}", actor=actor,
          reason=f"rotated {result.rotated}, skipped {result.skipped}, failed {len(result.failures)}",
          outcome="failed" if result.failures else "ok")
    state.db.session.commit()
    return result


def _rotate_column(state, table: Table, column: Column, batch_size: int) -> ColumnResult:
    session, keyring = state.db.session, state.keyring
    row_id = _row_id(table)
    out = ColumnResult(f"{table.name}.{column.name}")
    started = time.monotonic()
    # Rotation is no change of the row: an ``onupdate`` timestamp (the outbox's updated_at, which
    # the sweeper reads for staleness) keeps its value.
    keep = {c.name: c for c in table.c if c.onupdate is not None}
    old = select(row_id, column).where(column.is_not(None), column.not_like(_like_kid(keyring.primary_id),
                                                                            escape="\\"))
    failed: set = set()  # reported once, though a later pass meets them again
    for _ in range(MAX_PASSES):
        skipped_before, after = out.skipped, None
        while True:  # keyset by row id: each batch starts where the last ended, no rescans
            page = old if after is None else old.where(row_id > after)
            rows = session.execute(page.order_by(row_id).limit(batch_size)).all()
            if not rows:
                session.rollback()
                break
            after = rows[-1][0]
            try:
                _rotate_batch(state, table, column, rows, keep, out, failed)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        if out.skipped == skipped_before:
            break
    out.seconds = time.monotonic() - started
    return out


def _rotate_batch(state, table, column, rows, keep, out: ColumnResult, failed: set) -> None:
    session, keyring = state.db.session, state.keyring
    row_id = _row_id(table)
    fresh = []
    for rid, token in rows:
        try:
            fresh.append({"_rid": rid, "_old": token,
                          "_new": _reencrypt(keyring, token, f"{table.name}.{column.name}.{rid}")})
        except (CryptoError, ValueError):  # ValueError: broken base64 or UTF-8
            if rid not in failed:
                failed.add(rid)
                out.failures.append(Failure(table.name, column.name, rid, _why(keyring, token)))
    if not fresh:
        return
    # One executemany for the whole batch, not a statement per value: a round trip per value
    # made the batch size irrelevant and held the batch's row locks for its whole length
    # (bench/key_rotation.py). The rowcount is the batch's total on PostgreSQL and SQLite alike
    # (``supports_sane_multi_rowcount``); which values were skipped needs no telling: the next
    # pass reads them again.
    cas = (update(table).where(row_id == bindparam("_rid"), column == bindparam("_old"))
           .values({column.name: bindparam("_new"), **keep}))
    changed = executemany_rowcount(session, cas, fresh)
    out.rotated += changed
    out.skipped += len(fresh) - changed  # written (or erased) meanwhile: the newer value stands


def executemany_rowcount(session, statement, rows: list[dict]) -> int:
    """Rows changed by ``statement`` run over ``rows`` in one executemany; one statement per row
    with a driver whose executemany total can't be trusted."""
    if session.get_bind().dialect.supports_sane_multi_rowcount:
        return session.execute(statement, rows).rowcount
    return sum(session.execute(statement, row).rowcount for row in rows)
