"""Event paths to a first purchase or to churn: top paths, conversion per step, Sankey data.

A unit's journey is its events in time order as steps ``<platform>:<event_type>``, with
consecutive repeats collapsed (``g:session, g:session, k:course_view`` ->
``g:session, k:course_view``). Targets:

- ``purchase``: the first ``purchase`` (either platform); the path is the last ``steps``
  steps before it. Units that never buy contribute their whole journey to denominators.
- ``churn``: a unit whose last event is at least ``churn_days`` before the window's end
  churned; its path is its last ``steps`` steps.

Conversion per step (pure :func:`path_table`): for a path ``s1 … sK -> T`` and each i,
``n_i`` = units whose journey contains the run ``s_i … s_K`` and ``m_i`` = units in which
that run is immediately followed by T; ``conversion_i = m_i / n_i`` ("of the people who
did these last steps, this share then bought / left").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import duckdb

from crossplay.core.types import Lang
from crossplay.ingest.sqlbase import lit
from crossplay.mining.fpm import MiningError
from crossplay.mining.population import Scope, unit_events_sql, window_bounds

Target = Literal["purchase", "churn"]
STEP_NAMES: dict[str, tuple[str, str]] = {
    "k:course_view": ("viewed a course", "浏览课程"), "k:enroll": ("enrolled", "报名"),
    "k:lesson_watch": ("watched a lesson", "学习课时"),
    "k:lesson_complete": ("finished a lesson", "完成课时"),
    "k:course_complete": ("completed a course", "完课"), "k:rating": ("rated", "评分"),
    "k:refund": ("refund", "退款"), "k:checkin": ("learning check-in", "学习打卡"),
    "k:campaign_exposure": ("saw a campaign", "看到活动"),
    "k:campaign_click": ("clicked a campaign", "点击活动"),
    "k:reward_redeem": ("redeemed a reward", "兑换奖励"),
    "g:session": ("played", "游戏对局"), "g:level_clear": ("cleared a level", "通关"),
    "g:achievement": ("achievement", "获得成就"), "g:checkin": ("game check-in", "游戏签到"),
    "s:watch": ("watched a stream", "看直播"), "s:chat": ("bullet comment", "发弹幕"),
    "s:gift": ("sent a gift", "送礼物"), "s:follow": ("followed a streamer", "关注主播"),
    "s:subscribe": ("subscribed", "订阅主播"),
    "purchase": ("first purchase", "首次购买"), "churn": ("churned", "流失"),
}


def step_name(step: str, lang: Lang) -> str:
    en, zh = STEP_NAMES.get(step, (step, step))
    return zh if lang == "zh-CN" else en


@dataclass(frozen=True)
class Journey:
    steps: tuple[str, ...]  # collapsed steps before the target (or the whole journey)
    reached: bool  # the target followed the steps


def path_table(journeys: list[Journey], target: str, length: int,
               top: int) -> list[dict[str, Any]]:
    """Top ``top`` paths of the last ``length`` steps before ``target`` with per-step
    conversion (see module doc)."""
    if length < 1 or top < 1:
        raise MiningError("--steps and --top must be at least 1", code="mining_paths_counts",
                          params={})
    paths = Counter(j.steps[-length:] for j in journeys if j.reached and j.steps)
    best = paths.most_common(top)
    runs = {p[i:] for p, _ in best for i in range(len(p))}
    has: Counter[tuple[str, ...]] = Counter()
    then: Counter[tuple[str, ...]] = Counter()
    for j in journeys:
        seq = j.steps
        seen: set[tuple[str, ...]] = set()
        for k in range(1, length + 1):
            for i in range(0, len(seq) - k + 1):
                run = seq[i:i + k]
                if run in runs:
                    seen.add(run)
        for run in seen:
            has[run] += 1
        if j.reached:
            for k in range(1, min(length, len(seq)) + 1):
                run = seq[-k:]
                if run in runs:
                    then[run] += 1
    out = []
    for p, count in best:
        steps = []
        for i in range(len(p)):
            run = p[i:]
            n = has[run]
            steps.append({"step": p[i], "people": n,
                          "conversion": round(then[run] / n, 4) if n else 0.0})
        out.append({"path": [*p, target], "count": count, "steps": steps})
    return out


def sankey(paths: list[dict[str, Any]], lang: Lang) -> dict[str, Any]:
    """Plotly-ready Sankey data: nodes (a step at a position) and weighted links."""
    index: dict[tuple[int, str], int] = {}
    labels: list[str] = []
    links: Counter[tuple[int, int]] = Counter()
    for p in paths:
        steps = p["path"]
        offset = len(steps) - 1
        ids = []
        for pos, s in enumerate(steps):
            key = (pos - offset, s)
            if key not in index:
                index[key] = len(labels)
                labels.append(step_name(s, lang))
            ids.append(index[key])
        for a, b in pairwise(ids):
            links[(a, b)] += p["count"]
    return {"nodes": labels,
            "links": [{"source": a, "target": b, "value": v} for (a, b), v in links.items()]}


def load_journeys(con: duckdb.DuckDBPyConnection, scope: Scope, target: Target, *,
                  churn_days: int = 7, window_days: int | None = None,
                  max_steps: int = 60) -> list[Journey]:
    """Journeys of every unit of ``scope`` in the window (collapsed in SQL)."""
    start, end = window_bounds(con, window_days)
    events = unit_events_sql(scope, start, end)
    prefix = "CASE platform WHEN 'knowledge' THEN 'k' WHEN 'game' THEN 'g' ELSE 's' END"
    rows = con.sql(f"""
      WITH ev AS (
        SELECT unit, ts, event_id, event_type,
               {prefix} || ':' || event_type AS step FROM ({events})),
      firstbuy AS (SELECT unit, min(ts) AS t FROM ev WHERE event_type = 'purchase'
                   GROUP BY unit),
      lastev AS (SELECT unit, max(ts) AS t FROM ev GROUP BY unit),
      kept AS (
        SELECT ev.*, fb.t AS bought_at, le.t AS last_at FROM ev
        LEFT JOIN firstbuy fb USING (unit) JOIN lastev le USING (unit)
        WHERE ev.event_type NOT IN ('purchase')
          AND ({lit(target)} <> 'purchase' OR fb.t IS NULL OR ev.ts < fb.t)),
      runs AS (
        SELECT *, lag(step) OVER (PARTITION BY unit ORDER BY ts, event_id) AS prev FROM kept),
      collapsed AS (
        SELECT *, row_number() OVER (PARTITION BY unit ORDER BY ts DESC, event_id DESC) AS back
        FROM runs WHERE prev IS NULL OR prev <> step)
      SELECT unit,
             list(step ORDER BY back DESC) AS steps,
             any_value(bought_at) IS NOT NULL AS bought,
             any_value(last_at) <= {end} - INTERVAL {int(churn_days)} DAY AS churned
      FROM collapsed WHERE back <= {int(max_steps)} GROUP BY unit""").fetchall()
    out = []
    for _unit, steps, bought, churned in rows:
        reached = bool(bought) if target == "purchase" else bool(churned)
        out.append(Journey(tuple(steps), reached))
    return out
