"""Helpers of the isolation matrix (tests/api/test_isolation_matrix.py).

The matrix is built from what the running API *says* it is, never from a hand-kept list:
the operations from ``/openapi.json``, the scope each one needs from the app's own route
dependencies (``require("<scope>")`` names its dependency ``require_<scope>``), and the
parameters and bodies from each operation's JSON schema (:func:`sample`: required fields,
enums, examples, defaults; the user fields come from the matrix row). What a request sends
and what comes back is then checked for identifiers of the *other* partner's users
(:func:`leaked`), and the other partner's rows in the operational database and the lake
are fingerprinted before and after (:func:`opdb_rows`, :func:`lake_rows`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import MetaData, select

from crossplay.core import clock
from crossplay.core.settings import Settings
from crossplay.core.types import Partner

#: names under which an operation takes a user (query, path or body field)
USER_FIELDS = ("user_id", "user_key")
#: path parameters that name a user
USER_PATH_PARAMS = ("user", "user_id", "user_key")

_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_METHODS = ("get", "put", "post", "delete", "patch")


# --- the operations -----------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document, with the scopes its route requires."""

    method: str
    path: str
    spec: dict[str, Any] = field(repr=False, compare=False, hash=False)
    #: scopes a key needs (empty: the operation needs no key)
    scopes: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method != "get"

    @property
    def keyed(self) -> bool:
        """Needs a partner key: every ``/v1`` operation must."""
        return self.path.startswith("/v1/") or bool(self.scopes)


def route_scopes(app: FastAPI) -> dict[tuple[str, str], frozenset[str]]:
    """(method, path) → the scopes the route's ``require_<scope>`` dependencies ask for."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    pending = list(app.routes)
    while pending:
        route = pending.pop()
        if not isinstance(route, APIRoute):
            # an included router (FastAPI keeps the original), a mount ...
            inner = getattr(route, "original_router", route)
            pending.extend(getattr(inner, "routes", ()))
            continue
        found: set[str] = set()
        stack = list(route.dependant.dependencies)
        while stack:
            dep = stack.pop()
            name = getattr(dep.call, "__name__", "")
            if name.startswith("require_"):
                found.add(name.removeprefix("require_"))
            stack.extend(dep.dependencies)
        for method in route.methods:
            out[(method.lower(), route.path)] = frozenset(found)
    return out


def operations(spec: dict[str, Any], scopes: dict[tuple[str, str], frozenset[str]]
               ) -> list[Operation]:
    """Every operation of ``spec`` (an OpenAPI document), in document order."""
    ops = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method in _METHODS:
                ops.append(Operation(method, path, op,
                                     scopes.get((method, path), frozenset())))
    return ops


# --- values from a JSON schema ------------------------------------------------------------

@dataclass(frozen=True)
class UserRef:
    """How one matrix row names a user: a native id (``user_id``) or a ``user_key``."""

    kind: str  # the user class, e.g. "own_native"
    user_id: str | None = None
    user_key: str | None = None

    @property
    def value(self) -> str:
        return self.user_id if self.user_id is not None else str(self.user_key)


@dataclass
class Sampler:
    """Valid values for an operation's parameters and body, from the document's schemas.

    ``plant`` (a marker prefix): free id-like strings and free-form objects carry a fresh
    marker (kept in ``planted``), so a partner's own writes leave values in its rows that
    nobody else can have, and that no other partner's answer may ever contain."""

    spec: dict[str, Any]
    user: UserRef | None = None
    plant: str | None = None
    #: values to use for a field or parameter of this name (e.g. a path id to try)
    fixed: dict[str, Any] = field(default_factory=dict)
    planted: set[str] = field(default_factory=set)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            node: Any = self.spec
            for part in ref.removeprefix("#/").split("/"):
                node = node[part]
            schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def _marker(self) -> str:
        assert self.plant is not None
        m = f"{self.plant}{uuid.uuid4().hex[:12]}"
        self.planted.add(m)
        return m

    def value(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        s = self.resolve(schema)
        if name in self.fixed:
            return self.fixed[name]
        if "const" in s:
            return s["const"]
        if s.get("enum"):
            return s["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in s:
                options = [self.resolve(o) for o in s[key]]
                usable = [o for o in options if o.get("type") != "null"] or options
                return self.value({**{k: v for k, v in s.items() if k != key},
                                   **usable[0]}, name, depth)
        if "allOf" in s:
            merged: dict[str, Any] = {}
            for part in s["allOf"]:
                merged.update(self.resolve(part))
            return self.value(merged, name, depth)
        kind = s.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in s else "string"
        if kind in ("object", "array"):
            example = self._example(s)
            if example is not None:
                return self._adapt(copy.deepcopy(example), s, depth)
        if kind == "object":
            return self._object(s, depth)
        if kind == "array":
            if depth > 6:
                return []
            n = max(1, int(s.get("minItems", 1)))
            return [self.value(s.get("items", {}), name, depth + 1) for _ in range(n)]
        example = self._example(s)
        if example is not None:
            return example
        if kind == "string":
            return self._string(s, name)
        if kind in ("integer", "number"):
            return _number(s, kind)
        if kind == "boolean":
            return bool(s.get("default", True))
        return None

    @staticmethod
    def _example(s: dict[str, Any]) -> Any:
        if s.get("examples"):
            return s["examples"][0]
        if "example" in s:
            return s["example"]
        if s.get("default") is not None:
            return s["default"]
        return None

    def _adapt(self, value: Any, schema: dict[str, Any], depth: int) -> Any:
        """A documented example made this row's: its user fields name the row's user, and
        (planting) the id-like strings of free-form objects carry markers."""
        s = self.resolve(schema)
        if isinstance(value, list):
            items = s.get("items", {}) if isinstance(s.get("items"), dict) else {}
            return [self._adapt(v, items, depth + 1) for v in value]
        if not isinstance(value, dict):
            return value
        props: dict[str, Any] = s.get("properties", {})
        named = [f for f in USER_FIELDS if f in props or f in value]
        for f in USER_FIELDS:
            value.pop(f, None)
        if named and self.user is not None:
            self._put_user(value, named)
        extra = s.get("additionalProperties")
        free = (isinstance(extra, dict) and not extra.get("type")) or not props
        for k, v in list(value.items()):
            if k in USER_FIELDS:
                continue
            if self.plant and free and isinstance(v, str) and k.endswith("id"):
                value[k] = self._marker()
            elif isinstance(v, dict | list):
                sub = props.get(k, extra if isinstance(extra, dict) else {})
                value[k] = self._adapt(v, sub, depth + 1)
        return value

    def _put_user(self, out: dict[str, Any], fields: list[str]) -> None:
        assert self.user is not None
        if self.user.user_id is not None and "user_id" in fields:
            out["user_id"] = self.user.user_id
        elif self.user.user_key is not None and "user_key" in fields:
            out["user_key"] = self.user.user_key
        else:  # the operation takes only the other form: send what the row has
            out[fields[0]] = self.user.value

    def _object(self, s: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = s.get("properties", {})
        required = set(s.get("required", ()))
        out: dict[str, Any] = {}
        takes_user = any(f in props for f in USER_FIELDS)
        for name, sub in props.items():
            if name in USER_FIELDS:
                continue
            if name in required or name in self.fixed:
                out[name] = self.value(sub, name, depth + 1)
        if takes_user and self.user is not None:
            self._put_user(out, [f for f in USER_FIELDS if f in props])
        extra = s.get("additionalProperties")
        if not props and self.plant and extra not in (None, False):
            out["note"] = self._marker()
        return out

    def _string(self, s: dict[str, Any], name: str) -> str:
        fmt = s.get("format")
        now = clock.now()
        if fmt == "date-time":
            return now.isoformat()
        if fmt == "date":
            return now.date().isoformat()
        if fmt == "uuid":
            return str(uuid.uuid4())
        pattern = s.get("pattern")
        lo = int(s.get("minLength", 1))
        candidates = ["x" * max(lo, 1), uuid.uuid4().hex, "a1", "0", "abc-1"]
        if pattern is None:
            return candidates[0]
        for c in candidates:
            if re.fullmatch(pattern, c) and lo <= len(c) <= int(s.get("maxLength", 10**6)):
                return c
        import warnings

        from hypothesis import strategies as st

        with warnings.catch_warnings():  # one value, not a property test
            warnings.simplefilter("ignore")
            value: str = st.from_regex(pattern, fullmatch=True).example()
        return value

    # the parts of a request ----------------------------------------------------------

    def request(self, op: Operation) -> Request:
        """A request of ``op`` with valid values and this row's user."""
        path, query, headers = op.path, {}, {}
        for raw in op.spec.get("parameters", ()):
            p = self.resolve(raw)
            name, where = str(p["name"]), p.get("in")
            schema = p.get("schema", {})
            if where == "path":
                if name in USER_PATH_PARAMS and self.user is not None:
                    v: Any = self.user.value
                else:
                    v = self.value(schema, name)
                path = path.replace("{" + name + "}", str(v))
            elif where == "query":
                if name in USER_FIELDS:
                    if self.user is None:
                        continue
                    if name == "user_id" and self.user.user_id is not None:
                        query[name] = self.user.user_id
                    elif name == "user_key" and self.user.user_key is not None:
                        query[name] = self.user.user_key
                elif p.get("required") or name in self.fixed:
                    query[name] = self.value(schema, name)
            elif where == "header":
                if name.lower() == "idempotency-key":
                    headers[name] = uuid.uuid4().hex
                elif p.get("required"):
                    headers[name] = str(self.value(schema, name))
        body = None
        content = op.spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            body = self.value(content["application/json"].get("schema", {}))
        return Request(op.method.upper(), path, query, headers, body)


def _number(s: dict[str, Any], kind: str) -> int | float:
    lo = s.get("minimum", s.get("exclusiveMinimum", 0))
    if "exclusiveMinimum" in s and "minimum" not in s:
        lo = lo + 1
    v = max(lo, 1)
    hi = s.get("maximum", s.get("exclusiveMaximum"))
    if hi is not None and v > hi:
        v = hi
    return int(v) if kind == "integer" else float(v)


def takes_user(op: Operation, sampler: Sampler) -> bool:
    """Whether ``op`` names a user anywhere (query, path or body)."""
    for raw in op.spec.get("parameters", ()):
        p = sampler.resolve(raw)
        if p.get("in") == "query" and p["name"] in USER_FIELDS:
            return True
        if p.get("in") == "path" and p["name"] in USER_PATH_PARAMS:
            return True
    content = op.spec.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return schema is not None and _schema_names_user(schema, sampler, 0)


def _schema_names_user(schema: dict[str, Any], sampler: Sampler, depth: int) -> bool:
    if depth > 8:
        return False
    s = sampler.resolve(schema)
    if any(f in s.get("properties", {}) for f in USER_FIELDS):
        return True
    children = list(s.get("properties", {}).values())
    children += [s["items"]] if isinstance(s.get("items"), dict) else []
    for key in ("anyOf", "oneOf", "allOf"):
        children += s.get(key, [])
    return any(_schema_names_user(c, sampler, depth + 1) for c in children)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any

    def tokens(self) -> set[str]:
        """Every token the caller itself sent (echoing one back is not a leak)."""
        text = " ".join([self.path, json.dumps(self.query), json.dumps(self.headers),
                         json.dumps(self.body, ensure_ascii=False)])
        return set(_TOKEN.findall(text))


# --- what a partner's users are called, and whether an answer names them ------------------

@dataclass
class Identifiers:
    """Everything that names a partner's users: keys, native ids, planted raw values."""

    keys: set[str] = field(default_factory=set)
    native: set[str] = field(default_factory=set)
    planted: set[str] = field(default_factory=set)

    def all(self) -> set[str]:
        return self.keys | self.native | self.planted


def leaked(answer: str, request: Request, secret: set[str]) -> set[str]:
    """Identifiers of ``secret`` in ``answer`` that the request did not send itself."""
    return (set(_TOKEN.findall(answer)) & secret) - request.tokens()


def lake_user_keys(settings: Settings) -> dict[str, set[str]]:
    """Each partner's user keys found in the lake (events, consents, social edges, links)."""
    from crossplay.lake import Lake

    manifest = Lake(settings.lake_dir).read_manifest()
    root = settings.lake_dir
    out: dict[str, set[str]] = {"knowledge": set(), "game": set()}
    con = duckdb.connect()
    try:
        for table, cols in (("events", ("user_key",)), ("consents", ("user_key",)),
                            ("social_edges", ("src_user_key",))):
            files = [str(root / f) for f in manifest.tables.get(table, [])]
            if not files:
                continue
            for col in cols:
                rows = con.execute(f"SELECT DISTINCT partner, {col} FROM read_parquet(?, "
                                   f"hive_partitioning=true, union_by_name=true)",
                                   [files]).fetchall()
                for partner, key in rows:
                    if key and partner in out:
                        out[partner].add(str(key))
        files = [str(root / f) for f in manifest.tables.get("links", [])]
        if files:
            for k, g in con.execute("SELECT DISTINCT k_user_key, g_user_key FROM "
                                    "read_parquet(?, union_by_name=true)",
                                    [files]).fetchall():
                if k:
                    out["knowledge"].add(str(k))
                if g:
                    out["game"].add(str(g))
    finally:
        con.close()
    return out


# --- a partner's rows, fingerprinted --------------------------------------------------------

def _digest(rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    lines = sorted(json.dumps([str(v) for v in r], ensure_ascii=False) for r in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


#: tables whose partner-owned rows a caller of the other partner moves by design (not a
#: user's row): the stock of a joint campaign's reward moves when any person redeems it
JOINT_TABLES = {"campaign_rewards"}


def opdb_rows(settings: Settings, partner: Partner, others: set[str]
              ) -> dict[str, tuple[int, str]]:
    """Per operational table: count and digest of ``partner``'s rows.

    A row is the partner's when a column marked ``pseudonym("<partner>")`` holds a value,
    or its ``partner`` column names the partner (the partner's keys, experiments, stored
    answers, its users' consents ...). Rows keyed by a *person* (``pseudonym("person")``
    or person ids in text: the joint ledger of a linked person, its awards, redemptions
    and the messages about them) belong to both partners and are left out, as are
    :data:`JOINT_TABLES`; so are rows that also name one of ``others`` (the other
    partner's identifiers): the other partner may rightly remove those (an erasure of its
    own user removes the joint rows that name that user)."""
    import importlib

    from sqlalchemy import or_

    from crossplay.opdb import (
        TABLE_MODULES,
        get_engine,
        person_id_text_columns,
        person_key_columns,
    )
    from crossplay.opdb import metadata as declared

    for module in TABLE_MODULES:
        importlib.import_module(module)
    engine = get_engine(settings)
    live = MetaData()
    live.reflect(engine)
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for name, table in sorted(live.tables.items()):
            decl = declared.tables.get(name)
            marked = person_key_columns(decl) if decl is not None else {}
            if (name in JOINT_TABLES or "person" in marked.values()
                    or (decl is not None and person_id_text_columns(decl))):
                continue
            own = [c for c, kind in marked.items() if kind == partner]
            cond = []
            if "partner" in table.c:
                cond.append(table.c.partner == partner)
            cond += [table.c[c].is_not(None) for c in own if c in table.c]
            if not cond:
                continue
            rows = conn.execute(select(table).where(or_(*cond))).all()
            mine = [tuple(r) for r in rows
                    if not any(str(v) in others for v in r if isinstance(v, str))]
            out[name] = _digest(iter(mine))
    return out


def lake_rows(settings: Settings, partner: Partner, others: set[str]
              ) -> dict[str, tuple[int, str]]:
    """Per lake table: count and digest of the rows in ``partner``'s partition (rows that
    name one of ``others`` left out, as in :func:`opdb_rows`), and its ingest runs."""
    from crossplay.lake import Lake

    root = settings.lake_dir
    manifest = Lake(root).read_manifest()
    out: dict[str, tuple[int, str]] = {}
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE others(v VARCHAR)")
        if others:
            con.executemany("INSERT INTO others VALUES (?)", [[o] for o in others])
        for table, rels in sorted(manifest.tables.items()):
            files = [str(root / r) for r in rels if f"partner={partner}/" in r]
            if not files:
                out[table] = (0, "")
                continue
            rel = con.read_parquet(files, hive_partitioning=True, union_by_name=True)
            cols = [c for c in rel.columns if c in (
                "user_key", "src_user_key", "dst_key", "k_user_key", "g_user_key")]
            where = " AND ".join(f"({c} IS NULL OR {c} NOT IN (SELECT v FROM others))"
                                 for c in cols) or "TRUE"
            every = ", ".join(f'"{c}"' for c in rel.columns)
            count, digest = con.execute(
                f"SELECT count(*), CAST(sum(hash({every})::HUGEINT) AS VARCHAR) FROM "
                f"read_parquet(?, hive_partitioning=true, union_by_name=true) WHERE {where}",
                [files]).fetchone() or (0, "")
            out[table] = (int(count), str(digest))
        runs = [r for r in json.loads((root / "_manifest.json").read_text())["runs"]
                if r.get("partner") == partner]
        out["_runs"] = (len(runs), hashlib.sha256(
            json.dumps(runs, sort_keys=True).encode()).hexdigest())
    finally:
        con.close()
    return out


def harvest_ids(body: Any, into: dict[str, set[str]]) -> None:
    """Collect resource ids (string fields named ``id`` or ``*_id``) from an answer, by
    field name: a partner's redemption, request or erasure ids to try with the other's key.
    Shared catalogue ids (items, campaigns, experiments, events) and users are left out."""
    shared = ("user", "item", "campaign", "experiment", "event", "person", "key", "record",
              "reward")
    if isinstance(body, dict):
        for k, v in body.items():
            if (isinstance(v, str | int) and not isinstance(v, bool)
                    and (k == "id" or k.endswith("_id"))
                    and not any(s in k for s in shared) and 0 < len(str(v)) <= 128):
                into.setdefault(k, set()).add(str(v))
            else:
                harvest_ids(v, into)
    elif isinstance(body, list):
        for v in body:
            harvest_ids(v, into)


def path_param_names(op: Operation, sampler: Sampler) -> list[str]:
    """The path parameters of ``op`` that do not name a user."""
    names = []
    for raw in op.spec.get("parameters", ()):
        p = sampler.resolve(raw)
        if p.get("in") == "path" and p["name"] not in USER_PATH_PARAMS:
            names.append(str(p["name"]))
    return names


def ids_for(param: str, harvested: dict[str, set[str]]) -> list[str]:
    """Harvested ids that can fill the path parameter ``param`` (``id`` takes any)."""
    out: set[str] = set()
    for k, vs in harvested.items():
        if k == param or k.endswith("_" + param) or param == "id" or param.endswith(k):
            out |= vs
    return sorted(out)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str))


def is_hex_key(value: str) -> bool:
    return bool(_HEX32.fullmatch(value))


# --- a world where every area has something to answer ------------------------------------

def running_experiment(settings: Settings, partner: Partner, layer: str) -> None:
    """A running experiment of ``partner`` (key ``matrix_<partner>``)."""
    from crossplay.measure.experiment import load_experiment
    from crossplay.measure.registry import save_experiment

    today = clock.now().date()
    doc = settings.data_dir / f"matrix-{partner}.yaml"
    doc.write_text(
        f"key: matrix_{partner}\nname: matrix {partner}\npartner: {partner}\n"
        f"layer: {layer}\nlayer_range: [0.0, 1.0]\n"
        "variants: [{key: control, weight: 1}, {key: treat, weight: 1}]\n"
        f"control: control\naudience: everyone\n"
        f"start: {today - dt.timedelta(days=1)}\nstop: {today + dt.timedelta(days=365)}\n"
        "mde: 0.1\nmetrics:\n"
        "  - {key: buys, kind: count, event_types: [purchase], role: primary}\n",
        encoding="utf-8")
    save_experiment(settings, load_experiment(doc))


def running_campaign(settings: Settings) -> None:
    """The sample campaign, running from yesterday, rewards at 1 point: check-ins earn,
    redemptions and exchanges can succeed, so their ids exist to be tried by the other."""
    from crossplay.campaigns.document import load_campaign, sample_path
    from crossplay.campaigns.engine import apply

    today = clock.now().date()
    text = sample_path().read_text(encoding="utf-8")
    for old, new in (("start: 2026-09-01", f"start: {today - dt.timedelta(days=1)}"),
                     ("end: 2026-09-30", f"end: {today + dt.timedelta(days=9)}"),
                     ("cost: 100", "cost: 1")):
        assert old in text, old
        text = text.replace(old, new)
    doc = settings.data_dir / "matrix-campaign.yaml"
    doc.write_text(text, encoding="utf-8")
    apply(settings, load_campaign(doc))


def prepare_world(settings: Settings) -> None:
    """A trained recommender bundle (small), the sample campaign running, a running
    experiment per partner (``matrix_<partner>``): the areas answer with data."""
    from crossplay.recommend.service import TrainOptions, train

    train(settings, TrainOptions(factors=8))
    running_campaign(settings)
    for p, layer in (("knowledge", "matrix_k"), ("game", "matrix_g")):
        running_experiment(settings, p, layer)  # type: ignore[arg-type]
