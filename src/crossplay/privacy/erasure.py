"""Erasure: ``crossplay forget --partner P --user NATIVE_ID`` removes a person everywhere.

The native id is turned into the partner's current ``user_key`` (never stored); then,
with the person ids of that key's links (computed first):

1. **the lake**: every committed file of every table — events, social edges (either end),
   consents, links, and quarantine rows whose raw text holds the key — is rewritten
   without those rows (:mod:`crossplay.privacy.lake_rewrite`: atomic manifest swap, old
   files deleted);
2. **the operational database**: every table of every module in ``TABLE_MODULES``, in
   every column marked with :func:`crossplay.opdb.pseudonym` (partner keys, the other
   partner's keys of this person's links are *not* erased — that account is a different
   user's — but rows keyed by the person id are). Tables others depend on (ledger
   accounts, campaign awards, redemptions: :func:`crossplay.opdb.anonymise_on_erasure`)
   keep their rows under a random tombstone instead, so the books balance and budgets,
   caps and stock read the same; person ids inside text (ledger idempotency keys and
   requests, outbox payloads) become that tombstone;
3. **derived files**: artefacts whose rows are addressed by *position* (trained
   recommender bundles: user table, history and user factors share row indexes) are
   handed to the module that owns them (:data:`ROW_INDEXED_MODULES`), which blanks the
   person's rows in place so that no other row moves; then every other Parquet file under
   ``<data_dir>/derived`` with a column of :data:`crossplay.core.derived.PERSON_COLUMNS`
   (profiles, audiences, exported recommendations, release members) loses the rows;
4. an audit entry whose subject is a one-way digest, with counts only.

An id that matches nothing (no lake row, no database row, no link, no derived row: a
person the partner never sent, a mistyped id, one already erased) is not an error: an
erasure request for someone we never saw is legitimate and is answered "no data held".
The report says so (``found`` is false), and the audit entry records the request with
``found: false``, so the answer can be shown later.

What models learned *across* users (item factors, similarities, popularity counts) is
not per person; it forgets the person at the next training.
"""

from __future__ import annotations

import importlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, inspect, or_

from crossplay.core.derived import PERSON_COLUMNS, write_parquet
from crossplay.core.errors import ConfigError, CrossplayError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.lake import Lake
from crossplay.opdb import (
    TABLE_MODULES,
    erasure_clears,
    metadata,
    person_id_text_columns,
    person_key_columns,
)
from crossplay.opdb.person_text import rewrite_person_text
from crossplay.privacy.audit import engine_for, person_subject, record
from crossplay.privacy.keys import check_user_key, native_key
from crossplay.privacy.lake_rewrite import rewrite_lake

#: lake columns that hold a person's pseudonymous key
LAKE_KEY_COLUMNS = ("user_key", "src_user_key", "dst_key", "k_user_key", "g_user_key")

#: modules owning derived artefacts addressed by row position. Each exposes
#: ``forget_keys(settings, keys: frozenset[str]) -> (rows blanked per artefact, the Parquet
#: files it owns)``; erasure leaves those files to it (imported by name, like the
#: operational table modules, so this floor does not import a higher one)
ROW_INDEXED_MODULES: tuple[str, ...] = ("crossplay.recommend.store",)


@dataclass
class ErasureReport:
    partner: Partner
    subject: str
    person_ids: int
    lake_rows: dict[str, int] = field(default_factory=dict)
    db_rows: dict[str, int] = field(default_factory=dict)
    derived_rows: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether anything of the person was held (and is now erased)."""
        return bool(self.person_ids or any(self.lake_rows.values())
                    or any(self.db_rows.values()) or any(self.derived_rows.values()))

    def as_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "subject": self.subject, "found": self.found,
                "person_ids": self.person_ids, "lake_rows": self.lake_rows,
                "db_rows": self.db_rows, "derived_rows": self.derived_rows}


def load_table_modules() -> None:
    """Import every module that declares operational tables (all must import)."""
    for module in TABLE_MODULES:
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise ConfigError(f"cannot import {module} ({exc}); erasing or re-keying without "
                              "its tables would be incomplete, so nothing was changed",
                              code="erasure_table_module",
                              params={"module": module, "detail": str(exc)}) from None


def _keep_mask(t: pa.Table, keys: pa.Array, needles: list[str]) -> pa.Array | None:
    drop = None
    for col in t.column_names:
        if col in LAKE_KEY_COLUMNS or col in PERSON_COLUMNS:
            hit = pc.fill_null(pc.is_in(t.column(col).cast(pa.string()), value_set=keys), False)
        elif col == "raw":
            raw = t.column(col).cast(pa.string())
            hit = None
            for n in needles:  # whole tokens only: "K1" must not match "K10"
                pattern = f"(^|[^0-9A-Za-z_-]){re.escape(n)}([^0-9A-Za-z_-]|$)"
                h = pc.fill_null(pc.match_substring_regex(raw, pattern), False)
                hit = h if hit is None else pc.or_(hit, h)
        else:
            continue
        if hit is not None:
            drop = hit if drop is None else pc.or_(drop, hit)
    if drop is None or not pc.any(drop).as_py():
        return None
    return pc.invert(drop)


def forget(settings: Settings, partner: Partner, native_id: str, *,
           actor: str = "cli", request: str | None = None) -> ErasureReport:
    """Remove one person of ``partner`` from the lake, the operational DB and derived files."""
    if partner not in PARTNERS:
        raise CrossplayError(f"unknown partner {partner!r}: use knowledge or game",
                             code="erasure_partner", params={"partner": partner})
    if not native_id.strip():
        raise CrossplayError("the user id is blank", code="bad_user")
    return forget_key(settings, partner, native_key(settings, partner, native_id),
                      native_id=native_id, actor=actor, request=request)


def forget_key(settings: Settings, partner: Partner, key: str, *,
               native_id: str | None = None, actor: str = "api",
               request: str | None = None) -> ErasureReport:
    """:func:`forget` of a ``user_key`` of ``partner`` (the API's users are addressed so).

    The lake rewrite drops rows holding ``key`` in *any* key column, whatever the
    partner: the caller must make sure ``key`` is one of ``partner``'s users (a native id
    pseudonymised with its secret, or a key known on its side), never a key it was sent.
    ``request`` (an id the caller gave the request) is written to the audit entry, so
    the request can be looked up later.
    """
    if partner not in PARTNERS:
        raise CrossplayError(f"unknown partner {partner!r}: use knowledge or game",
                             code="erasure_partner", params={"partner": partner})
    key = check_user_key(key)
    load_table_modules()
    from crossplay.warehouse.duck import connect

    col = "k_user_key" if partner == "knowledge" else "g_user_key"
    con = connect(settings)
    try:
        person_ids = [r[0] for r in con.sql(
            f"SELECT DISTINCT person_id FROM links_current WHERE {col} = '{key}'").fetchall()]
    finally:
        con.close()
    report = ErasureReport(partner, person_subject(partner, key), len(person_ids))
    keys = pa.array([key, *person_ids], pa.string())
    # quarantine raw text holds keys (ingest scrubs native ids); the native id is looked
    # for too, as a whole token, in case a row escaped scrubbing
    needles = [key] if native_id is None else [key, native_id.strip()]

    def rewrite(_table: str, _rel: str, t: pa.Table) -> pa.Table | None:
        keep = _keep_mask(t, keys, needles)
        return None if keep is None else t.filter(keep)

    report.lake_rows = rewrite_lake(Lake(settings.lake_dir), rewrite)
    report.db_rows = _erase_db(settings, partner, key, person_ids)
    report.derived_rows = _erase_derived(settings, keys, frozenset(keys.to_pylist()))
    details: dict[str, Any] = {"found": report.found, "person_ids": len(person_ids),
                               "lake_rows": report.lake_rows,
                               "db_rows": report.db_rows, "derived_rows": report.derived_rows}
    if request is not None:
        details["request"] = request
    record(settings, "erasure", actor=actor, subject=report.subject, details=details)
    return report


def _erase_db(settings: Settings, partner: Partner, key: str,
              person_ids: list[str]) -> dict[str, int]:
    """Delete the person's rows of every operational table, in one transaction.

    Tables marked :func:`crossplay.opdb.anonymise_on_erasure` keep the rows (others depend
    on them: postings on accounts, budget burn on awards, stock on redemptions) with every
    person column set to a random tombstone and the listed personal columns cleared; the
    person's ids inside ``person_id_text`` columns (ledger idempotency keys and requests,
    outbox payloads) become the same tombstone, so no text names the person afterwards.
    """
    engine = engine_for(settings)
    out: dict[str, int] = {}
    tombstone = f"erased-{secrets.token_hex(6)}"  # 12 hex: never read as a person id
    with engine.begin() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in reversed(metadata.sorted_tables):
            if table.name not in existing:
                continue
            conds: list[ColumnElement[bool]] = []
            person_cols: list[str] = []
            for name, kind in person_key_columns(table).items():
                c = table.c[name]
                if kind == "person":
                    if person_ids:
                        conds.append(c.in_(person_ids))
                        person_cols.append(name)
                elif kind in (partner, "partner"):
                    conds.append(c == key)
                    person_cols.append(name)
            if conds:
                clears = erasure_clears(table)
                if clears is None:
                    n = conn.execute(table.delete().where(or_(*conds))).rowcount or 0
                else:
                    n = 0
                    for name in person_cols:
                        matched = (table.c[name].in_(person_ids)
                                   if person_key_columns(table)[name] == "person"
                                   else table.c[name] == key)
                        values: dict[str, Any] = {name: tombstone}
                        values |= {c: None for c in clears}
                        n += conn.execute(table.update().where(matched).values(values)
                                          ).rowcount or 0
                if n:
                    out[table.name] = int(n)
            for name in person_id_text_columns(table) if person_ids else []:
                changed = rewrite_person_text(conn, table, name,
                                              dict.fromkeys(person_ids, tombstone))
                if changed:
                    out[f"{table.name}.{name}"] = changed
    return out


def _erase_derived(settings: Settings, keys: pa.Array,
                   key_set: frozenset[str]) -> dict[str, int]:
    root = settings.data_dir / "derived"
    out: dict[str, int] = {}
    if not root.is_dir():
        return out
    owned: set[Path] = set()
    for module in ROW_INDEXED_MODULES:
        try:
            forget_keys = importlib.import_module(module).forget_keys
        except Exception as exc:
            raise ConfigError(f"cannot import {module} ({exc}); its row-indexed files "
                              "would be left holding the person, so the erasure stopped "
                              "after the lake and database steps: fix it and run forget "
                              "again", code="erasure_forget_keys",
                              params={"module": module, "detail": str(exc)}) from None
        blanked, files = forget_keys(settings, key_set)
        owned |= set(files)
        out |= {f"{name} (rows blanked)": n for name, n in blanked.items()}
    for path in sorted(root.rglob("*.parquet")):
        if path.name.startswith(".") or path in owned:
            continue
        t = pq.read_table(path)
        keep = _keep_mask(t, keys, [])
        if keep is None:
            continue
        new = t.filter(keep)
        write_parquet(new, path)
        out[str(path.relative_to(root))] = t.num_rows - new.num_rows
    return out
