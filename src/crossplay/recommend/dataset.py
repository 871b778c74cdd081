"""Interaction datasets read from the lake: who did what with which item, how strongly.

Two user spaces:

- a **partner scope** (``joint=False``): one partner's own users (``user_key``) on that
  partner's domains (knowledge; or game and/or stream). Users who refused
  personalisation are left out (``crossplay.privacy.policy.allowed_sql``);
- the **joint scope** (``joint=True``): linked persons whose both sides granted linking and
  personalisation (``linked_persons_sql(Purpose.PERSONALISATION)``), with the behaviour of
  both of their accounts on all three domains. Nobody else enters the joint zone.

With a ``cutoff`` the strength of each pair is summed separately before (``train``) and
from (``test``) the cutoff, so a time split costs one scan of the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from crossplay.core.errors import ConfigError, NotFoundError
from crossplay.core.settings import Settings
from crossplay.core.types import Partner
from crossplay.ingest.sqlbase import lit
from crossplay.privacy.policy import Purpose, allowed_sql, linked_persons_sql
from crossplay.recommend.weights import InteractionConfig
from crossplay.warehouse.duck import connect

Domain = Literal["knowledge", "game", "stream"]
DOMAINS: tuple[Domain, ...] = get_args(Domain)
DOMAIN_PARTNER: dict[Domain, Partner] = {"knowledge": "knowledge", "game": "game",
                                         "stream": "game"}

_CATALOG_COLUMNS = ("partner", "item_id", "platform", "item_type", "title", "category",
                    "tags", "description", "available")


@dataclass(frozen=True)
class Catalog:
    """Items by index: ``frame`` has one row per item (see ``_CATALOG_COLUMNS``).

    ``available`` is false for items seen in behaviour but absent from the current
    catalog (withdrawn, or never described): they inform models, they are never shown.
    A domain with no catalog entries at all (behaviour-only exports such as public
    play-hours or ratings files) has all its items available, titled by their ids.
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def platform(self) -> npt.NDArray[np.str_]:
        return self.frame["platform"].to_numpy(dtype=str)

    @property
    def available(self) -> npt.NDArray[np.bool_]:
        return self.frame["available"].to_numpy(dtype=bool)

    def in_domains(self, domains: tuple[Domain, ...]) -> npt.NDArray[np.bool_]:
        return np.isin(self.platform, list(domains))

    def index_of(self, partner: str, item_id: str) -> int:
        hit = np.flatnonzero((self.frame["partner"].to_numpy() == partner)
                             & (self.frame["item_id"].to_numpy() == item_id))
        if hit.size == 0:
            raise NotFoundError(f"item {item_id!r} of {partner} is not in the item space",
                                code="recommend_unknown_item",
                                params={"item": item_id, "partner": partner})
        return int(hit[0])

    def subset(self, keep: npt.NDArray[np.bool_]) -> Catalog:
        return Catalog(self.frame.loc[keep].reset_index(drop=True))


@dataclass(frozen=True)
class InteractionLog:
    """Users, items and (user, item) pairs with their train / test strength.

    ``pairs`` columns: ``user``, ``item`` (row positions in ``users`` / ``items``),
    ``train`` and ``test`` (strength before / from the cutoff; without a cutoff everything
    is ``train``) and ``last_ts`` (latest event, UTC).
    ``users`` columns: ``uid`` and the person columns of the scope (``partner`` +
    ``user_key``, or ``person_id`` + ``k_user_key`` + ``g_user_key``).
    """

    users: pd.DataFrame
    items: Catalog
    pairs: pd.DataFrame
    joint: bool
    domains: tuple[Domain, ...]
    cutoff: dt.datetime | None

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def matrix(self, config: InteractionConfig, column: str = "train",
               pairs: pd.DataFrame | None = None) -> sp.csr_matrix:
        """Users x items confidence matrix (float32 CSR) of the pairs' ``column``."""
        p = self.pairs if pairs is None else pairs
        p = p[p[column] > 0]
        data = config.scale(p[column].to_numpy())
        m = sp.csr_matrix((data, (p["user"].to_numpy(), p["item"].to_numpy())),
                          shape=(self.n_users, self.n_items), dtype=np.float32)
        m.sum_duplicates()
        return m


def _check_domains(domains: tuple[Domain, ...], joint: bool) -> None:
    if not domains:
        raise ConfigError("choose at least one domain: knowledge, game or stream",
                          code="recommend_domain_none")
    bad = [d for d in domains if d not in DOMAINS]
    if bad:
        raise ConfigError(f"unknown domain {bad[0]!r}: use knowledge, game or stream",
                          code="recommend_domain_unknown", params={"domain": bad[0]})
    partners = {DOMAIN_PARTNER[d] for d in domains}
    if not joint and len(partners) > 1:
        raise ConfigError("one partner's scope holds knowledge, or game and stream; "
                          "use the joint scope to combine both partners",
                          code="recommend_domain_scope")


def _events_sql(domains: tuple[Domain, ...], config: InteractionConfig,
                cutoff: dt.datetime | None) -> str:
    w = config.weight_sql()
    plats = ", ".join(lit(d) for d in domains)
    if cutoff is None:
        sums = f"sum({w}) AS train, 0.0 AS test"
    else:
        c = f"TIMESTAMPTZ {lit(cutoff.isoformat())}"
        sums = (f"coalesce(sum({w}) FILTER (WHERE ts < {c}), 0.0) AS train, "
                f"coalesce(sum({w}) FILTER (WHERE ts >= {c}), 0.0) AS test")
    return (f"SELECT partner, user_key, item_id, {sums}, max(ts) AS last_ts FROM events "
            f"WHERE item_id IS NOT NULL AND platform IN ({plats}) "
            f"GROUP BY partner, user_key, item_id")


def load_log(settings: Settings, domains: tuple[Domain, ...], *, joint: bool = False,
             config: InteractionConfig | None = None,
             cutoff: dt.datetime | None = None) -> InteractionLog:
    """Read the interaction log of a scope from the lake (one DuckDB pass over events)."""
    cfg = (config or InteractionConfig()).validate()
    _check_domains(domains, joint)
    con = connect(settings)
    try:
        ev = _events_sql(domains, cfg, cutoff)
        if joint:
            sql = _joint_sql(ev)
            user_cols = ["uid", "linked", "person_id", "k_user_key", "g_user_key",
                         "partner", "user_key"]
        else:
            partner = DOMAIN_PARTNER[domains[0]]
            allowed = allowed_sql(Purpose.PERSONALISATION, partner, partner)
            sql = (f"WITH ev AS ({ev}) SELECT user_key AS uid, partner, user_key, "
                   f"partner AS item_partner, item_id, train, test, last_ts FROM ev "
                   f"WHERE partner = {lit(partner)} AND user_key IN ({allowed})")
            user_cols = ["uid", "partner", "user_key"]
        raw = con.sql(sql).df()
        plats = ", ".join(lit(d) for d in domains)
        cat = con.sql(
            f"SELECT partner, item_id, platform, item_type, title, category, tags, "
            f"description, true AS available FROM items_current "
            f"WHERE platform IN ({plats}) ORDER BY partner, platform, item_id").df()
        seen = con.sql(
            f"SELECT DISTINCT partner, item_id, platform, item_type FROM events "
            f"WHERE item_id IS NOT NULL AND platform IN ({plats})").df()
    finally:
        con.close()
    raw = raw[(raw["train"] > 0) | (raw["test"] > 0)]
    items = _catalog(cat, seen)
    return _assemble(raw, items, user_cols, joint=joint, domains=domains, cutoff=cutoff,
                     config=cfg)


def _joint_sql(ev: str) -> str:
    """Linked persons (both accounts) plus each partner's own users who are not linked."""
    persons = linked_persons_sql(Purpose.PERSONALISATION)
    own = {p: allowed_sql(Purpose.PERSONALISATION, p, p) for p in ("knowledge", "game")}
    return (
        f"WITH p AS ({persons}), ev AS ({ev}), m AS ("
        f"SELECT ev.*, coalesce(pk.person_id, pg.person_id) AS person_id FROM ev "
        f"LEFT JOIN p pk ON ev.partner = 'knowledge' AND ev.user_key = pk.k_user_key "
        f"LEFT JOIN p pg ON ev.partner = 'game' AND ev.user_key = pg.g_user_key) "
        f"SELECT m.person_id AS uid, true AS linked, m.person_id, p.k_user_key, "
        f"p.g_user_key, NULL::VARCHAR AS partner, NULL::VARCHAR AS user_key, "
        f"m.partner AS item_partner, m.item_id, sum(m.train) AS train, sum(m.test) AS test, "
        f"max(m.last_ts) AS last_ts FROM m JOIN p USING (person_id) "
        f"GROUP BY ALL "
        f"UNION ALL "
        f"SELECT left(m.partner, 1) || ':' || m.user_key AS uid, false AS linked, "
        f"NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, m.partner, m.user_key, "
        f"m.partner AS item_partner, m.item_id, m.train, m.test, m.last_ts FROM m "
        f"WHERE m.person_id IS NULL AND ("
        f"(m.partner = 'knowledge' AND m.user_key IN ({own['knowledge']})) OR "
        f"(m.partner = 'game' AND m.user_key IN ({own['game']})))")


def _catalog(cat: pd.DataFrame, seen: pd.DataFrame) -> Catalog:
    if cat.empty:
        cat = pd.DataFrame({c: pd.Series(dtype=object) for c in _CATALOG_COLUMNS})
    if seen.empty:
        seen = pd.DataFrame({c: pd.Series(dtype=object) for c in
                             ("partner", "item_id", "platform", "item_type")})
    known = set(zip(cat["partner"], cat["item_id"], strict=True))
    new = np.array([(p, i) not in known for p, i in zip(seen["partner"], seen["item_id"],
                                                        strict=True)], dtype=bool)
    extra = seen[new]
    # a domain whose partner sent no catalog at all (behaviour-only exports): its items
    # are available; otherwise an item missing from the catalog is withdrawn
    described = set(cat["platform"])
    extra = extra.drop_duplicates(["partner", "item_id"]).assign(
        title=extra["item_id"], category=None, tags=None, description=None,
        available=~extra["platform"].isin(described))
    frame = pd.concat([cat, extra], ignore_index=True) if len(extra) else cat
    frame["tags"] = [list(t) if t is not None and not isinstance(t, float) else []
                     for t in frame["tags"]]
    for col in ("title", "category", "description", "item_type"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "")
    return Catalog(frame[list(_CATALOG_COLUMNS)].reset_index(drop=True))


def _assemble(raw: pd.DataFrame, items: Catalog, user_cols: list[str], *, joint: bool,
              domains: tuple[Domain, ...], cutoff: dt.datetime | None,
              config: InteractionConfig) -> InteractionLog:
    key = pd.MultiIndex.from_frame(items.frame[["partner", "item_id"]])
    item_idx = key.get_indexer(pd.MultiIndex.from_arrays(
        [raw["item_partner"].to_numpy(), raw["item_id"].to_numpy()]))
    raw = raw.assign(item=item_idx)
    raw = _min_activity(raw, config)
    users = raw[user_cols].drop_duplicates("uid").sort_values("uid").reset_index(drop=True)
    user_idx = pd.Index(users["uid"]).get_indexer(raw["uid"])
    pairs = pd.DataFrame({
        "user": user_idx.astype(np.int32), "item": raw["item"].to_numpy(np.int32),
        "train": raw["train"].to_numpy(np.float64).clip(min=0),
        "test": raw["test"].to_numpy(np.float64).clip(min=0),
        "last_ts": raw["last_ts"].to_numpy(),
    }).sort_values(["user", "item"]).reset_index(drop=True)
    return InteractionLog(users=users, items=items, pairs=pairs, joint=joint,
                          domains=domains, cutoff=cutoff)


def _min_activity(raw: pd.DataFrame, config: InteractionConfig) -> pd.DataFrame:
    """Drop users with fewer than ``min_user_items`` items and items with fewer than
    ``min_item_users`` users (one pass each way, then users again)."""
    if config.min_user_items <= 1 and config.min_item_users <= 1:
        return raw
    for _ in range(2):
        per_item = raw.groupby("item")["uid"].transform("size")
        raw = raw[per_item >= config.min_item_users]
        per_user = raw.groupby("uid")["item"].transform("size")
        raw = raw[per_user >= config.min_user_items]
    return raw


def time_cutoff(settings: Settings, domains: tuple[Domain, ...],
                fraction: float = 0.8) -> dt.datetime:
    """The instant ``fraction`` of the way through the domains' event time range."""
    if not 0 < fraction < 1:
        raise ConfigError("the train fraction must be between 0 and 1",
                          code="recommend_split_train_fraction")
    plats = ", ".join(lit(d) for d in domains)
    con = connect(settings)
    try:
        rows = con.sql(f"SELECT min(ts), max(ts) FROM events WHERE item_id IS NOT NULL "
                       f"AND platform IN ({plats})").fetchall()
    finally:
        con.close()
    lo, hi = rows[0]
    if lo is None:
        raise NotFoundError("no behaviour with items in the lake for "
                            f"{', '.join(domains)}: ingest events first",
                            code="recommend_no_data_domains",
                            params={"domains": ", ".join(domains)})
    if lo == hi:
        raise ConfigError("all events have one timestamp: use --split random",
                          code="recommend_split_one_timestamp")
    out: dt.datetime = lo + (hi - lo) * fraction
    return out
