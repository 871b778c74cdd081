"""``crossplay social rank``: the lake's social graph, its influencers and communities.

Graph (per ``platform``): nodes are users and streamers; edges are ``social_edges`` rows.

- ``game``: user-to-user relations (friend, team, invite, and chats / gifts / follows
  between players);
- ``stream``: users to streamers (follow, gift, chat);
- ``all``: both.

Consent: a partner's own graph is used for its own users unless they refused
personalisation (:func:`crossplay.privacy.policy.allowed_sql`, party = the partner); a user
who is a linked person usable across partners (``linked_persons_sql(PERSONALISATION)``)
becomes one node ``p:<person_id>`` holding both sides' edges, so the graph spans linked
persons and joint segments can be targeted. Other users are ``u:<partner>:<user_key>``,
streamers ``s:<streamer id>``.

Stored: ``derived/mining/social/<platform>.parquet``, one row per node: ``node``,
``node_type`` (user / streamer), ``partner``, ``user_key``, ``person_id``, ``streamer_id``,
``pagerank``, ``in_strength``, ``reach1``, ``community``; plus ``<platform>.json``
(nodes, edges, communities, modularity).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import pyarrow as pa

from crossplay.core.derived import derived_dir, write_json, write_parquet
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.mining.fpm import MiningError
from crossplay.mining.names import split_title
from crossplay.mining.population import PURPOSE, audit, check_scope, mining_connection
from crossplay.mining.segment_job import load_assignments, load_profiles
from crossplay.mining.social import analyse, strengths, two_hop_reach, undirected_adjacency
from crossplay.privacy.policy import allowed_sql, linked_persons_sql

GraphPlatform = Literal["game", "stream", "all"]
PLATFORMS: tuple[str, ...] = get_args(GraphPlatform)
_PARTNERS: tuple[Partner, ...] = ("knowledge", "game")


@dataclass(frozen=True)
class SocialResult:
    ranking: pd.DataFrame
    meta: dict[str, Any]


def _edges_sql(platform: GraphPlatform) -> str:
    where = {"game": "e.dst_type = 'user'", "stream": "e.dst_type = 'streamer'",
             "all": "true"}[platform]
    allowed = " UNION ALL ".join(
        f"SELECT {p!r} AS partner, user_key FROM ({allowed_sql(PURPOSE, p, p)})"
        for p in _PARTNERS)
    persons = linked_persons_sql(PURPOSE)
    node_of = """CASE WHEN {pk} IS NOT NULL THEN 'p:' || {pk}
                      ELSE 'u:' || {part} || ':' || {key} END"""
    return f"""
      WITH ok AS ({allowed}),
      lp AS (SELECT person_id, 'knowledge' AS partner, k_user_key AS user_key FROM ({persons})
             UNION ALL SELECT person_id, 'game', g_user_key FROM ({persons}))
      SELECT {node_of.format(pk='ls.person_id', part='e.partner', key='e.src_user_key')} AS src,
             CASE WHEN e.dst_type = 'streamer' THEN 's:' || e.dst_key
                  ELSE {node_of.format(pk='ld.person_id', part='e.partner', key='e.dst_key')}
             END AS dst,
             e.kind, coalesce(e.weight, 1.0) AS weight
      FROM social_edges e
      JOIN ok os ON os.partner = e.partner AND os.user_key = e.src_user_key
      LEFT JOIN ok od ON e.dst_type = 'user' AND od.partner = e.partner
                     AND od.user_key = e.dst_key
      LEFT JOIN lp ls ON ls.partner = e.partner AND ls.user_key = e.src_user_key
      LEFT JOIN lp ld ON e.dst_type = 'user' AND ld.partner = e.partner
                     AND ld.user_key = e.dst_key
      WHERE {where} AND (e.dst_type = 'streamer' OR od.user_key IS NOT NULL)"""


def _target_nodes(settings: Settings, scope: str, segment: int) -> set[str]:
    sc = check_scope(scope)
    assigned = load_assignments(settings, sc)
    chosen = assigned[assigned["segment"] == segment]
    if chosen.empty:
        known = sorted(set(assigned["segment"].tolist()))
        raise MiningError(f"segment {segment} does not exist in scope {scope!r}; "
                          f"segments are {known}", code="mining_unknown_segment",
                          params={"segment": segment, "scope": scope, "known": known})
    if sc == "joint":
        return {f"p:{p}" for p in chosen["person_id"]}
    con = mining_connection(settings)
    try:
        col = "g_user_key" if sc == "game" else "k_user_key"
        persons = con.sql(f"SELECT {col}, person_id FROM ({linked_persons_sql(PURPOSE)})"
                          ).fetchall()
    finally:
        con.close()
    linked = {str(k): str(p) for k, p in persons}
    return {f"p:{linked[k]}" if k in linked else f"u:{sc}:{k}" for k in chosen["user_key"]}


def _streamer_titles(settings: Settings) -> dict[str, str]:
    con = mining_connection(settings)
    try:
        rows = con.sql("SELECT item_id, title FROM items_current "
                       "WHERE item_type = 'streamer'").fetchall()
    finally:
        con.close()
    return {f"s:{i}": str(t) for i, t in rows if t is not None}


def social_path(settings: Settings, platform: str) -> Path:
    return derived_dir(settings, "mining") / "social" / f"{platform}.parquet"


def rank_social(settings: Settings, *, platform: str = "all", segment: int | None = None,
                scope: str = "joint", top: int = 10, what: str = "streamers",
                q: float = 0.3) -> SocialResult:
    """Build the graph, store node influence, and rank ``what`` (streamers, users, all)
    by PageRank, or by expected reach into ``segment`` when one is given."""
    if platform not in PLATFORMS:
        raise MiningError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}",
                          code="mining_unknown_platform",
                          params={"platform": platform, "platforms": ", ".join(PLATFORMS)})
    if what not in ("streamers", "users", "all"):
        raise MiningError(f"rank streamers, users or all, not {what!r}",
                          code="mining_rank_what", params={"what": what})
    if top < 1:
        raise MiningError("--top must be at least 1", code="mining_top", params={})
    con = mining_connection(settings)
    try:
        edges = con.sql(_edges_sql(platform)).df()  # type: ignore[arg-type]
    finally:
        con.close()
    if edges.empty:
        raise MiningError("no social edges to rank: ingest a social graph first",
                          code="mining_no_edges", params={})
    codes, nodes = pd.factorize(pd.concat([edges["src"], edges["dst"]], ignore_index=True))
    m = len(edges)
    src, dst = np.asarray(codes[:m], np.int64), np.asarray(codes[m:], np.int64)
    w = strengths(edges["kind"].astype(str).to_numpy(dtype=object),
                  edges["weight"].to_numpy(np.float64))
    node_ids = np.asarray(nodes, dtype=object)
    target = None
    if segment is not None:
        wanted = _target_nodes(settings, scope, segment)
        target = np.asarray(pd.Index(node_ids).isin(list(wanted)), dtype=bool)
    inf = analyse(src, dst, w, len(node_ids), target=target, q=q)
    frame = _node_frame(node_ids, inf.pagerank, inf.in_strength, inf.reach1, inf.communities)
    write_parquet(pa.Table.from_pandas(frame, preserve_index=False),
                  social_path(settings, platform))
    sizes = np.bincount(inf.communities)
    meta: dict[str, Any] = {
        "platform": platform, "nodes": len(node_ids), "edges": m,
        "communities": int((sizes > 1).sum()), "largest_community": int(sizes.max()),
        "modularity": round(inf.modularity, 4), "segment": segment, "scope": scope,
        "target_nodes": int(target.sum()) if target is not None else None, "q": q,
        "ranked_by": "expected_reach" if target is not None else "pagerank",
    }
    write_json(meta, social_path(settings, platform).with_suffix(".json"))
    audit(settings, "social_rank", "joint" if segment is None else scope,
          {"platform": platform, "nodes": len(node_ids), "segment": segment})
    score = inf.expected_reach if inf.expected_reach is not None else inf.pagerank
    kinds = frame["node_type"].to_numpy()
    pool = np.flatnonzero(kinds == what[:-1]) if what != "all" else np.arange(len(node_ids))
    best = pool[np.lexsort((-inf.pagerank[pool], -score[pool]))][:top]
    adj = undirected_adjacency(src, dst, len(node_ids))
    reach2 = two_hop_reach(src, dst, len(node_ids), best.tolist(), adjacency=adj)
    reach2_t = (two_hop_reach(src, dst, len(node_ids), best.tolist(), target, adjacency=adj)
                if target is not None else None)
    titles = _streamer_titles(settings)
    ranking = frame.iloc[best].copy()
    ranking["name_zh"] = [split_title(titles.get(n, n))[0] for n in ranking["node"]]
    ranking["name_en"] = [split_title(titles.get(n, n))[1] for n in ranking["node"]]
    ranking["reach2"] = reach2
    if inf.expected_reach is not None and reach2_t is not None:
        ranking["expected_reach"] = inf.expected_reach[best]
        ranking["segment_reach2"] = reach2_t
    if segment is not None:
        profiles = load_profiles(settings, scope)["profiles"]
        prof = next((p for p in profiles if p["segment"] == segment), None)
        if prof is not None:
            meta["segment_name_en"], meta["segment_name_zh"] = prof["name_en"], prof["name_zh"]
    return SocialResult(ranking.reset_index(drop=True), meta)


def _node_frame(nodes: np.ndarray, pagerank: np.ndarray, in_strength: np.ndarray,
                reach1: np.ndarray, community: np.ndarray) -> pd.DataFrame:
    kind: list[str] = []
    partner: list[str | None] = []
    user_key: list[str | None] = []
    person: list[str | None] = []
    streamer: list[str | None] = []
    for n in nodes.tolist():
        head, _, rest = str(n).partition(":")
        kind.append("streamer" if head == "s" else "user")
        if head == "s":
            partner.append("game")
            user_key.append(None)
            person.append(None)
            streamer.append(rest)
        elif head == "p":
            partner.append(None)
            user_key.append(None)
            person.append(rest)
            streamer.append(None)
        else:
            part, _, key = rest.partition(":")
            partner.append(part)
            user_key.append(key)
            person.append(None)
            streamer.append(None)
    return pd.DataFrame({
        "node": [str(n) for n in nodes.tolist()], "node_type": kind, "partner": partner,
        "user_key": user_key, "person_id": person, "streamer_id": streamer,
        "pagerank": pagerank, "in_strength": in_strength, "reach1": reach1,
        "community": community})
