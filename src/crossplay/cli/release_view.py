"""How `crossplay release` and `crossplay releases` print (en, zh-CN).

An exact release prints one wide table (a row per group) and says which period's frozen
table it is and when it was computed. A noisy release prints one line per released cell:
its value, its 95 % interval, its noise (mechanism and scale b) and whether it is mostly
noise, then how to read the intervals, how many cells are mostly noise, and the ε spent
and left (:mod:`crossplay.privacy.noise`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crossplay.cli.i18n import Messages, add_messages
from crossplay.cli.output import stdout, table
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "release.title": {"en": "Release {q} for {p} (k = {k}{eps})",
                      "zh-CN": "向 {p} 发布 {q} (k = {k}{eps})"},
    "release.hidden": {"en": "{n} of {total} groups suppressed (fewer than k people, or "
                             "needed to protect one that is)",
                       "zh-CN": "{total} 个分组中 {n} 个已隐藏 (人数少于 k, 或为保护此类分组)"},
    "release.period": {"en": "Exact table of {period}, computed {at} UTC: every exact request "
                             "for this query gets this same table until the month ends.",
                       "zh-CN": "{period} 的精确表, 计算于 {at} (UTC): 本月内对该查询的每次"
                                "精确请求都得到这同一张表。"},
    "release.spent": {"en": "This release spent ε = {spent:g}; privacy budget left for {p}: "
                            "ε = {left:.3f} of {budget:g}",
                      "zh-CN": "本次发布花费 ε = {spent:g}; {p} 剩余隐私预算: ε = {left:.3f} "
                               "(共 {budget:g})"},
    "release.noise.how": {
        "en": "How to read it: ε = {eps:g} is split evenly over {n} metric(s) (ε = {share:.3g} "
              "each). Each cell's noise has scale b = sensitivity ÷ its ε share (counts: "
              "OpenDP discrete Laplace, sensitivity 1; sums: OpenDP Laplace, sensitivity = "
              "what one person can add). The true value lies inside the 95% interval in 95 "
              "of 100 releases.",
        "zh-CN": "如何阅读: ε = {eps:g} 平均分给 {n} 个指标 (每个 ε = {share:.3g})。每格噪声的"
                 "尺度 b = 敏感度 ÷ 该指标的 ε 份额 (计数: OpenDP 离散拉普拉斯, 敏感度 1; "
                 "求和: OpenDP 拉普拉斯, 敏感度 = 单人最多贡献的数额)。每 100 次发布中约有 "
                 "95 次真实值落在 95% 区间内。"},
    "release.noise.derived": {
        "en": "{names}: derived, with no noise of its own; its value is computed from the "
              "released cells, and its interval holds where the 97.5% intervals of both "
              "parts hold (probability at least 95%).",
        "zh-CN": "{names}: 派生值, 本身不加噪声; 其数值由已发布的格计算, 区间在两个组成部分"
                 "的 97.5% 区间同时成立时成立 (概率至少 95%)。"},
    "release.noise.post": {
        "en": "Noisy values below 0 are shown as 0 and noisy counts as whole numbers "
              "(post-processing, no extra ε); intervals are computed before that and stop "
              "at 0.",
        "zh-CN": "低于 0 的加噪值显示为 0, 加噪计数取整 (后处理, 不额外花费 ε); 区间在此"
                 "之前计算, 下限不低于 0。"},
    "release.noise.mostly": {
        "en": "{n} of {total} released cells are mostly noise (the 95% interval reaches 0 or "
              "is wider on each side than the value): do not act on them.",
        "zh-CN": "已发布的 {total} 个数值中有 {n} 个主要是噪声 (95% 区间触及 0, 或单侧宽度"
                 "不小于数值本身): 请勿据此决策。"},
    "release.mostly": {"en": "mostly noise", "zh-CN": "主要是噪声"},
    "release.mech.discrete_laplace": {"en": "discrete Laplace, b = {b}",
                                      "zh-CN": "离散拉普拉斯, b = {b}"},
    "release.mech.laplace": {"en": "Laplace, b = {b}", "zh-CN": "拉普拉斯, b = {b}"},
    "release.mech.derived": {"en": "from {num} ÷ {den}", "zh-CN": "由 {num} ÷ {den} 推出"},
    "release.col.cell": {"en": "cell", "zh-CN": "指标"},
    "release.col.value": {"en": "value", "zh-CN": "数值"},
    "release.col.interval": {"en": "95% interval", "zh-CN": "95% 区间"},
    "release.col.noise": {"en": "noise", "zh-CN": "噪声"},
    "release.col.note": {"en": "note", "zh-CN": "说明"},
    "release.col.segment": {"en": "segment", "zh-CN": "分群"},
    "release.col.knowledge_category": {"en": "course category", "zh-CN": "课程类别"},
    "release.col.game_category": {"en": "game / stream category",
                                  "zh-CN": "游戏/直播类别"},
    "release.col.people": {"en": "people", "zh-CN": "人数"},
    "release.col.buyers": {"en": "course buyers", "zh-CN": "购课人数"},
    "release.col.spend": {"en": "spend (yuan)", "zh-CN": "消费(元)"},
    "release.col.spend_per_buyer": {"en": "spend per buyer (yuan)",
                                    "zh-CN": "人均购课消费(元)"},
    "release.segment.none": {"en": "none (no game events)", "zh-CN": "无 (无游戏事件)"},
    "release.segment.light": {"en": "light (1-9 game events)",
                              "zh-CN": "轻度 (1-9 次游戏事件)"},
    "release.segment.regular": {"en": "regular (10-49)", "zh-CN": "中度 (10-49 次)"},
    "release.segment.heavy": {"en": "heavy (50+)", "zh-CN": "重度 (50 次以上)"},
    "release.category.none": {"en": "(none)", "zh-CN": "(无)"},
    "releases.col.name": {"en": "name", "zh-CN": "名称"},
    "releases.col.about": {"en": "about", "zh-CN": "说明"},
    "releases.col.groups": {"en": "groups", "zh-CN": "分组"},
    "releases.col.metrics": {"en": "metrics", "zh-CN": "指标"},
    "releases.col.derived": {"en": "derived", "zh-CN": "派生指标"},
    # en: each query's ``about`` (crossplay.privacy.aggregates), as written there
    "releases.about.overlap_by_knowledge_category": {
        "en": "linked people by their main knowledge category",
        "zh-CN": "已关联的人, 按其主要课程类别"},
    "releases.about.overlap_by_category_pair": {
        "en": "linked people by (main knowledge category, main game / stream category)",
        "zh-CN": "已关联的人, 按 (主要课程类别, 主要游戏/直播类别)"},
    "releases.about.conversion_by_segment": {
        "en": "linked people by game activity segment: how many bought a course, and spend",
        "zh-CN": "已关联的人, 按游戏活跃度分群: 购课人数与消费"},
}
add_messages(MESSAGES)


def _label(msg: Messages, name: str) -> str:
    key = f"release.col.{name}"
    return msg(key) if key in MESSAGES else name


def group_name(msg: Messages, dim: str, value: str) -> str:
    """A group's name as printed (the JSON keeps the stored value)."""
    if dim == "segment" and f"release.segment.{value}" in MESSAGES:
        return msg(f"release.segment.{value}")
    if value == "(none)":
        return msg("release.category.none")
    if dim.endswith("_category"):
        from crossplay.mining.names import category_name

        return category_name(value, msg.lang)
    return value


def _num(value: float | None, whole: bool) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _scale(b: float) -> str:
    return f"{b:,.0f}" if b >= 100 else f"{b:.3g}"


def _whole(rel: Any, name: str) -> bool:
    """Whether cell ``name`` of the release is a count (printed without decimals)."""
    from crossplay.privacy.aggregates import QUERIES

    q = QUERIES[rel.query]
    return any(m.name == name and m.kind == "count" for m in q.metrics)


def render_release(msg: Messages, rel: Any, *, show_suppressed: bool) -> None:
    """Print a :class:`crossplay.privacy.release.Release` for a person."""
    out = stdout()
    eps = f", ε = {rel.epsilon:g}" if rel.epsilon is not None else ""
    title = msg("release.title", q=rel.query, p=rel.for_partner, k=rel.k, eps=eps)
    rows = [r for r in rel.rows if show_suppressed or not r["suppressed"]]
    cells = [*rel.metrics, *rel.derived]
    dims = [_label(msg, d) for d in rel.dims]
    if rel.noise is None:
        out.print(table(title, [*dims, *(_label(msg, c) for c in cells)],
                        [[group_name(msg, d, r[d]) for d in rel.dims]
                         + [_num(r.get(c), _whole(rel, c)) for c in cells] for r in rows]))
        if rel.period is not None and rel.computed_at is not None:
            at = datetime.fromisoformat(rel.computed_at).strftime("%Y-%m-%d %H:%M")
            out.print(msg("release.period", period=rel.period, at=at), highlight=False)
    else:
        lines, mostly, shown = [], 0, 0
        for r in rows:
            group = [group_name(msg, d, r[d]) for d in rel.dims]
            for c in cells:
                cell, how = r["noise"][c], rel.noise[c]
                whole = _whole(rel, c)
                if how["mechanism"] == "derived":
                    noise = msg("release.mech.derived", num=_label(msg, how["of"][0]),
                                den=_label(msg, how["of"][1]))
                else:
                    noise = msg(f"release.mech.{how['mechanism']}", b=_scale(how["scale"]))
                if cell["value"] is None:
                    lines.append([*group, _label(msg, c), "—", "", noise, ""])
                    continue
                shown += 1
                mostly += bool(cell["mostly_noise"])
                lines.append([*group, _label(msg, c), _num(cell["value"], whole),
                              f"{_num(cell['ci_low'], whole)} – {_num(cell['ci_high'], whole)}",
                              noise, msg("release.mostly") if cell["mostly_noise"] else ""])
        out.print(table(title, [*dims, *(msg(f"release.col.{c}") for c in (
            "cell", "value", "interval", "noise", "note"))], lines))
        n = len(rel.metrics)
        out.print(msg("release.noise.how", eps=rel.epsilon, n=n, share=rel.epsilon / n),
                  highlight=False)
        if rel.derived:
            out.print(msg("release.noise.derived",
                          names=", ".join(_label(msg, c) for c in rel.derived)),
                      highlight=False)
        out.print(msg("release.noise.post"), highlight=False)
        out.print(msg("release.noise.mostly", n=mostly, total=shown), highlight=False)
    hidden = sum(r["suppressed"] for r in rel.rows)
    out.print(msg("release.hidden", n=hidden, total=len(rel.rows)), highlight=False)
    if rel.budget_left is not None:
        out.print(msg("release.spent", spent=rel.epsilon, p=rel.for_partner,
                      left=rel.budget_left, budget=rel.budget), highlight=False)


def render_releases(msg: Messages, data: list[dict[str, Any]]) -> None:
    """Print the list of named aggregates (``crossplay releases``)."""
    stdout().print(table(None, [msg(f"releases.col.{c}") for c in (
        "name", "about", "groups", "metrics", "derived")],
        [(d["name"], msg(f"releases.about.{d['name']}"),
          ", ".join(_label(msg, x) for x in d["dims"]),
          ", ".join(_label(msg, x) for x in d["metrics"]),
          ", ".join(_label(msg, x) for x in d["derived"]))
         for d in data]))
