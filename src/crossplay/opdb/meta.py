"""Shared table metadata and the marker for columns that hold pseudonymous person keys.

Every operational table is declared on :data:`metadata`. A column that holds a person's
pseudonymous key is marked with :func:`pseudonym`, so that key rotation and erasure
(``crossplay keys rotate``, ``crossplay forget``) find every such column in every table
without a hand-kept list:

- ``pseudonym("knowledge")`` / ``pseudonym("game")``: a user_key of that partner;
- ``pseudonym("partner")``: a user_key whose partner is the row's ``partner`` column;
- ``pseudonym("person")``: a ``person_id`` (a link between the two partners' keys).

A text column in which person ids appear *inside* the text, as whole tokens (a ledger
idempotency key such as ``<campaign>:checkin:game:<person_id>:<day>``, a canonical request,
a message payload), is marked with :func:`person_id_text`: key rotation rewrites every
person id token in it in the same transaction as the ``pseudonym("person")`` columns, so
what was keyed by a person before a rotation is found under the person's new id after it.
Such a table needs a one-column primary key (rows are rewritten by it).

Erasure deletes a person's rows, except in tables marked with :func:`anonymise_on_erasure`
(``Table(..., info=anonymise_on_erasure(...))``): rows other rows or totals depend on --
ledger accounts that postings reference, awards that a campaign's budget burn and caps
count, redemptions that hold reward stock -- keep their place and amounts, and their
person columns take a random per-erasure tombstone (their other personal columns are
cleared), so the books still balance and nobody else's numbers move.

Derived files follow the same idea: see :mod:`crossplay.core.derived`.
"""

from __future__ import annotations

import importlib
from typing import Literal

from sqlalchemy import MetaData, Table

PseudonymKind = Literal["knowledge", "game", "partner", "person"]

#: key in ``Column.info`` that marks a pseudonymous person key
PSEUDONYM_INFO = "crossplay_pseudonym"

#: key in ``Column.info`` that marks text holding person ids as tokens
PERSON_ID_TEXT_INFO = "crossplay_person_id_text"

#: key in ``Table.info`` that marks a table whose rows erasure anonymises instead of deleting
ERASURE_INFO = "crossplay_erasure"

#: modules that declare tables on :data:`metadata` (imported by :func:`load_tables`)
TABLE_MODULES: tuple[str, ...] = (
    "crossplay.privacy.tables",
    "crossplay.campaigns.tables",
    "crossplay.measure.tables",
    "crossplay.access.tables",
    "crossplay.web.tables",
    "crossplay.ops.tables",
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def load_tables() -> MetaData:
    """:data:`metadata` with every table of :data:`TABLE_MODULES` declared on it."""
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return metadata


def pseudonym(kind: PseudonymKind) -> dict[str, str]:
    """``info=`` for a Column that holds a pseudonymous key of the given kind."""
    return {PSEUDONYM_INFO: kind}


def person_key_columns(table: Table) -> dict[str, PseudonymKind]:
    """The columns of ``table`` marked with :func:`pseudonym`, by name."""
    out: dict[str, PseudonymKind] = {}
    for col in table.columns:
        kind = col.info.get(PSEUDONYM_INFO)
        if kind is not None:
            out[col.name] = kind
    return out


def person_id_text() -> dict[str, bool]:
    """``info=`` for a text Column in which person ids appear as whole tokens."""
    return {PERSON_ID_TEXT_INFO: True}


def person_id_text_columns(table: Table) -> list[str]:
    """The columns of ``table`` marked with :func:`person_id_text`, by name."""
    return [col.name for col in table.columns if col.info.get(PERSON_ID_TEXT_INFO)]


def anonymise_on_erasure(*, clear: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """``info=`` for a Table whose rows erasure keeps, with the person columns tombstoned
    and the columns in ``clear`` (other personal data, e.g. a device id) set to NULL."""
    return {ERASURE_INFO: clear}


def erasure_clears(table: Table) -> tuple[str, ...] | None:
    """None when erasure deletes ``table``'s rows of a person; else the columns it clears
    (the rows are kept and anonymised, see :func:`anonymise_on_erasure`)."""
    clear = table.info.get(ERASURE_INFO)
    return None if clear is None else tuple(clear)
