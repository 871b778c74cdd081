"""The live consent and link tables' watermark: has any decision or link changed?

In-memory views of consent (the recommender's :class:`~crossplay.recommend.consent_view.
ConsentView`, the check-ins' :class:`~crossplay.campaigns.live_state.CheckinState`) must
apply a refusal or an unbind on the very next request, yet cannot afford a DuckDB
warehouse per request. A change of a decision or a link is a new row with an increasing
``id``; an erasure deletes the person's rows. So each table's newest id *and* its row
count are a version of the live decisions (an insert raises the id, a delete lowers the
count): one small query per request says whether a view must be rebuilt. (The live tables
hold only decisions made live and links; what ingest loaded is in the lake.) Read the
watermark *before* building a view: a change committed in between is then both in the
view and newer than its label, which costs one extra rebuild, never a missed change.
What only the lake holds (ingested exports) changes with the lake's manifest instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

#: the live tables' newest row ids and row counts; SQL for both dialects
WATERMARK_SQL = ("SELECT (SELECT max(id) FROM privacy_consents), "
                 "(SELECT max(id) FROM privacy_links), "
                 "(SELECT count(*) FROM privacy_consents), "
                 "(SELECT count(*) FROM privacy_links)")

#: (newest consent id, newest link id, consent rows, link rows); 0 for an empty table
Watermark = tuple[int, int, int, int]


def watermark_of(row: Any) -> Watermark:
    """The watermark of a row of :data:`WATERMARK_SQL`."""
    return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))


def read_watermark(con: Connection) -> Watermark:
    """The watermark on an open SQLAlchemy connection (the tables must exist)."""
    return watermark_of(con.execute(text(WATERMARK_SQL)).one())
