"""Key rotation: ``crossplay keys rotate --partner P`` re-keys every stored key of P.

Native ids are never stored, so the new keys cannot be computed from them. Instead keys
are chained through versions (:mod:`crossplay.core.secrets`):
``key_{n+1} = HMAC(secret_{n+1}, key_n)[:32]``. Rotation creates secret ``n+1`` and maps
every stored key of the partner through it; later ingests compute the same chained key
from the native id (they hold every version's secret), so old and new rows stay joined.

What is re-keyed, in one command:

1. the lake (one atomic manifest swap): the partner's ``user_key`` in events, consents
   and quarantine (and every 32-hex token in the quarantine's raw text), social edges'
   ``src_user_key`` and user ``dst_key`` (game), the partner's side of ``links``;
2. the operational database (one transaction): every column marked
   ``pseudonym(P)``, ``pseudonym("partner")`` on rows whose ``partner`` is P, and
   ``pseudonym("person")`` (person ids are derived from both keys, so they change too), and
   every person id token in columns marked ``person_id_text()`` (the ledger's idempotency
   keys and requests: a campaign rerun after the rotation finds the awards it made before);
3. derived Parquet files (each replaced atomically): ``k_user_key`` / ``g_user_key``,
   ``user_key`` on rows of P, ``person_id``.

A journal (``keys/<partner>.rotation.json``) records each finished step; an interrupted
rotation resumes with the same version on the next ``keys rotate`` (each step is atomic;
only a crash between a step's commit and its journal line needs the backup). While a journal
exists the lake and the operational database may disagree on person ids, so writers keyed
by person (``campaign apply``) refuse to run (:func:`rotation_in_progress`).

Security meaning: a leak of the *old* secret alone no longer lets anyone compute the
current keys from native ids, and keys exported before the rotation (e.g. in an old
release file) no longer match the lake. The chain does not help against someone who
holds both the old keys and the new secret: they can map old keys forward.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import bindparam, inspect, select, update

from crossplay.core import clock
from crossplay.core.derived import write_parquet
from crossplay.core.secrets import key_version, rotated_key_file, write_rotated_secret
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.ingest.pseudonymise import KEY_HEX_CHARS
from crossplay.lake import Lake
from crossplay.opdb import metadata, person_id_text_columns, person_key_columns
from crossplay.opdb.person_text import rewrite_person_text
from crossplay.privacy.audit import engine_for, record
from crossplay.privacy.erasure import load_table_modules
from crossplay.privacy.lake_rewrite import rewrite_lake
from crossplay.privacy.tables import key_versions

_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


@dataclass
class RotationReport:
    partner: Partner
    version: int
    lake: dict[str, int] = field(default_factory=dict)
    db: dict[str, int] = field(default_factory=dict)
    derived: dict[str, int] = field(default_factory=dict)
    resumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "version": self.version, "lake": self.lake,
                "db": self.db, "derived": self.derived, "resumed": self.resumed}


class Rekeyer:
    """old key -> new key under one secret (memoised)."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.memo: dict[str, str] = {}

    def one(self, key: str) -> str:
        new = self.memo.get(key)
        if new is None:
            new = hmac.new(self.secret, key.encode("utf-8"),
                           hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]
            self.memo[key] = new
        return new

    def array(self, arr: pa.Array | pa.ChunkedArray, mask: pa.Array | None = None) -> pa.Array:
        """Re-key the non-null values (only where ``mask`` is true, when given)."""
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        typ = arr.type
        arr = arr.cast(pa.string())
        uniques = pc.unique(arr).drop_null()
        mapped = pa.array([self.one(u) for u in uniques.to_pylist()], pa.string())
        new = pc.take(mapped, pc.index_in(arr, value_set=uniques))
        if mask is not None:
            new = pc.if_else(mask, new, arr)
        return new.cast(typ)

    def text(self, arr: pa.Array | pa.ChunkedArray) -> pa.Array:
        values = arr.to_pylist()
        out = [None if v is None else _HEX32.sub(lambda m: self.one(m.group(0)), v)
               for v in values]
        return pa.array(out, arr.type)


def _person_id(k: str, g: str) -> str:
    return hashlib.sha256(f"{k}:{g}".encode()).hexdigest()[:16]


def _journal(settings: Settings, partner: Partner) -> Path:
    return settings.keys_dir / f"{partner}.rotation.json"


def rotation_in_progress(settings: Settings) -> list[Partner]:
    """Partners whose rotation started and has not finished (its journal exists)."""
    return [p for p in PARTNERS if _journal(settings, p).is_file()]


def rotate(settings: Settings, partner: Partner, *, actor: str = "cli") -> RotationReport:
    """Create the next key version of ``partner`` and re-key every stored key."""
    if partner not in PARTNERS:
        raise ValueError(partner)
    load_table_modules()
    journal = _journal(settings, partner)
    state: dict[str, Any] = {}
    if journal.is_file():
        state = json.loads(journal.read_text(encoding="utf-8"))
        version = int(state["version"])
    else:
        version = key_version(settings, partner) + 1
        state = {"version": version, "done": []}
        write_rotated_secret(settings, partner, version)
        journal.write_text(json.dumps(state), encoding="utf-8")
    secret = rotated_key_file(settings, partner, version).read_text(encoding="ascii").strip()
    rk = Rekeyer(secret.encode("ascii"))
    report = RotationReport(partner, version, resumed=bool(state["done"]))
    done: list[str] = state["done"]
    pid_map = _person_map(settings, partner, rk, state)

    def step(name: str) -> bool:
        return name not in done

    def finish(name: str) -> None:
        done.append(name)
        journal.write_text(json.dumps(state), encoding="utf-8")

    if step("lake"):
        report.lake = _rekey_lake(settings, partner, rk)
        finish("lake")
    if step("db"):
        report.db = _rekey_db(settings, partner, rk, pid_map, version)
        finish("db")
    if step("derived"):
        report.derived = _rekey_derived(settings, partner, rk, pid_map)
        finish("derived")
    record(settings, "key_rotation", actor=actor, subject=f"partner:{partner}",
           details={"version": version, "lake": report.lake, "db": report.db,
                    "derived": report.derived, "resumed": report.resumed})
    journal.unlink()
    return report


def _person_map(settings: Settings, partner: Partner, rk: Rekeyer,
                state: dict[str, Any]) -> dict[str, str]:
    """old person_id -> new person_id (kept in the journal: links change in step 1)."""
    if "person_map" in state:
        return dict(state["person_map"])
    from crossplay.warehouse.duck import connect

    con = connect(settings)
    try:
        pairs = con.sql("SELECT DISTINCT k_user_key, g_user_key FROM links").fetchall()
    finally:
        con.close()
    out = {}
    for k, g in pairs:
        nk, ng = (rk.one(k), g) if partner == "knowledge" else (k, rk.one(g))
        out[_person_id(k, g)] = _person_id(nk, ng)
    state["person_map"] = out
    return out


def _rekey_lake(settings: Settings, partner: Partner, rk: Rekeyer) -> dict[str, int]:
    side = "k_user_key" if partner == "knowledge" else "g_user_key"

    def rewrite(table: str, rel: str, t: pa.Table) -> pa.Table | None:
        own = f"/partner={partner}/" in f"/{rel}"
        cols: dict[str, pa.Array] = {}
        if table == "links":
            if side in t.column_names:
                cols[side] = rk.array(t.column(side))
        elif own and table in ("events", "consents") and "user_key" in t.column_names:
            cols["user_key"] = rk.array(t.column("user_key"))
        elif own and table == "social_edges":
            cols["src_user_key"] = rk.array(t.column("src_user_key"))
            dst_type = t.column("dst_type").combine_chunks().cast(pa.string())
            person = pc.fill_null(pc.not_equal(dst_type, "streamer"), True)
            cols["dst_key"] = rk.array(t.column("dst_key"), mask=person)
        elif own and table == "quarantine" and "raw" in t.column_names:
            cols["raw"] = rk.text(t.column("raw"))
        if not cols:
            return None
        for name, arr in cols.items():
            t = t.set_column(t.column_names.index(name), t.schema.field(name), arr)
        return t

    return rewrite_lake(Lake(settings.lake_dir), rewrite)


def _rekey_db(settings: Settings, partner: Partner, rk: Rekeyer, pid_map: dict[str, str],
              version: int) -> dict[str, int]:
    engine = engine_for(settings)
    out: dict[str, int] = {}
    with engine.begin() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in metadata.sorted_tables:
            if table.name not in existing:
                continue
            for name, kind in person_key_columns(table).items():
                col = table.c[name]
                q = select(col).distinct().where(col.is_not(None))
                if kind == "partner":
                    if "partner" not in table.c:
                        continue
                    q = q.where(table.c.partner == partner)
                elif kind == "person":
                    pass
                elif kind != partner:
                    continue
                olds = [r[0] for r in conn.execute(q).all()]
                if kind == "person":
                    params = [{"old": o, "new": pid_map[o]} for o in olds if o in pid_map]
                else:
                    params = [{"old": o, "new": rk.one(o)} for o in olds]
                if not params:
                    continue
                stmt = update(table).where(col == bindparam("old")).values(
                    {name: bindparam("new")})
                if kind == "partner":
                    stmt = stmt.where(table.c.partner == partner)
                conn.execute(stmt, params)
                out[f"{table.name}.{name}"] = len(params)
            for name in person_id_text_columns(table) if pid_map else []:
                changed = rewrite_person_text(conn, table, name, pid_map)
                if changed:
                    out[f"{table.name}.{name}"] = changed
        conn.execute(key_versions.insert().values(
            partner=partner, version=version, rotated_at=clock.now(),
            rows_rekeyed=sum(out.values())))
    return out


def _rekey_derived(settings: Settings, partner: Partner, rk: Rekeyer,
                   pid_map: dict[str, str]) -> dict[str, int]:
    root = settings.data_dir / "derived"
    out: dict[str, int] = {}
    if not root.is_dir():
        return out
    side = "k_user_key" if partner == "knowledge" else "g_user_key"
    pid_old = pa.array(list(pid_map), pa.string())
    pid_new = pa.array(list(pid_map.values()), pa.string())
    for path in sorted(root.rglob("*.parquet")):
        t = pq.read_table(path)
        changed = False
        for name in t.column_names:
            arr = t.column(name)
            if name == side:
                new = rk.array(arr)
            elif name == "user_key" and "partner" in t.column_names:
                mask = pc.fill_null(pc.equal(t.column("partner").cast(pa.string()),
                                             partner), False)
                new = rk.array(arr, mask=mask.combine_chunks() if isinstance(
                    mask, pa.ChunkedArray) else mask)
            elif name == "person_id" and len(pid_old):
                s = arr.cast(pa.string())
                idx = pc.index_in(s, value_set=pid_old)
                new = pc.if_else(pc.is_valid(idx), pc.take(pid_new, idx), s).cast(arr.type)
            else:
                continue
            t = t.set_column(t.column_names.index(name), t.schema.field(name), new)
            changed = True
        if changed:
            write_parquet(t, path)
            out[str(path.relative_to(root))] = t.num_rows
    return out
