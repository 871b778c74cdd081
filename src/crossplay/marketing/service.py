"""Audiences as a service: size, build (saved, versioned), show, list, export — the one
layer the CLI (``crossplay audience``) and the API (``POST /v1/audiences/{name}/export``)
call.

Rules every path keeps:

- **consent**: only persons usable for ``marketing`` across partners (an active link, both
  sides granted linking and marketing) are counted or saved; an export asks the consent
  policy again (:func:`crossplay.privacy.policy.allowed_sql`, party ``joint``) at that
  moment, so a refusal after the build still keeps the person out;
- **k**: sizes below ``settings.privacy_k`` are shown as "< k", never the number, and an
  export that would hold fewer than k people is refused (a partner could otherwise learn
  one person's behaviour on the other platform from a narrow audience);
- **partner**: an export holds only the receiving partner's own keys (``user_key`` +
  ``partner``), never the other partner's nor the person id;
- **exclusions**: ``exclude_recent_days`` — at build, anyone exported to either partner or
  shown a campaign (``campaign_exposure`` in the lake) within that many days is left out;
  at export, anyone *that* partner received or exposed within it (so one audience may go
  to both partners the same day, not twice to one); ``cap`` / ``cap_days`` — at most
  ``cap`` exports per person (per partner, at export) within ``cap_days``;
- **audit**: every size, build and export (and a refused export) is an audit entry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from crossplay.core import clock
from crossplay.core.derived import write_bytes
from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.marketing import store
from crossplay.marketing.query import compile_text, evaluate
from crossplay.marketing.store import Size
from crossplay.privacy.audit import record
from crossplay.privacy.policy import Purpose, allowed_sql
from crossplay.warehouse.duck import connect

ExportFormat = Literal["csv", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "parquet")
MAX_DAYS = 3_650


@dataclass(frozen=True)
class Exclusions:
    exclude_recent_days: int | None = None
    cap: int | None = None
    cap_days: int = 30

    def check(self) -> Exclusions:
        for name, value, low in (("--exclude-recent", self.exclude_recent_days, 1),
                                 ("--cap", self.cap, 1), ("--cap-days", self.cap_days, 1)):
            if value is not None and not low <= value <= MAX_DAYS:
                raise ConfigError(f"{name} must be between {low} and {MAX_DAYS}, got {value}",
                                  code="audience_bad_exclusion",
                                  params={"option": name, "low": low, "value": value,
                                          "max": MAX_DAYS})
        return self

    def as_dict(self) -> dict[str, Any]:
        return {"exclude_recent_days": self.exclude_recent_days, "cap": self.cap,
                "cap_days": self.cap_days}


@dataclass(frozen=True)
class Estimate:
    where: str
    size: Size
    excluded: Size
    as_of: datetime | None
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "size": self.size.as_json(),
                "below_k": self.size.below_k, "k": self.size.k,
                "excluded": self.excluded.as_json(),
                "as_of": self.as_of.isoformat() if self.as_of else None,
                "sources": list(self.sources)}


def _excluded_ids(con: duckdb.DuckDBPyConnection, settings: Settings, ex: Exclusions,
                  partner: Partner | None, now: datetime) -> set[str]:
    """Person ids left out by the exclusions (``partner``: only what it received)."""
    out: set[str] = set()
    log = store.export_log(settings)
    con.register("aud_export_log", log)
    try:
        only = " AND partner = ?" if partner else ""
        extra: list[Any] = [partner] if partner else []
        if ex.exclude_recent_days:
            since = now - timedelta(days=ex.exclude_recent_days)
            out |= {r[0] for r in con.execute(
                f"SELECT DISTINCT person_id FROM aud_export_log WHERE exported_at > ?{only}",
                [since, *extra]).fetchall()}
            own = " AND e.partner = ?" if partner else ""
            exposed = ("SELECT e.partner, e.user_key FROM events e WHERE "
                       f"e.event_type = 'campaign_exposure' AND e.ts > ?{own}")
            out |= {r[0] for r in con.execute(
                f"""SELECT DISTINCT l.person_id FROM links_current l JOIN ({exposed}) x
                    ON (x.partner = 'knowledge' AND x.user_key = l.k_user_key)
                    OR (x.partner = 'game' AND x.user_key = l.g_user_key)""",
                [since, *extra]).fetchall()}
        if ex.cap:
            since = now - timedelta(days=ex.cap_days)
            out |= {r[0] for r in con.execute(
                f"SELECT person_id FROM aud_export_log WHERE exported_at > ?{only} "
                "GROUP BY person_id HAVING count(*) >= ?", [since, *extra, ex.cap]).fetchall()}
    finally:
        con.unregister("aud_export_log")
    return out


def _matches(settings: Settings, where: str, ex: Exclusions
             ) -> tuple[pa.Table, int, datetime | None, tuple[str, ...]]:
    compiled = compile_text(settings, where)
    con = connect(settings)
    try:
        found = evaluate(settings, con, compiled)
        drop = _excluded_ids(con, settings, ex, None, clock.now())
    finally:
        con.close()
    members = found.members
    if drop:
        import pyarrow.compute as pc

        keep = pc.invert(pc.is_in(members.column("person_id"),
                                  value_set=pa.array(sorted(drop), pa.string())))
        members = members.filter(keep)
    return members, found.members.num_rows - members.num_rows, found.as_of, found.sources


def estimate(settings: Settings, where: str, exclusions: Exclusions | None = None, *,
             actor: str = "operator") -> Estimate:
    """How many consented persons ``where`` holds now (not saved; audited)."""
    ex = (exclusions or Exclusions()).check()
    members, excluded, as_of, sources = _matches(settings, where, ex)
    k = settings.privacy_k
    record(settings, "marketing.audience_size", actor=actor,
           details={"where": where, "below_k": members.num_rows < k, **ex.as_dict()})
    return Estimate(where, Size(members.num_rows, k), Size(excluded, k), as_of, sources)


def build(settings: Settings, name: str, where: str, exclusions: Exclusions | None = None,
          *, actor: str = "operator") -> dict[str, Any]:
    """Evaluate ``where`` and save the members as version N+1 of ``name`` (audited)."""
    store.check_name(name)
    ex = (exclusions or Exclusions()).check()
    members, excluded, as_of, sources = _matches(settings, where, ex)
    definition = {"where": where, **ex.as_dict(), "built_by": actor,
                  "built_at": clock.now().isoformat(timespec="seconds"),
                  "as_of": as_of.isoformat() if as_of else None, "sources": list(sources),
                  "size_at_build": members.num_rows, "excluded_at_build": excluded}
    version = store.save_version(settings, name, definition, members)
    record(settings, "marketing.audience_build", actor=actor, subject=f"audience:{name}",
           details={"version": version, "where": where, "members": members.num_rows,
                    **ex.as_dict()})
    return show(settings, name, version)


def show(settings: Settings, name: str, version: int | None = None) -> dict[str, Any]:
    """A version's definition and its size now (erasure may have shrunk it), k applied."""
    definition, members = store.load_version(settings, name, version)
    k = settings.privacy_k
    out = {key: definition.get(key) for key in (
        "name", "version", "where", "exclude_recent_days", "cap", "cap_days", "built_by",
        "built_at", "as_of", "sources")}
    size = Size(members.num_rows, k)
    out.update({"size": size.as_json(), "below_k": size.below_k, "k": k,
                "versions": store.versions(settings, name)})
    return out


def list_audiences(settings: Settings) -> list[dict[str, Any]]:
    """The newest version of every saved audience."""
    return [show(settings, n) for n in store.names(settings)]


@dataclass(frozen=True)
class Export:
    name: str
    version: int
    partner: Partner
    table: pa.Table  # user_key, partner
    excluded: int
    no_consent: int

    def as_dict(self) -> dict[str, Any]:
        return {"audience": self.name, "version": self.version, "partner": self.partner,
                "rows": self.table.num_rows}


def export(settings: Settings, name: str, partner: str, *, version: int | None = None,
           actor: str = "operator", channel: str = "cli",
           deliver: Callable[[pa.Table], None] | None = None) -> Export:
    """``partner``'s own keys of the consented, not excluded members (logged, audited).

    ``partner`` must come from who is asking (the CLI's --partner for the operator, the
    API key's partner over HTTP), never from a request body. ``deliver`` (e.g. write the
    file) runs before the export is logged and audited: if it fails, nothing is recorded
    as sent.
    """
    if partner not in PARTNERS:
        raise ConfigError(f"unknown partner {partner!r}: use knowledge or game",
                          code="audience_bad_partner", params={"partner": partner})
    p: Partner = partner
    definition, members = store.load_version(settings, name, version)
    v = int(definition["version"])
    ex = Exclusions(definition.get("exclude_recent_days"), definition.get("cap"),
                    int(definition.get("cap_days") or 30))
    col = "k_user_key" if p == "knowledge" else "g_user_key"
    now = clock.now()
    con = connect(settings)
    try:
        con.register("aud_members", members)
        keys = f"SELECT DISTINCT {col} AS user_key FROM aud_members WHERE {col} IS NOT NULL"
        allowed = allowed_sql(Purpose.MARKETING, "joint", p, keys)
        rows = con.execute(
            f"SELECT m.person_id, m.{col} FROM aud_members m WHERE m.{col} IN ({allowed}) "
            "ORDER BY m.person_id").fetchall()
        drop = _excluded_ids(con, settings, ex, p, now)
    finally:
        con.close()
    kept = [(pid, key) for pid, key in rows if pid not in drop]
    k = settings.privacy_k
    details = {"version": v, "partner": p, "channel": channel,
               "members": members.num_rows, "rows": len(kept),
               "no_consent": members.num_rows - len(rows), "excluded": len(rows) - len(kept)}
    if len(kept) < k:
        record(settings, "marketing.audience_export_refused", actor=actor,
               subject=f"audience:{name}", details=details)
        raise ConfigError(f"audience {name!r} v{v} has fewer than {k} people {p} may "
                          "receive now (consent, exclusions): nothing was exported",
                          code="audience_export_below_k",
                          params={"name": name, "version": v, "k": k, "partner": p})
    table = pa.table({"user_key": pa.array([key for _, key in kept], pa.string()),
                      "partner": pa.array([p] * len(kept), pa.string())})
    if deliver is not None:
        deliver(table)
    store.log_export(settings, [pid for pid, _ in kept], partner=p, audience=name,
                     version=v, at=now)
    record(settings, "marketing.audience_export", actor=actor, subject=f"audience:{name}",
           details=details)
    return Export(name, v, p, table, len(rows) - len(kept), members.num_rows - len(rows))


def encode(table: pa.Table, fmt: str) -> bytes:
    """The export's bytes as CSV (``user_key,partner``, UTF-8) or Parquet."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(table.column_names)
        w.writerows(zip(*(table.column(c).to_pylist() for c in table.column_names),
                        strict=True))
        return buf.getvalue().encode("utf-8")
    if fmt == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        return bytes(sink.getvalue().to_pybytes())
    raise ConfigError(f"unknown format {fmt!r}: use csv or parquet", code="audience_bad_format",
                      params={"format": fmt})


def export_to_file(settings: Settings, name: str, partner: str, fmt: str, out: Path, *,
                   version: int | None = None, actor: str = "operator") -> Export:
    """:func:`export` written to ``out`` (atomically) as CSV or Parquet."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: use csv or parquet",
                          code="audience_bad_format", params={"format": fmt})
    def write(table: pa.Table) -> None:
        write_bytes(encode(table, fmt), out)

    return export(settings, name, partner, version=version, actor=actor, deliver=write)
