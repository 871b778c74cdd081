"""The operational database: SQLAlchemy 2 Core on SQLite (default) or PostgreSQL.

Ledger, check-ins, campaigns, experiments, live consents, audit log and every other piece of
operational state live here. Each feature declares its tables on the one shared
:data:`crossplay.opdb.meta.metadata` in its own ``tables`` module and lists that module in
:data:`crossplay.opdb.meta.TABLE_MODULES`. The database is created and changed only by the
Alembic revisions in :mod:`crossplay.opdb.migrations` (a new table needs a new revision):
:func:`ensure_schema` creates an empty database at the head revision and refuses any other
state but "at head" (see :mod:`crossplay.opdb.schema_version` and docs/operations.md).
"""

from crossplay.opdb.engine import db_url, dispose_engines, ensure_schema, get_engine
from crossplay.opdb.meta import (
    PERSON_ID_TEXT_INFO,
    PSEUDONYM_INFO,
    TABLE_MODULES,
    anonymise_on_erasure,
    erasure_clears,
    metadata,
    person_id_text,
    person_id_text_columns,
    person_key_columns,
    pseudonym,
)

__all__ = [
    "PERSON_ID_TEXT_INFO",
    "PSEUDONYM_INFO",
    "TABLE_MODULES",
    "anonymise_on_erasure",
    "db_url",
    "dispose_engines",
    "ensure_schema",
    "erasure_clears",
    "get_engine",
    "metadata",
    "person_id_text",
    "person_id_text_columns",
    "person_key_columns",
    "pseudonym",
]
