"""The live consent and link tables' watermark: has any decision or link changed?

In-memory views of consent (the recommender's :class:`~crossplay.recommend.consent_view.
ConsentView`, the check-ins' :class:`~crossplay.campaigns.live_state.CheckinState`) must
apply a refusal or an unbind on the very next request, yet cannot afford a DuckDB
warehouse per request. Both tables are append-only with an increasing ``id`` (a change is
a new row), so their newest ids are a version of the live decisions: one indexed
``max(id)`` query per request (microseconds) says whether a view must be rebuilt. Read the
watermark *before* building a view: a change committed in between is then both in the
view and newer than its label, which costs one extra rebuild, never a missed change.
What only the lake holds (ingested exports) changes with the lake's manifest instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

#: the live tables' newest row ids: (consents, links); SQL for both dialects
WATERMARK_SQL = ("SELECT (SELECT max(id) FROM privacy_consents), "
                 "(SELECT max(id) FROM privacy_links)")

#: (newest consent id, newest link id); 0 for an empty table
Watermark = tuple[int, int]


def watermark_of(row: Any) -> Watermark:
    """The watermark of a row of :data:`WATERMARK_SQL`."""
    return (int(row[0] or 0), int(row[1] or 0))


def read_watermark(con: Connection) -> Watermark:
    """The watermark on an open SQLAlchemy connection (the tables must exist)."""
    return watermark_of(con.execute(text(WATERMARK_SQL)).one())
