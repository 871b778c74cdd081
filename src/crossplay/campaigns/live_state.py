"""What a live check-in needs to know, held in memory per process and kept fresh.

:func:`crossplay.campaigns.live.checkin` used to open a DuckDB warehouse per request (views
over the whole lake plus the live consents and links: 0.2-0.4 s of CPU) to find the user's
person and read the person's lake check-ins, and re-read and re-parse the active
campaigns. A :class:`CheckinState` holds all three for every person at once:

- **identity**: ``(partner, user_key)`` -> :class:`LinkedPerson`, from the one policy's
  :func:`~crossplay.privacy.policy.linked_persons_sql` (an active link whose both sides
  granted ``linking`` and the purpose), exactly as ``linked_person`` asks it per user;
- **history**: every check-in event of the lake by ``(partner, user_key)`` (check-ins
  only: small), cut to a campaign's window per request as ``lake_checkins`` does;
- **campaigns**: the active stored campaigns, parsed once, and the persons of audience
  files.

Freshness, so that a refusal, an unbind or a pause applies to the very next check-in:

- each request reads the live consent and link tables' watermark
  (:mod:`crossplay.privacy.watermark`) and the ``campaign_state`` rows' versions
  (id, version, status, updated_at: a handful of rows, no documents) in one short
  transaction; a difference rebuilds what changed before the request goes on;
- the lake's manifest and the audience files are looked at with ``stat`` on each request
  (microseconds): a new ingest, an erasure or a new audience file reloads them.

Rebuilds are serialised and re-read the versions under their lock (a slower rebuild never
labels newer data with older versions); the state is swapped whole, so concurrent
requests read either the old or the new one, never a half-built one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlalchemy import Engine, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import Campaign, stored
from crossplay.campaigns.errors import CampaignError
from crossplay.campaigns.rules import Event
from crossplay.core.settings import Settings
from crossplay.ingest.sqlbase import lit
from crossplay.lake import Lake
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.privacy.watermark import Watermark, read_watermark

#: what identifies a file's version: (inode, size, mtime in ns); None when it is missing
FileStamp = tuple[int, int, int] | None
#: the ``campaign_state`` rows' (campaign_id, version, status, updated_at), ordered
CampaignVersions = tuple[tuple[str, int, str, int], ...]


def file_stamp(path: Path) -> FileStamp:
    """The file's version as ``stat`` tells it (an atomic replace changes the inode)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class LinkedPerson:
    """A person and both partners' users of it."""

    person: str
    k_user_key: str
    g_user_key: str


@dataclass(frozen=True)
class LakeCheckin:
    """One check-in event of the lake (its user is the key it is filed under)."""

    partner: str
    event_id: str
    platform: str
    ts: int  # UTC microseconds
    ingested: int | None
    device: str | None


@dataclass(frozen=True)
class Identity:
    """Linked persons usable for ``purpose``, as of a watermark and a lake manifest."""

    watermark: Watermark
    manifest: FileStamp
    persons: dict[tuple[str, str], LinkedPerson]


@dataclass(frozen=True)
class History:
    """The lake's check-ins by (partner, user_key), each list in (ts, partner, event_id)
    order, as of a lake manifest."""

    manifest: FileStamp
    by_user: dict[tuple[str, str], tuple[LakeCheckin, ...]]


@dataclass(frozen=True)
class Campaigns:
    """The active stored campaigns (parsed), as of the ``campaign_state`` versions."""

    versions: CampaignVersions
    active: tuple[Campaign, ...]


@dataclass(frozen=True)
class Audience:
    """The persons an audience file lists, as of the file's stamp."""

    stamp: FileStamp
    persons: frozenset[str]


@dataclass(frozen=True)
class Snapshot:
    """One consistent view for a request."""

    identity: Identity
    history: History
    campaigns: Campaigns

    def person(self, partner: str, user_key: str) -> LinkedPerson | None:
        """The user's linked person (None: not linked, or the purpose not granted)."""
        return self.identity.persons.get((partner, user_key))

    def checkin_campaigns(self, platform: str) -> list[Campaign]:
        """Active campaigns whose check-ins count ``platform`` (by campaign id)."""
        return [c for c in self.campaigns.active
                if c.checkins is not None and platform in c.checkins.platforms]

    def lake_checkins(self, campaign: Campaign, who: LinkedPerson) -> list[Event]:
        """The person's lake check-ins around the campaign's window (both partners'
        users): what ``live.lake_checkins`` reads from the warehouse, from memory."""
        zone = campaign.zone
        lo = dt.datetime.combine(campaign.start, dt.time(), zone) - dt.timedelta(days=1)
        hi = dt.datetime.combine(campaign.end, dt.time(), zone) + dt.timedelta(days=2)
        lo_us, hi_us = _us(lo), _us(hi)
        rows = [*self.history.by_user.get(("knowledge", who.k_user_key), ()),
                *self.history.by_user.get(("game", who.g_user_key), ())]
        rows.sort(key=lambda r: (r.ts, r.partner, r.event_id))
        return [Event(person=who.person, partner=r.partner, event_id=r.event_id,
                      platform=r.platform, event_type="checkin", item_id=None, ts=r.ts,
                      ingested=r.ingested, device=r.device)
                for r in rows if lo_us <= r.ts < hi_us]


def _us(moment: dt.datetime) -> int:
    delta = moment.astimezone(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class CheckinState:
    """The live state of one process for one lake and one operational database (see the
    module). Thread-safe; get it with :func:`state_for`."""

    settings: Settings
    purpose: Purpose = Purpose.MARKETING
    rebuilds: dict[str, int] = field(default_factory=lambda: {
        "identity": 0, "history": 0, "campaigns": 0, "audience": 0})
    _snap: Snapshot | None = None
    _audiences: dict[str, Audience] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def manifest_path(self) -> Path:
        return Lake(self.settings.lake_dir).manifest_path

    # --- freshness -----------------------------------------------------------------------
    def snapshot(self, engine: Engine) -> Snapshot:
        """A view at least as new as the live tables, the lake and ``campaign_state`` at
        the time of the call (one short read transaction when nothing changed)."""
        manifest = file_stamp(self.manifest_path)
        mark, versions = _versions(engine)
        snap = self._snap
        if (snap is not None and snap.identity.watermark == mark
                and snap.identity.manifest == manifest and snap.history.manifest == manifest
                and snap.campaigns.versions == versions):
            return snap
        return self._refresh(engine)

    def _refresh(self, engine: Engine) -> Snapshot:
        with self._lock:
            # read again under the lock: what this rebuild labels its data with was read
            # before the data, so the label is never newer than the data
            manifest = file_stamp(self.manifest_path)
            mark, versions = _versions(engine)
            old = self._snap
            history = old.history if old is not None else None
            identity = old.identity if old is not None else None
            if history is None or history.manifest != manifest or identity is None \
                    or identity.manifest != manifest or identity.watermark != mark:
                from crossplay.warehouse.duck import connect

                con = connect(self.settings)
                try:
                    if history is None or history.manifest != manifest:
                        history = History(manifest, _load_history(con))
                        self.rebuilds["history"] += 1
                    identity = Identity(mark, manifest, _load_identity(con, self.purpose))
                    self.rebuilds["identity"] += 1
                finally:
                    con.close()
            campaigns = old.campaigns if old is not None else None
            if campaigns is None or campaigns.versions != versions:
                campaigns = _load_campaigns(engine)
                self.rebuilds["campaigns"] += 1
            self._snap = Snapshot(identity, history, campaigns)
            return self._snap

    def in_audience(self, campaign: Campaign, person: str) -> bool:
        """Whether the person (linked with the purpose granted) is in the campaign's
        audience: ``linked`` is everyone so linked; a file lists its persons (re-read when
        the file changes)."""
        aud = campaign.eligibility.audience
        if aud == "linked":
            return True
        path = Path(aud)
        name = str(path)
        stamp = file_stamp(path)
        if stamp is None:
            raise CampaignError(f"audience file {path} does not exist",
                                code="campaign_audience_missing", params={"path": str(path)})
        held = self._audiences.get(name)
        if held is None or held.stamp != stamp:
            held = Audience(stamp, _read_audience(path))
            with self._lock:
                self._audiences[name] = held
                self.rebuilds["audience"] += 1
        return person in held.persons


def _versions(engine: Engine) -> tuple[Watermark, CampaignVersions]:
    """The live tables' watermark and the campaigns' versions, in one read transaction."""
    c = t.campaign_state.c
    with engine.connect() as con:
        mark = read_watermark(con)
        rows = con.execute(select(c.campaign_id, c.version, c.status, c.updated_at)
                           .order_by(c.campaign_id)).all()
    return mark, tuple((str(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows)


def _load_identity(con: duckdb.DuckDBPyConnection,
                   purpose: Purpose) -> dict[tuple[str, str], LinkedPerson]:
    """Every linked person usable for ``purpose``, under both partners' keys (the smallest
    person id when a key is in two links, as ``linked_person``'s ``ORDER BY 1 LIMIT 1``)."""
    rows = con.sql(f"SELECT CAST(person_id AS VARCHAR), k_user_key, g_user_key FROM "
                   f"({linked_persons_sql(purpose)}) ORDER BY 1").fetchall()
    out: dict[tuple[str, str], LinkedPerson] = {}
    for p, k, g in rows:
        who = LinkedPerson(str(p), str(k), str(g))
        out.setdefault(("knowledge", who.k_user_key), who)
        out.setdefault(("game", who.g_user_key), who)
    return out


def _load_history(con: duckdb.DuckDBPyConnection
                  ) -> dict[tuple[str, str], tuple[LakeCheckin, ...]]:
    """Every check-in event of the lake by (partner, user_key)."""
    rows = con.sql("""
        SELECT e.partner, e.user_key, CAST(e.event_id AS VARCHAR), e.platform,
               epoch_us(e.ts), epoch_us(e.ingested_at),
               json_extract_string(e.properties, '$.device_id')
        FROM events e
        WHERE e.event_type = 'checkin' AND e.user_key IS NOT NULL
        ORDER BY e.ts, e.partner, e.event_id""").fetchall()
    grouped: dict[tuple[str, str], list[LakeCheckin]] = {}
    for partner, key, event_id, platform, ts, ingested, device in rows:
        grouped.setdefault((str(partner), str(key)), []).append(LakeCheckin(
            str(partner), str(event_id), str(platform), int(ts),
            None if ingested is None else int(ingested), device))
    return {k: tuple(v) for k, v in grouped.items()}


def _load_campaigns(engine: Engine) -> Campaigns:
    """Every stored campaign's version, and the active ones parsed (one query)."""
    c = t.campaign_state.c
    with engine.connect() as con:
        rows = con.execute(select(c.campaign_id, c.version, c.status, c.updated_at,
                                  c.document).order_by(c.campaign_id)).all()
    versions = tuple((str(r[0]), int(r[1]), str(r[2]), int(r[3])) for r in rows)
    active = tuple(stored(json.loads(r[4])) for r in rows if r[2] == "active")
    return Campaigns(versions, active)


def _read_audience(path: Path) -> frozenset[str]:
    """The person ids an audience file lists (as ``engine._audience_sql`` reads it)."""
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto"
    con = duckdb.connect()
    try:
        rows = con.sql(f"SELECT CAST(person_id AS VARCHAR) FROM {reader}({lit(str(path))})"
                       ).fetchall()
    finally:
        con.close()
    return frozenset(str(r[0]) for r in rows if r[0] is not None)


_STATES: dict[tuple[str, str], CheckinState] = {}
_STATES_LOCK = threading.Lock()


def state_for(settings: Settings, engine: Engine) -> CheckinState:
    """The process's state for this lake and operational database (made on first use)."""
    key = (str(settings.lake_dir.resolve()), str(engine.url))
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            state = _STATES[key] = CheckinState(settings)
        return state


def forget_states(keys: Iterable[tuple[str, str]] | None = None) -> None:
    """Drop held states (all by default): tests that reuse a data directory."""
    with _STATES_LOCK:
        for key in list(_STATES) if keys is None else keys:
            _STATES.pop(key, None)
