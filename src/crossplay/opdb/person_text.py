"""Person ids inside text columns (see :func:`crossplay.opdb.meta.person_id_text`)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update

#: a person id (16 hex characters) as a whole token inside a text
_PERSON_ID = re.compile(r"\b[0-9a-f]{16}\b")
#: rows per batch when rewriting person ids inside text columns
_TEXT_BATCH = 5_000


def rewrite_person_text(conn: Connection, table: Table, name: str,
                       pid_map: dict[str, str]) -> int:
    """Rewrite every person id token of ``pid_map`` in a text column, batch by batch in
    primary-key order (inside the caller's transaction); returns the rows changed.

    Key rotation maps old ids to new ones; erasure maps the erased ids to a tombstone."""
    pks = list(table.primary_key.columns)
    if len(pks) != 1:
        raise ValueError(f"{table.name}: a person_id_text column needs a one-column "
                         f"primary key")
    pk, col = pks[0], table.c[name]
    stmt = update(table).where(pk == bindparam("_pk")).values({name: bindparam("_text")})
    changed = 0
    last: Any = None
    while True:
        q = select(pk, col).where(col.is_not(None)).order_by(pk).limit(_TEXT_BATCH)
        if last is not None:
            q = q.where(pk > last)
        rows = conn.execute(q).all()
        if not rows:
            return changed
        params = []
        for key, text in rows:
            new = _PERSON_ID.sub(lambda m: pid_map.get(m.group(0), m.group(0)), str(text))
            if new != text:
                params.append({"_pk": key, "_text": new})
        if params:
            conn.execute(stmt, params)
            changed += len(params)
        last = rows[-1][0]
