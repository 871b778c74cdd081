"""Built pages, kept until the data they come from change.

A page's data are cached per (page, filters, extra parameters, language, the viewer's
partner scope) next to the *data signature* of its sources at build time; a request whose
signature differs builds again. Signatures, cheap enough to take once a second per
process (:data:`SIGNATURE_TTL_S`):

- ``lake``: the lake manifest's size and modification time (every ingest, erasure, key
  rotation or compaction replaces it);
- ``derived``: the newest modification time and the number of files under
  ``<data_dir>/derived`` (every job writes its results there, atomically);
- ``opdb`` (or one group of it: ``privacy``, ``ledger``, ``experiments``): per
  operational table, the largest integer id (append-only tables: consent
  and link changes, ledger postings, releases, budget spends) or, for the small tables
  whose rows change in place (campaign state, experiments, rewards), a digest of the rows;
  check-ins by count;
- ``audit``: the audit chain's last sequence number (only the privacy page shows it:
  every audited read would otherwise empty every page's cache).

Each worker process keeps its own cache (LRU, :data:`MAX_ENTRIES`).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine, Integer, func, select

from crossplay.core.settings import Settings

MAX_ENTRIES = 512
SIGNATURE_TTL_S = 1.0
#: small tables whose rows change in place: their whole content is the signature
_DIGESTED = ("campaign_state", "measure_experiments", "campaign_rewards")
_COUNTED = ("campaign_checkins",)
AUDIT_TABLE = "privacy_audit"


def _lake_signature(settings: Settings) -> str:
    try:
        st = (settings.lake_dir / "_manifest.json").stat()
    except OSError:
        return "none"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _derived_signature(settings: Settings) -> str:
    root = settings.data_dir / "derived"
    newest, files = 0, 0
    for dirpath, dirnames, filenames in os.walk(root):
        newest = max(newest, os.stat(dirpath).st_mtime_ns)
        for name in filenames:
            try:
                newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime_ns)
            except OSError:
                continue
            files += 1
        dirnames.sort()
    return f"{files}:{newest}"


#: table-name prefixes of each operational source (``opdb`` is all of them)
OPDB_GROUPS: dict[str, tuple[str, ...]] = {
    "privacy": ("privacy_",),
    "ledger": ("ledger_", "campaign_", "api_idempotency"),
    "experiments": ("measure_",),
}


def _in_group(name: str, group: str) -> bool:
    if name == AUDIT_TABLE:
        return group == "audit"
    if group == "opdb":
        return any(name.startswith(p) for ps in OPDB_GROUPS.values() for p in ps)
    return any(name.startswith(p) for p in OPDB_GROUPS.get(group, ()))


def _opdb_signature(engine: Engine, group: str) -> str:
    from crossplay.opdb import ensure_schema
    from crossplay.opdb.meta import metadata

    ensure_schema(engine)
    digest = hashlib.sha256()
    with engine.connect() as con:
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            if not _in_group(name, group):
                continue
            pk = list(table.primary_key.columns)
            if name in _DIGESTED:
                for row in con.execute(select(table).order_by(*pk)).all():
                    digest.update(repr(tuple(row)).encode())
            elif name in _COUNTED:
                digest.update(repr(con.execute(select(func.count()).select_from(table))
                                   .scalar()).encode())
            elif len(pk) == 1 and isinstance(pk[0].type, Integer):
                digest.update(repr(con.execute(select(func.max(pk[0]))).scalar()).encode())
            digest.update(name.encode())
    return digest.hexdigest()[:16]


class Signatures:
    """The data signature of each source, each taken at most once per ``ttl_s``."""

    def __init__(self, settings: Settings, engine: Callable[[], Engine],
                 ttl_s: float = SIGNATURE_TTL_S) -> None:
        self.settings, self._engine, self.ttl_s = settings, engine, ttl_s
        self._lock = threading.Lock()
        self._taken: dict[str, tuple[float, str]] = {}

    def _take(self, source: str) -> str:
        if source == "lake":
            return _lake_signature(self.settings)
        if source == "derived":
            return _derived_signature(self.settings)
        if source in ("opdb", "audit", *OPDB_GROUPS):
            return _opdb_signature(self._engine(), source)
        raise ValueError(f"unknown data source {source!r}")

    def of(self, sources: tuple[str, ...]) -> tuple[str, ...]:
        now = time.monotonic()
        out = []
        for source in sources:
            with self._lock:
                hit = self._taken.get(source)
            if hit is None or now - hit[0] >= self.ttl_s:
                value = self._take(source)
                with self._lock:
                    self._taken[source] = (now, value)
            else:
                value = hit[1]
            out.append(value)
        return tuple(out)

    def forget(self) -> None:
        """Take every signature anew at the next request (after the console changed data)."""
        with self._lock:
            self._taken.clear()


class PageCache:
    """An LRU of built pages with their data signatures.

    :meth:`get` answers a *fresh* entry (built from the data as they are) or a *stale* one
    (the data changed since): the console shows a stale page at once while it builds the
    new one in the background (stale-while-revalidate), so an operator does not wait for
    a rebuild after every ledger posting; the page says it is refreshing.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[tuple[str, ...], Any]] = OrderedDict()
        self.hits = self.stale = self.misses = 0

    def get(self, key: Hashable, signature: tuple[str, ...]) -> tuple[Any, bool] | None:
        """``(value, fresh)``, or None when the view was never built (or was dropped)."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            fresh = hit[0] == signature
            if fresh:
                self.hits += 1
            else:
                self.stale += 1
            return hit[1], fresh

    def put(self, key: Hashable, signature: tuple[str, ...], value: Any) -> None:
        with self._lock:
            self._entries[key] = (signature, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def drop(self, first: Hashable) -> None:
        """Forget every view whose key starts with ``first`` (a page's slug): after an
        action on that page the operator must see the new state, not a stale one."""
        with self._lock:
            for key in [k for k in self._entries
                        if isinstance(k, tuple) and k and k[0] == first]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
