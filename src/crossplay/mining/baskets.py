"""Per-unit baskets from the warehouse, at one of three levels.

- ``item``: courses a unit enrolled in, bought, watched or completed; games played;
  streamers watched (``k:item:<id>``, ``g:item:<id>``, ``s:item:<id>``);
- ``category``: the categories of those items (``k:cat:编程``, ``g:cat:MOBA``,
  ``s:cat:电竞赛事``);
- ``behaviour``: discretised habits (:mod:`crossplay.mining.habits`).

Units and consent come from :mod:`crossplay.mining.population`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import duckdb
import numpy as np
import pandas as pd

from crossplay.mining.features import unit_features
from crossplay.mining.fpm import Baskets, MiningError, baskets_from_pairs
from crossplay.mining.habits import habit_pairs
from crossplay.mining.population import Scope, unit_events_sql, window_bounds

Level = Literal["item", "category", "behaviour"]
LEVELS: tuple[str, ...] = get_args(Level)

_USE = {
    "knowledge": ("enroll", "purchase", "lesson_watch", "course_complete"),
    "game": ("session",),
    "stream": ("watch",),
}
_PREFIX = "CASE e.platform WHEN 'knowledge' THEN 'k' WHEN 'game' THEN 'g' ELSE 's' END"


@dataclass(frozen=True)
class BasketData:
    baskets: Baskets
    units: list[str]
    tokens: list[str]
    titles: dict[str, str]  # item tokens -> catalog title


def check_level(level: str) -> Level:
    if level not in LEVELS:
        raise MiningError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}",
                          code="mining_unknown_level",
                          params={"level": level, "levels": ", ".join(LEVELS)})
    return level  # type: ignore[return-value]


def _event_filter() -> str:
    parts = []
    for platform, types in _USE.items():
        inner = ", ".join(f"'{t}'" for t in types)
        parts.append(f"(e.platform = '{platform}' AND e.event_type IN ({inner}))")
    return " OR ".join(parts)


def _pairs_sql(events: str, level: Level) -> str:
    if level == "item":
        token = f"{_PREFIX} || ':item:' || e.item_id"
        return (f"SELECT DISTINCT e.unit, {token} AS token FROM ({events}) e "
                f"WHERE e.item_id IS NOT NULL AND ({_event_filter()})")
    return (f"SELECT DISTINCT e.unit, {_PREFIX} || ':cat:' || i.category AS token "
            f"FROM ({events}) e JOIN items_current i "
            f"ON e.partner = i.partner AND e.item_id = i.item_id "
            f"WHERE i.category IS NOT NULL AND i.category <> '会员' AND ({_event_filter()})")


def token_pairs_sql(scope: Scope, start: str, end: str, level: Level) -> str:
    """``SELECT DISTINCT unit, token`` of ``scope`` in [start, end] at ``level`` (``item`` or
    ``category``): who holds which basket token, as the rules count it (audiences'
    ``has`` and ``rule`` use it)."""
    return _pairs_sql(unit_events_sql(scope, start, end), level)


def _titles(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.sql(f"SELECT DISTINCT {_PREFIX.replace('e.', '')} || ':item:' || item_id, "
                   "title FROM items_current").fetchall()
    return {str(t): str(title) for t, title in rows if title is not None}


def load_baskets(con: duckdb.DuckDBPyConnection, level: Level, scope: Scope, *,
                 timezone: str, window_days: int | None = None) -> BasketData:
    """Baskets of every unit of ``scope`` with at least one item at ``level``."""
    if level == "behaviour":
        feats = unit_features(con, scope, timezone=timezone, window_days=window_days)
        u, t = habit_pairs(feats.frame, feats.days)
        pairs = pd.DataFrame({"unit": u, "token": t})
        titles: dict[str, str] = {}
    else:
        start, end = window_bounds(con, window_days)
        pairs = con.sql(_pairs_sql(unit_events_sql(scope, start, end), level)).df()
        titles = _titles(con) if level == "item" else {}
    if pairs.empty:
        raise MiningError("no baskets: nobody in this scope and window has behaviour at "
                          "this level (check consent, the scope and --window)",
                          code="mining_no_baskets")
    unit_codes, units = pd.factorize(pairs["unit"], sort=True)
    token_codes, tokens = pd.factorize(pairs["token"], sort=True)
    baskets = baskets_from_pairs(np.asarray(unit_codes), np.asarray(token_codes),
                                 len(units), len(tokens))
    return BasketData(baskets, [str(x) for x in units], [str(x) for x in tokens],
                      {k: v for k, v in titles.items() if k in set(tokens)})
