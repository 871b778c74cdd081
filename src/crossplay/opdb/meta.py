"""Shared table metadata and the marker for columns that hold pseudonymous person keys.

Every operational table is declared on :data:`metadata`. A column that holds a person's
pseudonymous key is marked with :func:`pseudonym`, so that key rotation and erasure
(``crossplay keys rotate``, ``crossplay forget``) find every such column in every table
without a hand-kept list:

- ``pseudonym("knowledge")`` / ``pseudonym("game")``: a user_key of that partner;
- ``pseudonym("partner")``: a user_key whose partner is the row's ``partner`` column;
- ``pseudonym("person")``: a ``person_id`` (a link between the two partners' keys).

Derived files follow the same idea: see :mod:`crossplay.core.derived`.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import MetaData, Table

PseudonymKind = Literal["knowledge", "game", "partner", "person"]

#: key in ``Column.info`` that marks a pseudonymous person key
PSEUDONYM_INFO = "crossplay_pseudonym"

#: modules that declare tables on :data:`metadata` (imported by ``ensure_schema``)
TABLE_MODULES: tuple[str, ...] = (
    "crossplay.privacy.tables",
    "crossplay.campaigns.tables",
    "crossplay.measure.tables",
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


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
