"""Exact releases frozen per period, against differencing through membership changes.

A partner controls its own users' consent (and its own side of their data), so it can take
an exact release, make one of its linked users leave the population (refuse ``linking``,
unbind, ask for erasure) or move between groups, and take the release again: the
difference is that person's row of the *other* partner's data. Exact tables therefore are
not recomputed on demand:

- **One table per query and period.** The period is the calendar month (UTC, by
  :mod:`crossplay.core.clock`). The first exact request of a query in a period computes
  the table and stores it (``privacy_release_snapshots``) with the members it counted
  (``derived/releases/<query>/<period>.parquet``: ``person_id`` and a digest of the
  person's row, where erasure and key rotation reach them). Every later request of that
  query in the period, by either partner, gets the stored table: consent changes inside
  the period change nothing anyone receives.
- **Departures withdraw it.** A person who leaves the population (revoked ``linking``,
  unbound, erased) must not be counted again: when any counted member is gone, the
  stored table is deleted and the exact release of that query is withheld for the rest
  of the period (:class:`ReleaseWithheld`; the noisy release, whose budget covers
  differencing, still works). Erased members are noticed by the member count, since
  erasure deletes their rows.
- **Small changes between periods are withheld.** A new period's table is compared with
  the last table handed out: if between 1 and k-1 persons joined, left or changed row
  (group or values), the difference between the two tables would describe those few
  people, so the exact release is withheld for the whole period.

What this does not stop (docs/privacy.md): a partner that changes k or more of its users
over several periods in a planned pattern (a "tracker") can still solve for one person
across three or more tables; only the noisy release bounds that.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, select, text

from crossplay.core import clock
from crossplay.core.derived import derived_dir, write_parquet
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.privacy.audit import engine_for
from crossplay.privacy.tables import release_snapshots

Status = Literal["released", "withdrawn", "withheld"]
#: statuses of a table that was handed out (the reference for the next period)
_HANDED_OUT = ("released", "withdrawn")
#: columns of a population: one row per person counted
POPULATION_SCHEMA = pa.schema([("person_id", pa.string()), ("digest", pa.string())])


class ReleaseWithheld(CrossplayError):
    """An exact table that may not be given out; every code starts ``release_withheld``."""

    code = "release_withheld"


def _changes(*, query: str, period: str, changed: int, ref: str, k: int) -> ReleaseWithheld:
    return ReleaseWithheld(
        f"{query}: only {changed} linked person(s) changed since the exact table of {ref} "
        f"(fewer than k = {k}): a new exact table would describe them, so none is released "
        f"for {period}. Ask for a noisy release (--epsilon), which the privacy budget "
        "protects, or wait for the next period", code="release_withheld_changes",
        params={"query": query, "period": period, "changed": changed, "ref": ref, "k": k})


def _departed(*, query: str, period: str, gone: int) -> ReleaseWithheld:
    return ReleaseWithheld(
        f"{query}: {gone} person(s) counted in the exact table of {period} have left the "
        "linked population since (consent refused, unlinked or erased); the table is "
        "withdrawn until the next period. Ask for a noisy release (--epsilon), which the "
        "privacy budget protects, or wait for the next period",
        code="release_withheld_departed",
        params={"query": query, "period": period, "gone": gone})


def _period(*, query: str, period: str) -> ReleaseWithheld:
    return ReleaseWithheld(
        f"{query}: the exact table of {period} is withheld. Ask for a noisy release "
        "(--epsilon), which the privacy budget protects, or wait for the next period",
        code="release_withheld_period", params={"query": query, "period": period})


#: each refusal by its code (its params are stored with the period's table)
_REFUSALS: dict[str, Callable[..., ReleaseWithheld]] = {
    "release_withheld_changes": _changes, "release_withheld_departed": _departed,
    "release_withheld_period": _period}


def withheld(code: str, **params: Any) -> ReleaseWithheld:
    """The refusal ``code`` (a key of :data:`_REFUSALS`) quoting ``params``."""
    return _REFUSALS[code](**params)


@dataclass(frozen=True)
class Snapshot:
    """The exact table of one query for one period."""

    query: str
    period: str
    created_at: datetime
    rows: list[dict[str, Any]]


def period_of(ts: datetime) -> str:
    """The release period of an instant: its calendar month in UTC (``2026-12``)."""
    return f"{ts.year:04d}-{ts.month:02d}"


def members_path(settings: Settings, query: str, period: str) -> Path:
    return derived_dir(settings, "releases") / query / f"{period}.parquet"


def _read_members(settings: Settings, query: str, period: str) -> pa.Table:
    path = members_path(settings, query, period)
    if not path.is_file():
        return POPULATION_SCHEMA.empty_table()
    return pq.read_table(path).select(["person_id", "digest"])


def _gone(settings: Settings, snap: Any, population: pa.Table) -> int:
    """Members of ``snap`` no longer in ``population`` (erased ones included)."""
    members = _read_members(settings, snap.query, snap.period)
    erased = max(0, int(snap.members) - members.num_rows)
    present = pc.is_in(members["person_id"], value_set=population["person_id"])
    return int(erased + members.num_rows - (pc.sum(present).as_py() or 0))


def _changed(settings: Settings, ref: Any, population: pa.Table) -> int:
    """Persons who joined, left or changed row since the table ``ref`` was handed out."""
    members = _read_members(settings, ref.query, ref.period)
    erased = max(0, int(ref.members) - members.num_rows)
    old = members.rename_columns(["person_id", "old"])
    new = population.rename_columns(["person_id", "new"])
    both = old.join(new, "person_id", join_type="full outer")
    differs = pc.fill_null(pc.not_equal(both["old"], both["new"]), True)
    return int(erased + (pc.sum(differs).as_py() or 0))


def _lock(conn: Connection, query: str) -> None:
    """Serialise snapshot decisions of one query (SQLite: the transaction's write lock)."""
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"release:{query}".encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _stored_refusal(reason: str | None, query: str, period: str) -> ReleaseWithheld:
    """The refusal recorded with a period's table (a JSON code and params), told again."""
    try:
        stored = json.loads(reason or "")
        code, params = str(stored["code"]), dict(stored["params"])
        if code in _REFUSALS:
            return withheld(code, **params)
    except (ValueError, TypeError, KeyError, IndexError):
        pass  # an older plain-text reason, or none
    return withheld("release_withheld_period", query=query, period=period)


def frozen_table(settings: Settings, query: str, population: pa.Table,
                 compute: Callable[[], list[dict[str, Any]]]) -> Snapshot:
    """The period's exact table of ``query``: stored, or computed now by ``compute``.

    ``population`` holds one row per person the table counts (``person_id``, ``digest``
    of the person's row). Raises :class:`ReleaseWithheld` when the table may not be
    given out (see the module docstring); the decision is recorded before raising.
    """
    now = clock.now()
    period = period_of(now)
    k = settings.privacy_k
    population = population.select(["person_id", "digest"]).cast(POPULATION_SCHEMA)
    refused: ReleaseWithheld | None = None
    snapshot: Snapshot | None = None
    prune: list[str] = []
    t = release_snapshots
    with engine_for(settings).begin() as conn:
        _lock(conn, query)
        snap = conn.execute(select(t).where(t.c.query == query, t.c.period == period)
                            ).one_or_none()
        if snap is None:
            ref = conn.execute(
                select(t).where(t.c.query == query, t.c.period != period,
                                t.c.status.in_(_HANDED_OUT))
                .order_by(t.c.created_at.desc(), t.c.id.desc()).limit(1)).one_or_none()
            changed = 0 if ref is None else _changed(settings, ref, population)
            if 0 < changed < k:
                refused = withheld("release_withheld_changes", query=query, period=period,
                                   changed=changed, ref=ref.period if ref else "", k=k)
                conn.execute(t.insert().values(query=query, period=period, status="withheld",
                                               created_at=now, members=0, rows=None,
                                               reason=json.dumps(
                                                   {"code": refused.code,
                                                    "params": refused.params})))
            else:
                rows = compute()
                write_parquet(population, members_path(settings, query, period))
                conn.execute(t.insert().values(
                    query=query, period=period, status="released", created_at=now,
                    members=population.num_rows, reason=None,
                    rows=json.dumps(rows, ensure_ascii=False, sort_keys=True)))
                snapshot = Snapshot(query, period, now, rows)
                prune = [r.period for r in conn.execute(
                    select(t.c.period).where(t.c.query == query, t.c.period != period))]
        elif snap.status == "released":
            gone = _gone(settings, snap, population)
            if gone:
                refused = withheld("release_withheld_departed", query=query, period=period,
                                   gone=gone)
                conn.execute(t.update().where(t.c.id == snap.id).values(
                    status="withdrawn", rows=None,
                    reason=json.dumps({"code": refused.code, "params": refused.params})))
            else:
                created = snap.created_at
                if created.tzinfo is None:  # SQLite keeps no offset
                    created = created.replace(tzinfo=now.tzinfo)
                snapshot = Snapshot(query, period, created, json.loads(snap.rows))
        else:
            refused = _stored_refusal(snap.reason, query, period)
    for old in prune:  # only the newest table handed out is a reference
        members_path(settings, query, old).unlink(missing_ok=True)
    if refused is not None:
        raise refused
    assert snapshot is not None
    return snapshot
