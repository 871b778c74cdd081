"""Social influence: known-answer graphs, igraph/networkx-free checks, and the CLI."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from crossplay.mining.fpm import MiningError
from crossplay.mining.social import analyse, strengths, two_hop_reach
from crossplay.mining.social_job import social_path
from tests.conftest import CliRunner, LoadedWorld


def _pagerank_power(src: np.ndarray, dst: np.ndarray, w: np.ndarray, n: int,
                    d: float = 0.85) -> np.ndarray:
    """Reference: weighted PageRank by power iteration (dangling mass spread uniformly)."""
    out = np.bincount(src, weights=w, minlength=n)
    pr = np.full(n, 1.0 / n)
    for _ in range(500):
        share = np.where(out[src] > 0, pr[src] * w / out[src], 0.0)
        nxt = np.bincount(dst, weights=share, minlength=n)
        nxt = (1 - d) / n + d * (nxt + pr[out == 0].sum() / n)
        if np.abs(nxt - pr).sum() < 1e-13:
            break
        pr = nxt
    return pr


def test_star_and_two_cliques() -> None:
    # two 5-cliques joined by one edge, plus 4 followers pointing at node 0
    edges = [(a, b) for c in (range(5), range(5, 10)) for a in c for b in c if a < b]
    edges += [(4, 5)] + [(i, 0) for i in range(10, 14)]
    src = np.array([e[0] for e in edges])
    dst = np.array([e[1] for e in edges])
    target = np.zeros(14, bool)
    target[[10, 11]] = True
    inf = analyse(src, dst, np.ones(len(edges)), 14, target=target)
    assert inf.reach1[0] == 4 + 4  # clique mates + followers
    c = inf.communities.tolist()
    assert len(set(c[1:5])) == 1 and len(set(c[5:10])) == 1 and c[1] != c[5]
    assert len({c[0], *c[10:14]}) == 1  # the hub with its followers
    assert inf.modularity > 0.3
    assert inf.expected_reach is not None and inf.expected_reach.argmax() == 0
    assert two_hop_reach(src, dst, 14, [10])[0] == 1 + 4 + 3  # 0, its clique, other fans
    assert two_hop_reach(src, dst, 14, [0], target)[0] == 2


def test_weighted_pagerank_matches_power_iteration() -> None:
    rng = np.random.default_rng(4)
    n, m = 60, 400
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    w = rng.lognormal(0, 1, src.size)
    inf = analyse(src, dst, w, n, communities=False)
    assert np.allclose(inf.pagerank, _pagerank_power(src, dst, w, n), atol=1e-6)


def test_strengths_and_bad_input() -> None:
    s = strengths(["friend", "gift", "chat"], [1.0, 99.0, 3.0])
    assert s[1] > s[0] > 0 and s[2] == pytest.approx(0.6 * np.log(4))
    with pytest.raises(MiningError, match="empty"):
        analyse([], [], [], 0)


def test_social_rank_cli_for_a_segment(fresh_world: LoadedWorld, cli: CliRunner) -> None:
    d = str(fresh_world.data_dir)
    assert cli("--data-dir", d, "segments", "fit", "--k-max", "5", data=False).code == 0
    res = cli("--data-dir", d, "social", "rank", "--segment", "0", "--top", "5", "--json",
              data=False)
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["meta"]["ranked_by"] == "expected_reach" and doc["meta"]["communities"] > 1
    ranking = doc["ranking"]
    assert len(ranking) == 5 and all(r["node_type"] == "streamer" for r in ranking)
    exp = [r["expected_reach"] for r in ranking]
    assert exp == sorted(exp, reverse=True)
    assert all(r["reach2"] >= r["reach1"] and r["name_zh"] for r in ranking)
    nodes = pq.read_table(social_path(fresh_world.settings(), "all")).to_pandas()
    assert {"user_key", "partner", "person_id", "pagerank", "community"} <= set(nodes.columns)
    assert nodes["pagerank"].sum() == pytest.approx(1.0)
    res = cli("--data-dir", d, "--lang", "zh-CN", "social", "rank", "--platform", "game",
              "--what", "users", "--top", "3", data=False)
    assert res.code == 0 and "社交网络" in res.out
    res = cli("--data-dir", d, "social", "rank", "--segment", "99", data=False)
    assert res.code == 2 and "does not exist" in res.err_flat


def test_pagerank_and_two_hop_match_igraph() -> None:
    """The sparse PageRank and two-hop reach equal igraph's on a random multigraph."""
    import igraph as ig

    rng = np.random.default_rng(11)
    n, m = 300, 2500
    src = rng.integers(0, n, m)
    dst = np.minimum((rng.pareto(1.2, m) * 5).astype(np.int64), n - 1)
    w = rng.lognormal(0, 1, m)
    inf = analyse(src, dst, w, n, communities=False)
    keep = src != dst
    pairs = list(zip(src[keep].tolist(), dst[keep].tolist(), strict=True))
    g = ig.Graph(n=n, edges=pairs, directed=True)
    ref = np.asarray(g.pagerank(weights=w[keep].tolist(), directed=True))
    assert np.allclose(inf.pagerank, ref, atol=1e-8)
    nodes = [int(x) for x in np.argsort(-ref)[:5]] + [int(x) for x in rng.integers(0, n, 20)]
    target = rng.random(n) < 0.3
    ug = g.as_undirected()
    hoods = [np.asarray(h) for h in ug.neighborhood(nodes, order=2, mindist=1)]
    assert two_hop_reach(src, dst, n, nodes).tolist() == [h.size for h in hoods]
    assert two_hop_reach(src, dst, n, nodes, target).tolist() == \
        [int(target[h].sum()) for h in hoods]
    with pytest.raises(MiningError, match="not in the graph"):
        two_hop_reach(src, dst, n, [n])
