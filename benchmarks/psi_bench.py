"""PSI benchmark: crossplay's sharded two-side protocol against the library run serially
and against a plain salted-hash join (the insecure baseline).

Data: two synthetic contact sets of ``--size`` items each (``tel:+86139xxxxxxxx``) with
``--overlap`` of them in common. Each side gets its own process pool of ``--workers``
processes (= shards), exactly as ``crossplay psi serve`` / ``psi join`` run; the server
setup overlaps the client's request computation as it does over HTTP. Every message is
serialised as it would travel; bytes exchanged are the sum of their sizes (plus the
tag / pair step of intersection mode). ``--repeat`` runs; medians reported.

    python benchmarks/psi_bench.py                    # 100k x 100k
    python benchmarks/psi_bench.py --size 1000000     # the issue's 1M x 1M target
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from crossplay.privacy.psi import (  # noqa: E402
    FPR,
    ClientRun,
    ServerRun,
    client_request,
    new_key,
    pack,
    pack_keys,
    pack_tags,
    pool,
    server_process,
    unpack_tags,
)

DEFAULT_OUT = HERE / "results" / "psi.json"
TARGET_S = 120.0
TARGET_MB = 80.0


def make_sets(size: int, overlap: float) -> tuple[list[str], list[str]]:
    common = int(size * overlap)
    client = [f"tel:+86139{i:08d}" for i in range(size)]
    server = [f"tel:+86139{i:08d}" for i in range(size - common, 2 * size - common)]
    return client, server


def run_sharded(client_items: list[str], server_items: list[str],
                workers: int) -> dict[str, Any]:
    salt = os.urandom(16)
    client = ClientRun("intersection", salt, workers, client_items, new_key())
    server = ServerRun("intersection", salt, workers, server_items, new_key())
    t_start = time.perf_counter()
    with pool(workers) as cex, pool(workers) as sex:
        t0 = time.perf_counter()
        sizes = json.dumps({"sizes": client.sizes()}).encode()
        server.start_setup(sex, client.sizes())  # server side starts while client works
        requests = client.requests(cex)
        t1 = time.perf_counter()
        req_body = pack(requests)
        setups, responses = server.respond(sex, requests)
        resp_body = pack([*setups, *responses])
        t2 = time.perf_counter()
        outcome = client.finish(cex, setups, responses)
        size = outcome.size
        t3 = time.perf_counter()
        tok_body = pack_tags(outcome.tags)
        items = server.items_for(unpack_tags(tok_body))
        pair_body = pack_keys(["ab" * 16 if i is not None else None for i in items])
        t4 = time.perf_counter()
    return {
        "intersection": size,
        "seconds": {"client_request (server setup in parallel)": t1 - t0,
                    "server_setup_wait_and_response": t2 - t1,
                    "client_intersection": t3 - t2, "tags_and_pairs": t4 - t3,
                    "total_protocol": t4 - t0, "total_with_pool_start": t4 - t_start},
        "bytes": {"client_to_server": len(sizes) + len(req_body) + len(tok_body),
                  "server_to_client": len(resp_body) + len(pair_body),
                  "setup": sum(len(s) for s in setups),
                  "request": len(req_body), "response": sum(len(r) for r in responses)},
    }


def run_serial(client_items: list[str], server_items: list[str]) -> dict[str, Any]:
    """The library as documented: one process, one phase after the other (its own
    intersection with a GCS filter, which has no pairing step)."""
    import private_set_intersection.python as lib

    ck, sk = new_key(), new_key()
    t0 = time.perf_counter()
    setup = bytes(lib.server.CreateFromKey(sk, True).CreateSetupMessage(
        FPR, len(client_items), server_items, lib.DataStructure.GCS).SerializeToString())
    t1 = time.perf_counter()
    req = client_request(ck, True, client_items)
    t2 = time.perf_counter()
    resp, _ = server_process(sk, True, req)
    t3 = time.perf_counter()
    s, r = lib.ServerSetup(), lib.Response()
    s.ParseFromString(setup)
    r.ParseFromString(resp)
    got = lib.client.CreateFromKey(ck, True).GetIntersection(s, r)
    t4 = time.perf_counter()
    return {"intersection": len(got),
            "seconds": {"server_setup": t1 - t0, "client_request": t2 - t1,
                        "server_response": t3 - t2, "client_intersection": t4 - t3,
                        "total_protocol": t4 - t0},
            "bytes": {"total": len(setup) + len(req) + len(resp)}}


def run_hash_join(client_items: list[str], server_items: list[str]) -> dict[str, Any]:
    """Insecure baseline: both hash with a shared salt; the client sends its hashes."""
    salt = os.urandom(16)
    t0 = time.perf_counter()
    sent = b"".join(hashlib.sha256(salt + i.encode()).digest() for i in client_items)
    held = {hashlib.sha256(salt + i.encode()).digest() for i in server_items}
    hits = [j for j in range(0, len(sent), 32) if sent[j:j + 32] in held]
    t1 = time.perf_counter()
    return {"intersection": len(hits), "seconds": {"total_protocol": t1 - t0},
            "bytes": {"total": len(sent) + 32 * len(hits)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000, help="items per side")
    ap.add_argument("--overlap", type=float, default=0.3)
    ap.add_argument("--workers", type=int, default=2, help="processes (shards) per side")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-serial", action="store_true",
                    help="skip the serial single-process library run (slow at 1M)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    client, server = make_sets(args.size, args.overlap)
    expected = int(args.size * args.overlap)
    runs: dict[str, list[dict[str, Any]]] = {"sharded": [], "serial": [], "hash_join": []}
    for _ in range(args.repeat):
        runs["hash_join"].append(run_hash_join(client, server))
        runs["sharded"].append(run_sharded(client, server, args.workers))
        if not args.no_serial:
            runs["serial"].append(run_serial(client, server))
    for name, rs in runs.items():
        for r in rs:
            if r["intersection"] < expected or r["intersection"] > expected * 1.0001 + 1:
                print(f"{name}: wrong intersection {r['intersection']} != {expected}")
                return 1

    def med(name: str, key: str) -> float | None:
        vals = [r["seconds"][key] for r in runs[name] if key in r["seconds"]]
        return statistics.median(vals) if vals else None

    sharded = med("sharded", "total_protocol") or 0.0
    serial = med("serial", "total_protocol")
    hashj = med("hash_join", "total_protocol") or 0.0
    sb = runs["sharded"][0]["bytes"]
    total_mb = (sb["client_to_server"] + sb["server_to_client"]) / 1e6
    print(f"PSI {args.size:,} x {args.size:,}, overlap {args.overlap:.0%}, "
          f"{args.workers} workers per side, {os.cpu_count()} CPUs, median of {args.repeat}")
    print(f"{'run':<44} {'seconds':>10}")
    for key in runs["sharded"][0]["seconds"]:
        print(f"  sharded {key:<36} {med('sharded', key):>10.2f}")
    if serial is not None:
        for key in runs["serial"][0]["seconds"]:
            print(f"  serial  {key:<36} {med('serial', key):>10.2f}")
    print(f"  hash-join baseline (insecure)              {hashj:>10.2f}")
    print(f"bytes: client->server {sb['client_to_server']:,}  server->client "
          f"{sb['server_to_client']:,}  total {total_mb:.1f} MB (target <= {TARGET_MB:.0f})")
    print(f"wall: sharded {sharded:.1f} s (target <= {TARGET_S:.0f} s at 1M)"
          + (f", serial {serial:.1f} s, speed-up x{serial / sharded:.2f}" if serial else "")
          + f", vs hash join x{sharded / max(hashj, 1e-9):.0f} slower")
    out = {"size": args.size, "overlap": args.overlap, "workers": args.workers,
           "repeat": args.repeat, "cpus": os.cpu_count(), "python": platform.python_version(),
           "runs": runs, "median_total_s": {"sharded": sharded, "serial": serial,
                                            "hash_join": hashj},
           "total_mb": total_mb,
           "speedup_vs_serial": (serial / sharded) if serial else None}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
