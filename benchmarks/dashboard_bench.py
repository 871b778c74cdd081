"""The dashboard's page-render benchmark (issue #16: every page ≤ 300 ms p95 on a
100,000-person world, aggregates precomputed or cached).

    python benchmarks/run.py dashboard [--people 100000] [--requests 30]

What runs: ``crossplay demo --people N --no-serve`` once (cached in
``benchmarks/.data/dashboard-world-<N>-s<seed>-v<V>``: lake, links, releases, rules,
segments, social, trained recommender, campaign on the ledger, experiment), then
``crossplay serve`` (one worker) over it and an operator logged in with httpx. For every
page of the console and both languages:

- **build**: each page built from the data with no cache, in the benchmark's process — the
  work the console's background builder does after the page's data change (meanwhile it
  serves the previous version, marked as refreshing);
- **first**: the first request after the server started (the server warms every page's
  default view at start, so this is usually a cache hit; a filtered view is built then);
- **warm**: ``--requests`` more requests of the same view (the cache holds until the data
  change): median and p95 of the wall time per request over loopback — an upper bound of
  the server-side time, since it includes the transfer;
- **filtered**: one cold and ``--requests`` warm requests with a partner filter.

Baselines measured in the same run: ``GET /healthz`` (no template) and ``GET /login`` (a
template, no data) — each page's p95 is also given as a ratio to the login page's.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api_bench import DATA, base_env, crossplay_bin, serving

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PREPARED_VERSION = 1
TARGET_P95_MS = 300.0
OPERATOR, PASSWORD = "bench", "dashboard-bench-password"


def machine_info() -> dict[str, Any]:
    import os
    import platform

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE, check=False).stdout.strip()
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "git_commit": commit,
            "load_avg_1m": os.getloadavg()[0]}


def prepare(people: int, seed: int) -> Path:
    target = DATA / f"dashboard-world-{people}-s{seed}-v{PREPARED_VERSION}"
    if (target / ".ready").exists():
        return target
    work = target.with_name(target.name + ".partial")
    subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    print(f"[dashboard] preparing {target.name}: crossplay demo --people {people} "
          "(once; cached)", flush=True)
    began = time.perf_counter()
    done = subprocess.run([crossplay_bin(), "--data-dir", str(work), "demo", "--people",
                           str(people), "--seed", str(seed), "--no-serve", "--json"],
                          env=base_env(OPENBLAS_NUM_THREADS="1"), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"crossplay demo failed:\n{done.stderr[-4000:]}")
    (work / ".ready").write_text(json.dumps({"demo_s": time.perf_counter() - began,
                                             "at": datetime.now(UTC).isoformat()}) + "\n")
    subprocess.run(["rm", "-rf", str(target)], check=True)
    work.rename(target)
    return target


def ensure_operator(data_dir: Path) -> None:
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([crossplay_bin(), "--data-dir", str(data_dir), "operator", *args],
                              input=stdin, capture_output=True, text=True, env=base_env(),
                              check=False)

    made = run("create", OPERATOR, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    if made.returncode != 0:
        again = run("password", OPERATOR, "--password-stdin", stdin=PASSWORD + "\n")
        if again.returncode != 0:
            raise RuntimeError(f"cannot make the bench operator:\n{made.stderr}{again.stderr}")


def login(url: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=120)
    form = c.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    r = c.post("/login", data={"username": OPERATOR, "password": PASSWORD,
                               "csrf_token": token.group(1)})
    if r.status_code != 303:
        raise RuntimeError(f"login failed: {r.status_code} {r.text[:300]}")
    return c


def timed(c: httpx.Client, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        began = time.perf_counter()
        r = c.get(path)
        out.append((time.perf_counter() - began) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:500]}")
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def cold_builds(data_dir: Path) -> dict[str, float]:
    """Each cached page's build from the data (no cache), in this process: what the
    console's background builder spends after the page's data change."""
    import os

    from crossplay.core.settings import load_settings
    from crossplay.opdb import ensure_schema, get_engine
    from crossplay.web.page import Filters, PageRequest, Viewer
    from crossplay.web.registry import all_pages

    for var in ("CROSSPLAY_KNOWLEDGE_SECRET", "CROSSPLAY_GAME_SECRET"):
        os.environ.pop(var, None)
    settings = load_settings(data_dir=data_dir)
    engine = get_engine(settings)
    ensure_schema(engine)
    viewer = Viewer("bench", OPERATOR, "admin", None)
    out = {}
    for page in all_pages():
        if not page.cacheable:
            continue
        req = PageRequest(settings=settings, lang="en", filters=Filters(), viewer=viewer,
                          engine=engine)
        began = time.perf_counter()
        page.build(req)
        out[page.slug] = (time.perf_counter() - began) * 1000
        print(f"  build {page.slug:12s} {out[page.slug]:9,.0f} ms", flush=True)
    return out


def wait_idle(server: Any, timeout_s: float = 900) -> None:
    """Until the server spends under 5% of a core (its background builder is done)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = server.cpu_s()
        time.sleep(2)
        if server.cpu_s() - before < 0.1:
            return


def person_params(data_dir: Path) -> str:
    """A real game user for the person look-up (the world's first player)."""
    import duckdb

    files = sorted(str(p) for p in (data_dir / "world" / "game" / "events")
                   .glob("part-*.parquet"))
    with duckdb.connect() as con:
        row = con.execute(f"SELECT min(player) FROM read_parquet({files!r})").fetchall()
    return f"partner=game&user={row[0][0]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dashboard", description=__doc__.split("\n\n")[0])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--requests", type=int, default=30, help="warm requests per view")
    args = ap.parse_args(argv)
    from crossplay.web.registry import all_pages

    data_dir = prepare(args.people, args.seed)
    ensure_operator(data_dir)
    builds = cold_builds(data_dir)
    cells: list[dict[str, Any]] = []
    with serving(data_dir, 1, base_env(OPENBLAS_NUM_THREADS="1")) as server:
        c = login(server.url)
        try:
            person = person_params(data_dir)
            views: list[tuple[Any, str, str, str]] = []
            for page in all_pages():
                for lang in ("en", "zh-CN"):
                    if page.person_level:
                        views.append((page, lang, "person",
                                      f"/dash/{page.slug}?lang={lang}&{person}"))
                        continue
                    views.append((page, lang, "default", f"/dash/{page.slug}?lang={lang}"))
                    if "partner" in page.filters:
                        views.append((page, lang, "partner=knowledge",
                                      f"/dash/{page.slug}?lang={lang}&partner=knowledge"))
            # pass 1: every view once (what the warm-up at start left, or a build now)
            first = {path: timed(c, path, 1)[0] for _, _, _, path in views}
            wait_idle(server)
            # pass 2: the views as operators meet them afterwards, and the baselines
            base_health = timed(c, "/healthz", args.requests)
            base_login = timed(c, "/login", args.requests)
            for page, lang, view, path in views:
                warm = timed(c, path, args.requests)
                cells.append({"page": page.slug, "lang": lang, "view": view,
                              "first_ms": first[path], "p50_ms": statistics.median(warm),
                              "p95_ms": p95(warm), "cacheable": page.cacheable})
                print(f"  {page.slug:12s} {lang:5s} {view:18s} first {first[path]:8.1f} ms  "
                      f"p50 {statistics.median(warm):7.1f}  p95 {p95(warm):7.1f}",
                      flush=True)
        finally:
            c.close()
    login_p95 = p95(base_login)
    worst = max(cells, key=lambda x: x["p95_ms"])
    result = {
        "suite": "dashboard", "people": args.people, "requests": args.requests,
        "machine": machine_info(),
        "baseline": {"healthz_p95_ms": p95(base_health), "login_p95_ms": login_p95,
                     "healthz_p50_ms": statistics.median(base_health),
                     "login_p50_ms": statistics.median(base_login)},
        "cells": [{**x, "p95_vs_login": x["p95_ms"] / login_p95} for x in cells],
        "target_p95_ms": TARGET_P95_MS,
        "all_within_target": all(x["p95_ms"] <= TARGET_P95_MS for x in cells),
        "worst": worst,
        "first_max_ms": max(x["first_ms"] for x in cells),
        "builds_ms": builds,
    }
    print(f"\nbaseline p95: /healthz {p95(base_health):.1f} ms, /login {login_p95:.1f} ms")
    print(f"worst warm p95: {worst['page']} {worst['lang']} {worst['view']} "
          f"{worst['p95_ms']:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): "
          f"{'met' if result['all_within_target'] else 'MISSED'}")
    print(f"slowest first request: {result['first_max_ms']:.0f} ms")
    print("build from the data (no cache), per page: " +
          ", ".join(f"{k} {v:,.0f} ms" for k, v in builds.items()))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"dashboard-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
