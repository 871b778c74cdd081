"""Live serving: the latest trained bundle and everyone's consent, held in memory.

``crossplay recommend for`` (:func:`crossplay.recommend.service.recommend_for`) loads the
units from disk and asks DuckDB about consent on every call: ~130 ms. The HTTP API serves
the same answers from a :class:`LiveRecommender` built once per process:

- the bundle's units, loaded once, with key -> row dictionaries; reloaded when ``LATEST``
  names a newer bundle or a unit's ``users.parquet`` changes (erasure blanks rows in
  place and writes that file last). Files are looked at (``stat`` only) at most every
  ``check_s`` seconds, never read per request;
- a :class:`~crossplay.recommend.consent_view.ConsentView` of every user's decisions. Each
  request first reads the live consent and link tables' newest row ids (one indexed
  ``max(id)`` query, microseconds on SQLite); a newer id than the view's means a decision
  or link changed since, and the view is rebuilt before this request is answered. So a
  refusal made through the API or ``crossplay consent set`` (any process) applies to the
  very next request. What only the lake holds (ingested consent exports, new events)
  is picked up with the lake's manifest, within ``check_s``;
- answers that depend on nothing but the bundle (a user's personalised list, the popular
  list of a domain, similar items) are cached until the bundle changes. Consent is
  decided per request before a cached list is used, never cached with it.

The decision logic is :func:`~crossplay.recommend.service.recommend_for`'s, step for
step (a test compares the two on many users), with the items from the same
:func:`~crossplay.recommend.service.unit_items`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crossplay.access.http import Conflict
from crossplay.core.errors import NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Lang, Partner
from crossplay.lake import Lake
from crossplay.recommend.consent_view import (
    KEY_COLUMN,
    WATERMARK_SQL,
    ConsentView,
    Watermark,
    event_keys,
    load_consent_view,
    watermark_of,
)
from crossplay.recommend.dataset import DOMAIN_PARTNER, DOMAINS, Domain
from crossplay.recommend.explain import display_title
from crossplay.recommend.service import choose_served, unit_items
from crossplay.recommend.store import Unit, load_unit, models_dir

#: most personalised lists kept per process (each a few kB)
CACHE_MAX = 20_000
#: longest list the API serves
MAX_N = 100


class NoBundle(Conflict):
    """No trained bundle yet: a state the operator fixes by training (HTTP 409)."""

    code = "api_recommend_no_model"


@dataclass
class ServedUnit:
    """One unit of the bundle with what a request needs precomputed."""

    unit: Unit
    #: person column -> key -> training row (the first, as ``Unit.row_of``)
    rows: dict[str, dict[str, int]]
    #: (partner, item_id) -> item index
    item_index: dict[tuple[str, str], int]
    users_mtime: float

    @classmethod
    def load(cls, path: Path) -> ServedUnit:
        mtime = (path / "users.parquet").stat().st_mtime
        unit = load_unit(path)
        rows: dict[str, dict[str, int]] = {}
        for col in ("user_key", "k_user_key", "g_user_key"):
            if col in unit.users:
                index: dict[str, int] = {}
                for i, k in enumerate(unit.users[col].to_numpy()):
                    if isinstance(k, str):
                        index.setdefault(k, i)
                rows[col] = index
        f = unit.items.frame
        item_index: dict[tuple[str, str], int] = {}
        for i, (p, it) in enumerate(zip(f["partner"].to_numpy(), f["item_id"].to_numpy(),
                                        strict=True)):
            item_index.setdefault((str(p), str(it)), i)
        return cls(unit, rows, item_index, mtime)

    def row(self, column: str, key: str) -> int | None:
        return self.rows.get(column, {}).get(key)


@dataclass(frozen=True)
class Items:
    """A list of items as served, and the same as JSON text."""

    items: list[dict[str, Any]]
    json: str


@dataclass
class Bundle:
    """The loaded bundle: its version and units by name."""

    version: str
    units: dict[str, ServedUnit]
    latest_mtime: float
    cache: OrderedDict[tuple[Any, ...], Items] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[Any, ...], make: Callable[[], list[dict[str, Any]]]
               ) -> Items:
        """The list for ``key`` and its JSON text (serialised once: most of a response)."""
        with self.lock:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
                return hit
        items = make()
        value = Items(items, json.dumps(items, ensure_ascii=False, separators=(",", ":")))
        with self.lock:
            self.cache[key] = value
            while len(self.cache) > CACHE_MAX:
                self.cache.popitem(last=False)
        return value


def _latest_file(settings: Settings) -> Path:
    return models_dir(settings) / "LATEST"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return -1.0


def load_bundle(settings: Settings) -> Bundle | None:
    """The latest bundle, loaded; None when nothing was trained yet."""
    from crossplay.recommend.store import bundle_dir, latest_version

    latest = _latest_file(settings)
    mtime = _mtime(latest)
    if mtime < 0:
        return None
    root = bundle_dir(settings, latest_version(settings))
    units = {p.name: ServedUnit.load(p) for p in sorted(root.iterdir())
             if p.is_dir() and (p / "unit.json").is_file()}
    return Bundle(root.name, units, mtime)


def _with_titles(items: list[dict[str, Any]], lang: Lang) -> list[dict[str, Any]]:
    return [{**i, "display_title": display_title(i["title"], lang)} for i in items]


class LiveRecommender:
    """Recommendations for one process (see the module docstring). Thread-safe: the
    state is swapped whole, rebuilds are serialised."""

    def __init__(self, settings: Settings, *, check_s: float = 2.0,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.check_s, self._timer = settings, check_s, timer
        self._rebuild = threading.Lock()
        self._db_lock = threading.Lock()
        self._raw: Any = None
        self.bundle: Bundle | None = None
        self.view: ConsentView | None = None
        self._events: frozenset[tuple[str, str]] = frozenset()
        self._manifest_mtime = -2.0
        self._checked = -1e18
        self.rebuilds = 0
        from crossplay.opdb.engine import db_url

        #: SQLite answers the watermark query in microseconds (no thread hop needed)
        self.sqlite = db_url(settings).startswith("sqlite")
        #: the watermark for async callers, one query for all who wait (see SharedCheck)
        self.shared_watermark = SharedCheck(self._watermark_in_thread)

    async def _watermark_in_thread(self) -> Watermark:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(self.watermark)

    # --- freshness ---------------------------------------------------------------------
    def watermark(self) -> Watermark:
        """The live tables' newest ids, on a connection kept for this (one query)."""
        from crossplay.opdb import ensure_schema, get_engine

        with self._db_lock:
            for attempt in (0, 1):
                try:
                    if self._raw is None:
                        engine = get_engine(self.settings)
                        ensure_schema(engine)
                        self._raw = engine.raw_connection()
                    cur = self._raw.cursor()
                    try:
                        cur.execute(WATERMARK_SQL)
                        row = cur.fetchone()
                    finally:
                        cur.close()
                    self._raw.rollback()  # no snapshot held open between requests
                    return watermark_of(row)
                except Exception:
                    self._drop_raw()
                    if attempt:
                        raise
        raise AssertionError("unreachable")

    def _drop_raw(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            with contextlib.suppress(Exception):  # a broken one may fail to close
                raw.close()

    def files_changed(self) -> bool:
        """Whether ``LATEST``, a loaded unit's users or the lake's manifest changed (stat
        calls only); checked at most every ``check_s`` seconds."""
        now = self._timer()
        if now - self._checked < self.check_s:
            return False
        self._checked = now
        if _mtime(Lake(self.settings.lake_dir).manifest_path) != self._manifest_mtime:
            return True
        b = self.bundle
        if _mtime(_latest_file(self.settings)) != (b.latest_mtime if b else -1.0):
            return True
        if b is not None:
            root = models_dir(self.settings) / b.version
            return any(_mtime(root / name / "users.parquet") != u.users_mtime
                       for name, u in b.units.items())
        return False

    def refresh(self, files: bool) -> None:
        """Bring the decisions up to the live tables (and the files, when they changed).

        The watermark is read again here, under the lock, after the caller's: the view is
        then at least as new as what the caller saw, and a slower refresh never labels a
        newer view with an older watermark. The state is swapped whole, never emptied:
        requests on the event loop keep reading the previous one meanwhile.
        """
        with self._rebuild:
            stale = False
            if files:
                manifest = _mtime(Lake(self.settings.lake_dir).manifest_path)
                if manifest != self._manifest_mtime:
                    self._events = event_keys(self.settings)
                    self._manifest_mtime = manifest
                    stale = True
                b = self.bundle
                if b is None or _mtime(_latest_file(self.settings)) != b.latest_mtime or any(
                        _mtime(models_dir(self.settings) / b.version / n / "users.parquet")
                        != u.users_mtime for n, u in b.units.items()):
                    self.bundle = load_bundle(self.settings)
            mark = self.watermark()
            view = self.view
            if stale or view is None or view.watermark != mark:
                self.view = load_consent_view(self.settings, mark, self._events)
                self.rebuilds += 1

    def needs(self, watermark: Watermark) -> bool:
        view = self.view
        return view is None or view.watermark != watermark

    def close(self) -> None:
        with self._db_lock:
            self._drop_raw()

    # --- answers -----------------------------------------------------------------------
    def _bundle(self) -> Bundle:
        b = self.bundle
        if b is None:
            raise NoBundle("no trained recommender: run `crossplay recommend train` first",
                           code="api_recommend_no_model")
        return b

    def recommend(self, *, partner: Partner, user_key: str, domain: Domain | None = None,
                  n: int = 10, lang: Lang = "en") -> dict[str, Any]:
        """``recommend_for(..., explain=True)``'s answer from memory (plus ``version``,
        ``audit``: whether this read of the joint space must be audited, ``items_json``:
        the items as JSON text, and the titles in ``lang``). Call :meth:`refresh` first
        when :meth:`needs` says so."""
        b, view = self._bundle(), self.view
        assert view is not None, "refresh() before recommend()"
        d: Domain = domain or ("knowledge" if partner == "knowledge" else "game")
        in_unit = b.units.get(f"in-{d}")
        if in_unit is None:
            raise NotFoundError(f"the trained bundle has no {d} model (no {d} behaviour "
                                "when it was trained)", code="recommend_no_model_domain",
                                params={"domain": d})
        own = DOMAIN_PARTNER[d] == partner
        col = KEY_COLUMN[partner]
        known = view.known(partner, user_key)
        own_ok, joint_ok = view.own(partner, user_key), view.joint(partner, user_key)
        result: dict[str, Any] = {"version": b.version, "partner": partner, "domain": d,
                                  "known": known, "personalised": False, "unit": None,
                                  "model": "popularity"}
        cross = b.units.get(f"cross-{d}")
        unit, row, result["policy"] = choose_served(
            known=known, own=own, own_ok=own_ok, joint_ok=joint_ok,
            own_row=lambda: (in_unit, in_unit.row("user_key", user_key)),
            cross_row=lambda: None if cross is None else (cross, cross.row(col, user_key)))
        audit = False
        if unit is not None and row is not None:
            result |= {"personalised": True, "unit": unit.unit.name,
                       "model": unit.unit.model.name}
            audit = unit.unit.info.get("scope") == "joint"
        else:
            unit, row = in_unit, None
        served, r = unit, row
        items = b.cached((served.unit.name, r, d, n, lang),
                         lambda: _with_titles(unit_items(served.unit, r, d, n, explain=True,
                                                         lang=lang), lang))
        result["items"] = items.items
        result["audit"] = audit
        result["items_json"] = items.json
        return result

    def similar(self, *, partner: Partner, item_id: str, n: int = 10,
                lang: Lang = "en") -> dict[str, Any]:
        """Items most like ``partner``'s item ``item_id`` (cosine of the in-domain model's
        item vectors), of its own domain, available ones only: no person's data."""
        b = self._bundle()
        for d in DOMAINS:
            served = b.units.get(f"in-{d}")
            if DOMAIN_PARTNER[d] != partner or served is None:
                continue
            idx = served.item_index.get((partner, item_id))
            if idx is None:
                continue
            unit, at = served.unit, idx
            items = b.cached(("similar", unit.name, at, n, lang),
                             functools.partial(_similar_items, unit, at, n, lang))
            return {"version": b.version, "partner": partner, "item_id": item_id,
                    "domain": d, "model": unit.model.name, "items": items.items}
        raise NotFoundError(f"item {item_id!r} of {partner} is not in the trained "
                            "recommender's items", code="api_recommend_unknown_item",
                            params={"item": item_id, "partner": partner})


def _similar_items(unit: Unit, idx: int, n: int, lang: Lang) -> list[dict[str, Any]]:
    f = unit.items.frame
    platform = str(f.at[idx, "platform"])
    keep = unit.items.available & (unit.items.platform == platform)
    ids, sc = unit.model.similar_items(idx, N=len(unit.items))
    out: list[dict[str, Any]] = []
    for i, s in zip(ids, sc, strict=True):
        if i < 0 or not keep[i] or not np.isfinite(s):
            continue
        title = str(f.at[i, "title"])
        out.append({"rank": len(out) + 1, "item_id": str(f.at[i, "item_id"]),
                    "platform": str(f.at[i, "platform"]), "title": title,
                    "display_title": display_title(title, lang),
                    "category": str(f.at[i, "category"]), "score": round(float(s), 5)})
        if len(out) == n:
            break
    return out


class SharedCheck:
    """One watermark query at a time for any number of waiting requests (PostgreSQL: a
    round trip each would queue on the connection).

    A request never takes the answer of a query that started before it arrived (that
    query may predate a change the request must see): it waits for the next query, which
    starts as soon as the running one ends and answers everyone who arrived meanwhile.
    So under load one round trip serves a whole group of requests. Event loop only.
    """

    def __init__(self, read: Callable[[], Awaitable[Watermark]]) -> None:
        self._read = read
        self._running = False
        self._next: asyncio.Future[Watermark] | None = None
        self._task: asyncio.Task[None] | None = None
        self.queries = 0

    async def __call__(self) -> Watermark:
        loop = asyncio.get_running_loop()
        if self._next is None:
            self._next = loop.create_future()
        fut = self._next
        if not self._running:
            self._running = True
            self._task = loop.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        try:
            while self._next is not None:
                fut, self._next = self._next, None
                self.queries += 1
                try:
                    fut.set_result(await self._read())
                except Exception as exc:  # every waiter of this query gets the error
                    fut.set_exception(exc)
        finally:
            self._running = False
