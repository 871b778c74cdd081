"""A partner's key never reads or writes the other partner's users or raw rows.

Over a real uvicorn on a private copy of the ingested test world, every operation the
OpenAPI document lists *at run time* (operations that land later are covered without
touching this file) is called with every kind of key × every kind of user reference:

- keys: the partner's all-scope key, a single-scope key per scope, a revoked key, no key,
  a malformed key;
- users: the caller's own native id and own ``user_key`` (a person linked across the two
  partners), the other partner's ``user_key`` and native id (sent as ``user_id`` it
  pseudonymises, under the caller's secret, to an unrelated key), the linked person's key
  from the other side, an unknown key, and a user the caller erased.

Servers run one after the other on the same data. First each partner *plants* rows with
its own all-scope key through every writing operation: free id-like fields carry markers
nobody else can know, and the ids the answers hand out (redemptions, requests ...) are
kept. Then the game partner's matrix runs, then the knowledge partner's, then each one's
operations that remove a user (erasure; last, so that the others still find the caller's
own user and the joint rows of its linked person); each server is stopped before the
next (a stop flushes what areas buffer, e.g. events to the lake), and the other
partner's rows in the operational database and in its lake partition are fingerprinted
around each step.

Asserted: no 5xx anywhere; a key without the operation's scope never gets 2xx (and a
revoked, missing or malformed key gets 401 on every ``/v1`` operation); no answer to one
partner's key (nor to a request without a valid key) holds an identifier of the other
partner's users — their user keys (all of them, read from the lake), native ids, planted
values or resource ids — unless the request itself sent it; the other partner's ids in a
path never answer 2xx; and the other partner's rows are byte-for-byte the same after the
matrix. The summary (operations × cells, statuses per operation) is printed and written
next to the test's data, and must be large enough that the test cannot pass vacuously.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import duckdb
import httpx
import pytest
from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel, Field

from crossplay.access.apikeys import create_key, revoke_key
from crossplay.api.app import create_app
from crossplay.api.auth import Caller, require
from crossplay.api.users import UserKeyQuery
from crossplay.core.settings import Settings
from crossplay.core.types import PARTNERS, Partner
from crossplay.privacy.keys import native_key
from tests.api.conftest import API_SCOPES, running_api
from tests.api.matrix_support import (
    Identifiers,
    Operation,
    Request,
    Sampler,
    UserRef,
    harvest_ids,
    ids_for,
    lake_rows,
    lake_user_keys,
    leaked,
    opdb_rows,
    operations,
    path_param_names,
    prepare_world,
    route_scopes,
    takes_user,
    write_json,
)
from tests.conftest import G_SECRET, K_SECRET, LoadedWorld

#: operations of the frame itself (the least the document lists)
FRAME_OPERATIONS = {"GET /healthz", "GET /readyz", "GET /metrics"}
#: the user classes every row of an operation that names a user runs through
USER_CLASSES = ("own_native", "own_key", "other_key", "other_native", "linked_other_key",
                "unknown_key", "erased")
#: key classes without a partner
NO_PARTNER_KEYS = ("revoked", "none", "malformed")
MALFORMED_KEY = "cp_not-a-key"


def _other(p: Partner) -> Partner:
    return "game" if p == "knowledge" else "knowledge"


@dataclass
class People:
    """The users the matrix names, per partner (native ids)."""

    linked: dict[str, str]  # partner → the native id of one person linked across both
    plain: dict[str, str]  # partner → another user of that partner only
    erased: dict[str, str]  # partner → a user erased before the run


@dataclass
class Cell:
    phase: str
    op: str
    key: str
    user: str
    status: int
    method: str
    url: str
    body: Any
    #: the answer's body and headers as text
    answer: str
    headers: str
    seconds: float
    #: the path names the other partner's resource (its id, its experiment)
    foreign: bool = False

    def json(self) -> Any:
        try:
            return json.loads(self.answer)
        except ValueError:
            return None

    def brief(self) -> str:
        return (f"[{self.phase}] {self.op} key={self.key} user={self.user} -> "
                f"{self.status}: {self.method} {self.url} body={self.body!r} "
                f"answer={self.answer[:300]!r}")


@dataclass
class World:
    settings: Settings
    spec: dict[str, Any]
    people: People
    keys: dict[str, dict[str, tuple[str | None, frozenset[str]]]]
    ids: dict[str, Identifiers]
    items: dict[str, str]
    #: resource ids each partner's own writes were answered with, by field name
    harvested: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    #: answers that named the caller's own users beyond what the request sent (the
    #: positive control of the leak check: it does see identifiers in answers)
    own_mentions: int = 0


@dataclass
class Result:
    ops: list[Operation]
    cells: list[Cell]
    leaks: list[tuple[Cell, set[str]]]
    snapshots: dict[str, list[tuple[str, Any, Any]]]
    plant_cells: list[Cell]
    summary: dict[str, Any]


# --- the world ----------------------------------------------------------------------------

def _people(world_dir: Path, settings: Settings) -> People:
    """A linked person (bound, never unbound, link in the lake), a one-partner user per
    partner and a user per partner to erase; first by person number, so every run picks
    the same people."""
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT person, k_uid, g_uid, bound_at IS NOT NULL AND unbound_at IS NULL "
            "FROM read_parquet(?) ORDER BY person",
            [str(world_dir / "ground_truth/people/part-00000.parquet")]).fetchall()
    finally:
        con.close()
    keys = lake_user_keys(settings)
    linked = next(
        (k, g) for _, k, g, bound in rows if bound and k and g
        and native_key(settings, "knowledge", k) in keys["knowledge"]
        and native_key(settings, "game", g) in keys["game"])
    only = {"knowledge": [k for _, k, g, _ in rows if k and not g
                          and native_key(settings, "knowledge", k) in keys["knowledge"]],
            "game": [g for _, k, g, _ in rows if g and not k
                     and native_key(settings, "game", g) in keys["game"]]}
    return People(linked={"knowledge": linked[0], "game": linked[1]},
                  plain={p: only[p][0] for p in PARTNERS},
                  erased={p: only[p][1] for p in PARTNERS})


def _first_item(settings: Settings, partner: Partner) -> str:
    from crossplay.lake import Lake

    rels = Lake(settings.lake_dir).read_manifest().tables.get("items", [])
    files = [str(settings.lake_dir / r) for r in rels if f"partner={partner}/" in r]
    con = duckdb.connect()
    try:
        return str(con.execute("SELECT min(item_id) FROM read_parquet(?, "
                               "union_by_name=true)", [files]).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def _build(loaded: LoadedWorld, root: Path) -> World:
    from crossplay.privacy.erasure import forget

    data_dir = root / "data"
    shutil.copytree(loaded.data_dir, data_dir)
    settings = LoadedWorld(loaded.world_dir, data_dir).settings()
    people = _people(loaded.world_dir, settings)
    ids = {p: Identifiers() for p in PARTNERS}
    con = duckdb.connect()
    try:  # every native id of the world, not only the people the rows name
        for k, g in con.execute("SELECT k_uid, g_uid FROM read_parquet(?)", [str(
                loaded.world_dir / "ground_truth/people/part-00000.parquet")]).fetchall():
            if k:
                ids["knowledge"].native.add(str(k))
            if g:
                ids["game"].native.add(str(g))
    finally:
        con.close()
    for p, found in lake_user_keys(settings).items():
        ids[p].keys |= found
    for p in PARTNERS:
        for native in (people.linked[p], people.plain[p], people.erased[p]):
            ids[p].native.add(native)
            ids[p].keys.add(native_key(settings, p, native))
    for p in PARTNERS:
        forget(settings, p, people.erased[p], actor="matrix")
    prepare_world(settings)
    keys: dict[str, dict[str, tuple[str | None, frozenset[str]]]] = {}
    for p in PARTNERS:
        keys[p] = {"all": (create_key(settings, p, API_SCOPES, name="matrix-all").secret,
                           frozenset(API_SCOPES))}
        for s in API_SCOPES:
            keys[p][f"only_{s}"] = (create_key(settings, p, [s]).secret, frozenset([s]))
        gone = create_key(settings, p, API_SCOPES)
        revoke_key(settings, gone.key.key_id, actor="matrix")
        keys[p]["revoked"] = (gone.secret, frozenset())
    keys["knowledge"]["none"] = (None, frozenset())
    keys["knowledge"]["malformed"] = (MALFORMED_KEY, frozenset())
    return World(settings, {}, people, keys, ids,
                 items={p: _first_item(settings, p) for p in PARTNERS})


def _users(w: World, caller: Partner) -> dict[str, UserRef]:
    other = _other(caller)
    s = w.settings
    unknown = hashlib.sha256(b"matrix: nobody").hexdigest()[:32]
    return {
        "own_native": UserRef("own_native", user_id=w.people.linked[caller]),
        "own_key": UserRef("own_key", user_key=native_key(s, caller,
                                                          w.people.linked[caller])),
        "other_key": UserRef("other_key", user_key=native_key(s, other,
                                                              w.people.plain[other])),
        "other_native": UserRef("other_native", user_id=w.people.plain[other]),
        "linked_other_key": UserRef("linked_other_key", user_key=native_key(
            s, other, w.people.linked[other])),
        "unknown_key": UserRef("unknown_key", user_key=unknown),
        "erased": UserRef("erased", user_id=w.people.erased[caller]),
    }


def _fixed(w: World, partner: Partner, op: Operation) -> dict[str, Any]:
    """Values of path parameters that name ``partner``'s own resources."""
    out: dict[str, Any] = {"item_id": w.items[partner]}
    if "experiment" in op.path:
        for name in ("key", "experiment", "experiment_key"):
            out[name] = f"matrix_{partner}"
    return out


# --- calling ------------------------------------------------------------------------------

def _call(client: httpx.Client, phase: str, op: Operation, key_label: str,
          secret: str | None, user: str, req: Request) -> Cell:
    headers = {"Accept-Language": "en", **req.headers}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"params": req.query, "headers": headers}
    if req.body is not None:
        kwargs["json"] = req.body
    resp = client.request(req.method, req.path, **kwargs)
    return Cell(phase, op.label, key_label, user, resp.status_code, req.method,
                str(resp.request.url), req.body, resp.text,
                "\n".join(f"{k}: {v}" for k, v in resp.headers.items()),
                time.perf_counter() - started)


def _removes_users(op: Operation) -> bool:
    return op.method == "delete" or "erasure" in op.path or "forget" in op.path


def _ordered(ops: list[Operation]) -> list[Operation]:
    """Operations that remove a user (erasure, DELETE) last, so the others still find the
    caller's own user; otherwise document order."""
    return ([o for o in ops if not _removes_users(o)]
            + [o for o in ops if _removes_users(o)])


def _plant(w: World, url: str, ops: list[Operation]) -> list[Cell]:
    """Each partner writes through every writing operation with its own all-scope key, for
    its linked user and its one-partner user, with markers in free id-like fields."""
    cells = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for p in PARTNERS:
            w.harvested[p] = {}
            for op in ops:
                if not op.writes or _removes_users(op):
                    continue
                for native in (w.people.linked[p], w.people.plain[p]):
                    sampler = Sampler(w.spec, user=UserRef("own_native", user_id=native),
                                      plant=f"plant{p[0]}", fixed=_fixed(w, p, op))
                    cell = _call(client, f"plant-{p}", op, "all", w.keys[p]["all"][0],
                                 "own_native", sampler.request(op))
                    cells.append(cell)
                    w.ids[p].planted |= sampler.planted
                    if 200 <= cell.status < 300:
                        harvest_ids(cell.json(), w.harvested[p])
    return cells


@dataclass
class Plan:
    """The cells of one operation for one calling partner."""

    key: str
    secret: str | None
    scoped: bool | None  # the key holds a scope the operation needs (None: no key needed)
    users: list[str]
    fixed: dict[str, Any]
    foreign: bool = False  # the path names the other partner's resource


def _plans(w: World, caller: Partner, op: Operation, n_user: bool) -> list[Plan]:
    users = list(USER_CLASSES) if n_user else ["-"]
    plans = []
    rotate = 0
    own = _fixed(w, caller, op)
    for label, (secret, scopes) in w.keys[caller].items():
        if label in NO_PARTNER_KEYS:
            scoped: bool | None = False
        elif not op.scopes:
            scoped = None
        else:
            scoped = bool(scopes & op.scopes)
        if label == "all":
            chosen = users
        elif scoped:  # the scope's own key: the user classes that matter most
            chosen = [u for u in users if u in ("own_native", "other_key", "-")]
        else:  # a refused key: which user it names cannot matter; sample one per key
            chosen = [users[rotate % len(users)]]
            rotate += 1
        plans.append(Plan(label, secret, scoped, chosen, own))
    # the other partner's resources in the path, with the caller's all-scope key
    other = _other(caller)
    sampler = Sampler(w.spec)
    for param in path_param_names(op, sampler):
        foreign_values = ids_for(param, w.harvested.get(other, {}))
        if param in ("key", "experiment", "experiment_key") and "experiment" in op.path:
            foreign_values = [f"matrix_{other}"]
        for v in foreign_values[:3]:
            plans.append(Plan("all", w.keys[caller]["all"][0], True,
                              ["own_native" if n_user else "-"], {**own, param: v},
                              foreign=True))
    # the caller's own harvested ids fill the path where the schema has no better value
    for param in path_param_names(op, sampler):
        mine = ids_for(param, w.harvested.get(caller, {}))
        if mine:
            for plan in plans:
                if not plan.foreign:
                    plan.fixed = {**plan.fixed, param: mine[0]}
    return plans


def _matrix(w: World, url: str, caller: Partner, ops: list[Operation]
            ) -> tuple[list[Cell], list[tuple[Cell, set[str]]], list[str]]:
    """Every cell of the caller's matrix; returns the cells, the leaks and the failures."""
    users = _users(w, caller)
    other = _other(caller)
    # resource ids the other partner was given: those that cannot be a common word
    secret_other = w.ids[other].all() | {v for vs in w.harvested.get(other, {}).values()
                                         for v in vs
                                         if len(v) >= 8 and any(ch.isdigit() for ch in v)}
    secret_both = secret_other | w.ids[caller].all()
    cells: list[Cell] = []
    leaks: list[tuple[Cell, set[str]]] = []
    failures: list[str] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for op in ops:
            n_user = takes_user(op, Sampler(w.spec))
            for plan in _plans(w, caller, op, n_user):
                for u in plan.users:
                    ref = users.get(u)
                    req = Sampler(w.spec, user=ref, fixed=plan.fixed).request(op)
                    cell = _call(client, caller, op, plan.key, plan.secret, u, req)
                    cell.foreign = plan.foreign
                    cells.append(cell)
                    if (200 <= cell.status < 300 and plan.key == "all" and not plan.foreign
                            and u in ("own_native", "own_key", "-")):
                        harvest_ids(cell.json(), w.harvested[caller])
                    text = cell.answer + "\n" + cell.headers
                    no_partner = plan.key in ("none", "malformed")
                    found = leaked(text, req, secret_both if no_partner else secret_other)
                    if found:
                        leaks.append((cell, found))
                    if leaked(text, req, w.ids[caller].all()):
                        w.own_mentions += 1
                    ok = 200 <= cell.status < 300
                    if cell.status >= 500:
                        failures.append(f"5xx: {cell.brief()}")
                    if op.keyed and plan.key in NO_PARTNER_KEYS and cell.status != 401:
                        failures.append(f"not 401 without a valid key: {cell.brief()}")
                    if op.scopes and plan.scoped is False and ok:
                        failures.append(f"2xx without the scope: {cell.brief()}")
                    if op.scopes and plan.scoped is False and cell.status not in (401, 403):
                        failures.append(f"not refused without the scope: {cell.brief()}")
                    if plan.foreign and ok:
                        failures.append(f"the other partner's resource answered 2xx: "
                                        f"{cell.brief()}")
    return cells, leaks, failures


def _observed_scopes(op: Operation, cells: list[Cell]) -> set[str]:
    """The single scopes whose key got past authentication and the scope check (a route
    may check its scope itself, e.g. "ledger or admin": then only this tells)."""
    return {s for s in API_SCOPES
            if any(c.op == op.label and c.key == f"only_{s}" and c.status not in (401, 403)
                   for c in cells)}


def _snapshot(w: World, partner: Partner) -> dict[str, Any]:
    others = w.ids[_other(partner)].all()
    return {"opdb": opdb_rows(w.settings, partner, others),
            "lake": lake_rows(w.settings, partner, others)}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    out = []
    for area in ("opdb", "lake"):
        for table in sorted(set(before[area]) | set(after[area])):
            a, b = before[area].get(table), after[area].get(table)
            if a != b:
                out.append((f"{area}.{table}", a, b))
    return out


def _run(loaded: LoadedWorld, root: Path) -> Result:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        timings[name] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()

    w = _build(loaded, root)
    lap("world (copy, erase, train, campaign, keys)")
    scopes = route_scopes(create_app(w.settings))
    with running_api(w.settings, keys=False) as live:
        w.spec = httpx.get(live.url + "/openapi.json", timeout=60).json()
        ops = _ordered(operations(w.spec, scopes))
        plant_cells = _plant(w, live.url, ops)
    lap("planting")
    snaps = {p: _snapshot(w, p) for p in PARTNERS}
    lap("snapshots")
    cells: list[Cell] = []
    leaks: list[tuple[Cell, set[str]]] = []
    failures: list[str] = [f"5xx: {c.brief()}" for c in plant_cells if c.status >= 500]
    diffs: dict[str, list[tuple[str, Any, Any]]] = {}
    # both partners' matrices first, then the operations that remove a user: an erasure
    # of one side of a linked person forgets the person's joint rows (its ledger account),
    # which would leave the other partner's matrix with an own user that has nothing
    keep = [o for o in ops if not _removes_users(o)]
    remove = [o for o in ops if _removes_users(o)]
    for caller, part, what in (("game", keep, "matrix"), ("knowledge", keep, "matrix"),
                               ("game", remove, "removals"),
                               ("knowledge", remove, "removals")):
        if not part:
            continue
        other = _other(caller)
        with running_api(w.settings, keys=False) as live:
            got, leak, failed = _matrix(w, live.url, caller, part)
        lap(f"{caller}'s {what}")
        cells += got
        leaks += leak
        failures += failed
        after = {p: _snapshot(w, p) for p in PARTNERS}
        diffs[f"{other} rows around {caller}'s {what}"] = _diff(snaps[other], after[other])
        snaps = after
        lap(f"snapshots after {caller}'s {what}")
    per_op: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cells:
        per_op[c.op][str(c.status)] += 1
    observed = {op.label: _observed_scopes(op, cells) for op in ops}
    summary = {
        "operations": len(ops),
        "cells": len(cells),
        "plant_cells": len(plant_cells),
        "planted_values": {p: len(w.ids[p].planted) for p in PARTNERS},
        "harvested_ids": {p: {k: len(v) for k, v in w.harvested[p].items()}
                          for p in PARTNERS},
        "identifiers": {p: len(w.ids[p].all()) for p in PARTNERS},
        "per_operation": {op.label: {"scopes": sorted(op.scopes),
                                     "observed_scopes": sorted(observed[op.label]),
                                     "statuses": dict(sorted(per_op[op.label].items())),
                                     "seconds": round(sum(c.seconds for c in cells
                                                          if c.op == op.label), 2)}
                          for op in ops},
        # what the all-scope key got per user class (the row of each operation)
        "all_key_rows": {op.label: {c.phase: {} for c in cells if c.op == op.label}
                         for op in ops},
        "failures": failures,
        "own_mentions": w.own_mentions,
        "seconds": timings,
    }
    for c in cells:
        if c.key == "all":
            user = c.user + (" with the other's id in the path" if c.foreign else "")
            summary["all_key_rows"][c.op][c.phase][user] = c.status
    write_json(root / "matrix-summary.json", summary)
    return Result(ops, cells, leaks, diffs, plant_cells, summary)


@pytest.fixture(scope="module")
def matrix(loaded_world: LoadedWorld, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Result]:
    root = tmp_path_factory.mktemp("matrix")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("CROSSPLAY_DATA_DIR", "CROSSPLAY_LANG", "LANG"):
            mp.delenv(var, raising=False)
        mp.setenv("CROSSPLAY_KNOWLEDGE_SECRET", K_SECRET)
        mp.setenv("CROSSPLAY_GAME_SECRET", G_SECRET)
        mp.setenv("CROSSPLAY_CONFIG", str(root / "no-such-crossplay.toml"))
        result = _run(loaded_world, root)
    s = result.summary
    print(f"\nisolation matrix: {s['operations']} operations, {s['cells']} cells "
          f"(+{s['plant_cells']} planting calls); seconds: {s['seconds']}")
    for label, row in s["per_operation"].items():
        scopes = ",".join(row["scopes"]) or f"({','.join(row['observed_scopes'])})"
        rows = json.dumps(s["all_key_rows"][label], separators=(",", ":"))
        print(f"  {label:<48} scopes={scopes:<14} "
              f"{row['statuses']} {row['seconds']}s\n      all-scope key: {rows}")
    yield result


# --- the assertions -----------------------------------------------------------------------

def test_the_matrix_covers_every_operation_of_the_document(matrix: Result) -> None:
    labels = {op.label for op in matrix.ops}
    assert labels >= FRAME_OPERATIONS
    tried = {c.op for c in matrix.cells}
    assert tried == labels, f"operations never called: {labels - tried}"
    for op in matrix.ops:
        mine = [c for c in matrix.cells if c.op == op.label]
        keys = {c.key for c in mine}
        assert {"all", "revoked", "none", "malformed"} <= keys, op.label
        assert {f"only_{s}" for s in API_SCOPES} <= keys, op.label
        if any(c.user != "-" for c in mine):
            # every user class with the all-scope key of both partners
            for phase in PARTNERS:
                seen = {c.user for c in mine if c.phase == phase and c.key == "all"}
                assert set(USER_CLASSES) <= seen, (op.label, phase)
    v1 = [op for op in matrix.ops if op.keyed]
    # not vacuous: every operation of the frame, and a full row for each /v1 operation
    assert len(matrix.cells) >= 17 * len(matrix.ops)
    for op in v1:
        row = matrix.summary["per_operation"][op.label]
        observed = set(row["observed_scopes"])
        # a /v1 operation needs a scope: declared on its route, or seen (some keys refused)
        assert op.scopes or (observed and observed != set(API_SCOPES)), (op.label, row)
        if op.scopes:  # and exactly the keys with a needed scope got past the check
            assert observed == set(op.scopes), (op.label, row)


def test_no_answer_is_a_server_error(matrix: Result) -> None:
    bad = [c.brief() for c in matrix.plant_cells + matrix.cells if c.status >= 500]
    assert not bad, "\n".join(bad[:20])


def test_keys_without_the_scope_revoked_missing_or_malformed_are_refused(
        matrix: Result) -> None:
    failures = [f for f in matrix.summary["failures"] if not f.startswith("5xx")]
    assert not failures, "\n".join(failures[:20])


def test_no_answer_names_the_other_partners_users(matrix: Result) -> None:
    # the check sees identifiers: answers do name the caller's own users (a user_key for
    # a native id, a planted value read back ...), just never the other partner's
    assert matrix.summary["own_mentions"] > 0
    report = [f"{c.brief()}\n    names {sorted(found)[:5]}" for c, found in matrix.leaks]
    assert not report, f"{len(report)} leaks:\n" + "\n".join(report[:20])


def test_no_write_changes_the_other_partners_rows(matrix: Result) -> None:
    changed = {k: v for k, v in matrix.snapshots.items() if v}
    assert not changed, json.dumps(changed, indent=1, default=str)
    # the fingerprints looked at something: both partners have rows in both stores
    assert matrix.summary["identifiers"]["knowledge"] > 100
    assert matrix.summary["identifiers"]["game"] > 100


# --- the matrix's own tools ---------------------------------------------------------------

def test_the_leak_check_finds_what_the_request_did_not_send() -> None:
    key = "0123456789abcdef0123456789abcdef"
    asked = Request("GET", "/v1/x", {"user_key": key}, {}, None)
    other = Request("GET", "/v1/x", {"user_id": "u1"}, {}, None)
    answer = json.dumps({"detail": f"unknown user {key}", "items": ["g_0a1b2c3d4e5f"]})
    assert leaked(answer, asked, {key}) == set()  # an echo of the request
    assert leaked(answer, other, {key, "g_0a1b2c3d4e5f"}) == {key, "g_0a1b2c3d4e5f"}
    assert leaked(answer, other, {"0123456789abcdef"}) == set()  # whole tokens only


class _ToyBody(BaseModel):
    user_id: str | None = None
    user_key: str | None = None
    purpose: str = Field(json_schema_extra={"enum": ["marketing", "linking"]})
    amount: int = Field(gt=0, le=10)
    note: str | None = None


def _toy_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/things/{thing_id}")
    def post(thing_id: int, body: _ToyBody,
             idem: Annotated[str, Header(alias="Idempotency-Key")],
             caller: Annotated[Caller, Depends(require("ledger"))]) -> None: ...

    @app.get("/v1/things")
    def get(caller: Annotated[Caller, Depends(require("admin"))],
            user_key: UserKeyQuery = None) -> None: ...

    return app


def test_requests_are_built_from_the_document_with_the_rows_user() -> None:
    app = _toy_app()
    spec = app.openapi()
    ops = {op.label: op for op in operations(spec, route_scopes(app))}
    assert ops["POST /v1/things/{thing_id}"].scopes == {"ledger"}
    assert ops["GET /v1/things"].scopes == {"admin"}
    user = UserRef("own_key", user_key="f" * 32)
    s = Sampler(spec, user=user, fixed={"thing_id": 7})
    req = s.request(ops["POST /v1/things/{thing_id}"])
    assert req.path == "/v1/things/7"
    assert req.body == {"user_key": "f" * 32, "purpose": "marketing", "amount": 1}
    assert len(req.headers["Idempotency-Key"]) == 32
    assert s.request(ops["GET /v1/things"]).query == {"user_key": "f" * 32}
    assert takes_user(ops["GET /v1/things"], s)
