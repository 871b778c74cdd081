"""The whole API against its own OpenAPI document, with schemathesis (property-based).

Every operation ``/openapi.json`` lists at run time (so areas that land later are covered
without touching this file) is called with requests schemathesis generates from the
document: valid ones (positive) and ones that break the schema (negative), with a valid
all-scope key of a partner, over a real uvicorn on a private copy of the ingested test world
where every area has data to answer with (a trained bundle, a running campaign and
experiments: :func:`tests.api.matrix_support.prepare_world`). Each answer must:

- never be a server error (5xx);
- have a status code the operation documents, the content type documented for it, a body
  that validates against the documented schema, and the documented headers;
- reject what breaks the schema (a 4xx for negative data).

Bounded: a few examples per operation and mode, no shrinking, no example database, fixed
seed (``derandomize``) so a run is repeatable; before them, the first boundary cases of
schemathesis' coverage phase (missing or malformed parameters and headers, wrong types).
Failures are collected per operation and check (the first request that showed each) and
reported together.
"""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crossplay.access.apikeys import create_key
from crossplay.opdb import db_url, dispose_engines
from tests.api.conftest import API_SCOPES, running_api
from tests.api.matrix_support import Operation, Sampler, UserRef, operations, prepare_world
from tests.conftest import G_SECRET, K_SECRET, PG_ADMIN, LoadedWorld, _pg_admin

#: boundary cases per operation from schemathesis' coverage phase (deterministic: missing
#: and malformed parameters, wrong types, limits), at most this many
COVERAGE_CASES = 25
#: examples per operation: (mode, how many)
BUDGET = ((GenerationMode.POSITIVE, 10), (GenerationMode.NEGATIVE, 5))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@dataclass
class Live:
    url: str
    spec: dict[str, Any]
    auth: dict[str, str]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, loaded_world: LoadedWorld,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The API on a world copy, its operational database on SQLite or a fresh PostgreSQL
    database (the routes' SQL differs between the two: both are explored)."""
    root = tmp_path_factory.mktemp("schemathesis")
    admin, name = None, None
    overrides: dict[str, Any] = {}
    if request.param == "postgresql":
        admin = _pg_admin()
        name = f"crossplay_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
        overrides["db_url"] = f"postgresql+psycopg://{host}/{name}"
    try:
        with pytest.MonkeyPatch.context() as mp:
            for var in ("CROSSPLAY_DATA_DIR", "CROSSPLAY_LANG", "LANG"):
                mp.delenv(var, raising=False)
            mp.setenv("CROSSPLAY_KNOWLEDGE_SECRET", K_SECRET)
            mp.setenv("CROSSPLAY_GAME_SECRET", G_SECRET)
            mp.setenv("CROSSPLAY_CONFIG", str(root / "no-such-crossplay.toml"))
            shutil.copytree(loaded_world.data_dir, root / "data")
            settings = LoadedWorld(loaded_world.world_dir, root / "data").settings(
                **overrides)
            assert db_url(settings).startswith(request.param)
            prepare_world(settings)
            key = create_key(settings, "knowledge", API_SCOPES).secret
            with running_api(settings, keys=False) as api:
                spec = httpx.get(api.url + "/openapi.json", timeout=60).json()
                yield Live(api.url, spec, {"Authorization": f"Bearer {key}"})
    finally:
        if admin is not None:
            dispose_engines()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _show(case: Any, resp: Any) -> str:
    return (f"{case.method} {case.formatted_path} query={case.query!r} "
            f"headers={ {k: v for k, v in (case.headers or {}).items()} !r} "
            f"body={getattr(case, 'body', None)!r} -> {resp.status_code} "
            f"{resp.text[:300]!r}")


def _check(live: Live, case: Any, label: str, checks: list[Any],
           failures: dict[tuple[str, str], str], calls: Counter[str]) -> None:
    """Send ``case`` with the key; keep the first failure of each kind."""
    headers = {**(case.headers or {}), **live.auth}
    resp = case.call(base_url=live.url, headers=headers, timeout=120)
    calls[str(resp.status_code)] += 1
    try:
        case.validate_response(resp, checks=checks, headers=headers)
    except (AssertionError, BaseExceptionGroup) as exc:  # one or a group of failures
        parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
        what = "; ".join(sorted({str(e).strip().splitlines()[0][:120]
                                 for e in parts if str(e).strip()}))
        mode = case.meta.generation.mode.value if case.meta is not None else "?"
        failures.setdefault((label, f"{mode}: {what}"),
                            f"{_show(case, resp)}\n      {str(exc)[:600]}")


def _cover(live: Live, schema: Any, op: Any, failures: dict[tuple[str, str], str],
           calls: Counter[str]) -> None:
    cases = schema.iter_coverage_cases(
        op, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=op))
    for case in itertools.islice(cases, COVERAGE_CASES):
        negative = case.meta is not None and case.meta.generation.mode == \
            GenerationMode.NEGATIVE
        _check(live, case, op.label, NEGATIVE_CHECKS if negative else CHECKS, failures,
               calls)


def _explore(live: Live, op: Any, mode: GenerationMode, n: int,
             failures: dict[tuple[str, str], str], calls: Counter[str]) -> None:
    """``n`` generated requests of ``op``; the first failure of each kind is kept."""
    checks = NEGATIVE_CHECKS if mode == GenerationMode.NEGATIVE else CHECKS

    @hyp_settings(max_examples=n, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        _check(live, case, op.label, checks, failures, calls)

    try:
        run()
    except Unsatisfiable:
        # nothing of the operation can break its schema (e.g. no parameters, no body)
        assert mode == GenerationMode.NEGATIVE, op.label


def test_every_operation_answers_as_its_document_says(live: Live) -> None:
    schema = schemathesis.openapi.from_dict(live.spec)
    operations = [r.ok() for r in schema.get_all_operations()]
    documented = sum(1 for item in live.spec["paths"].values() for m in item
                     if m in ("get", "put", "post", "delete", "patch"))
    assert len(operations) == documented >= 3
    failures: dict[tuple[str, str], str] = {}
    calls: Counter[str] = Counter()
    for op in operations:
        _cover(live, schema, op, failures, calls)
        for mode, n in BUDGET:
            _explore(live, op, mode, n, failures, calls)
    print(f"\nschemathesis: {len(operations)} operations, {sum(calls.values())} calls, "
          f"statuses {dict(sorted(calls.items()))}, {len(failures)} distinct failures")
    # not vacuous: the key got through, and requests reached the handlers and their data
    assert calls["401"] < sum(calls.values()) / 4, calls
    assert calls["200"] >= 2 * len(operations), calls
    report = [f"{label} [{what}]\n    {example}"
              for (label, what), example in sorted(failures.items())]
    assert not report, "\n".join(report)


#: integers past every database's integer column (SQLite and PostgreSQL BIGINT: 2**63-1)
HUGE = (2**63, 10**30, -(2**63) - 1)


def test_integers_past_a_bigint_are_refused_not_crashed(live: Live) -> None:
    """Every integer parameter and top-level body field of every operation, set past what
    a database column holds (random generation rarely gets there): a 4xx, never a 5xx."""
    sampler = Sampler(live.spec, user=UserRef("own", user_id="K00000001"))
    ops = operations(live.spec, {})
    tried, crashed = 0, []
    with httpx.Client(base_url=live.url, timeout=120) as client:
        for op in ops:
            base = sampler.request(op)
            for where, name in _integer_fields(op, sampler):
                for value in HUGE:
                    path, query, body = base.path, dict(base.query), base.body
                    if where == "path":
                        path = _fill_path(op.path, base.path, name, value)
                    elif where == "query":
                        query[name] = value
                    else:
                        body = {**body, name: value}
                    headers = {**base.headers, **live.auth}
                    if "Idempotency-Key" in headers:
                        headers["Idempotency-Key"] = f"huge-{tried}"
                    resp = client.request(base.method, path, params=query, headers=headers,
                                          **({"json": body} if body is not None else {}))
                    tried += 1
                    if resp.status_code >= 500:
                        crashed.append(f"{base.method} {path} query={query} body={body} "
                                       f"-> {resp.status_code} {resp.text[:200]}")
    print(f"\nintegers past a bigint: {tried} requests")
    assert not crashed, "\n".join(crashed)


def _integer_fields(op: Operation, sampler: Sampler) -> list[tuple[str, str]]:
    def is_int(schema: dict[str, Any]) -> bool:
        s = sampler.resolve(schema)
        options = [sampler.resolve(o) for o in s.get("anyOf", [])] or [s]
        return any(o.get("type") == "integer" for o in options)

    out = [(str(p.get("in")), str(p["name"]))
           for p in (sampler.resolve(raw) for raw in op.spec.get("parameters", ()))
           if p.get("in") in ("path", "query") and is_int(p.get("schema", {}))]
    content = op.spec.get("requestBody", {}).get("content", {})
    body = sampler.resolve(content.get("application/json", {}).get("schema", {}))
    out += [("body", name) for name, sub in body.get("properties", {}).items()
            if is_int(sub)]
    return out


def _fill_path(template: str, filled: str, name: str, value: int) -> str:
    """``filled`` (the template with every parameter filled) with ``name`` set to
    ``value``: the template's other parameters keep their filled segments."""
    parts, out = template.split("/"), filled.split("/")
    for i, part in enumerate(parts):
        if part == "{" + name + "}":
            out[i] = str(value)
    return "/".join(out)
