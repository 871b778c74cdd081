"""Read the live consent and link tables of the operational DB as Arrow tables.

The warehouse (:func:`crossplay.warehouse.duck.connect`) unions these with the lake's rows.
Reading never creates a database: with no ``db_url`` and no SQLite file yet, or before the
tables exist, the live tables are empty.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.opdb import get_engine

CONSENT_SCHEMA = pa.schema([("id", pa.int64()), ("partner", pa.string()),
                            ("user_key", pa.string()), ("purpose", pa.string()),
                            ("granted", pa.bool_()), ("ts", pa.timestamp("us", tz="UTC")),
                            ("source", pa.string())])
LINK_SCHEMA = pa.schema([("id", pa.int64()), ("k_user_key", pa.string()),
                         ("g_user_key", pa.string()), ("method", pa.string()),
                         ("action", pa.string()), ("ts", pa.timestamp("us", tz="UTC")),
                         ("source", pa.string())])


def _has_db(settings: Settings) -> bool:
    return bool(settings.db_url) or (settings.data_dir / "crossplay.db").is_file()


def read_live(settings: Settings) -> tuple[pa.Table, pa.Table]:
    """``(live consents, live links)``; empty tables when nothing was recorded."""
    from crossplay.privacy.tables import live_consents, live_links

    out: list[pa.Table] = []
    if not _has_db(settings):
        return CONSENT_SCHEMA.empty_table(), LINK_SCHEMA.empty_table()
    try:
        engine = get_engine(settings)
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
            for tbl, schema in ((live_consents, CONSENT_SCHEMA), (live_links, LINK_SCHEMA)):
                if tbl.name not in names:
                    out.append(schema.empty_table())
                    continue
                rows = conn.execute(select(*[tbl.c[f.name] for f in schema])).all()
                cols = {f.name: [r[i] for r in rows] for i, f in enumerate(schema)}
                out.append(pa.table(cols, schema=_fix_ts(cols, schema)))
    except SQLAlchemyError as exc:
        raise ConfigError(f"cannot read the live consents and links: {exc}",
                          code="privacy_live_unreadable", params={"detail": str(exc)}) from None
    return out[0], out[1]


def _fix_ts(cols: dict[str, list[object]], schema: pa.Schema) -> pa.Schema:
    from datetime import UTC, datetime

    # SQLite returns naive datetimes (stored as UTC): mark them UTC
    cols["ts"] = [t.replace(tzinfo=UTC) if isinstance(t, datetime) and t.tzinfo is None
                  else t for t in cols["ts"]]
    return schema
