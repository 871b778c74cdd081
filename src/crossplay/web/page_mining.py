"""Mining: association rules (table and network), segments with their bilingual profiles,
influencers and streamers per segment with their reach.

Everything is read from what the mining jobs stored (``crossplay rules mine``,
``crossplay segments fit``: :func:`crossplay.mining.rule_mining.load_rules`,
:func:`crossplay.mining.segment_job.load_profiles`); the influencer ranking is
``crossplay social rank``'s, computed on the lake's social graph without storing it
(:mod:`crossplay.web.mining_reach`).

Scopes: ``joint`` results (linked people of both partners) plus each partner's own
(``--scope knowledge|game``) where they were mined. The partner filter keeps the joint
results and that partner's own; a partner-scoped viewer sees joint groups only at
``k`` people or more (rules, segment sizes, reach counts) and never the other partner's
results or users. The results carry no dates (they were mined on a window that ends at
the lake's newest event), so the page offers no date filter and says the window instead.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from crossplay.cli.i18n import coded_text, origin_of
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.mining.baskets import LEVELS
from crossplay.mining.rule_mining import load_rules
from crossplay.mining.segment_job import load_profiles
from crossplay.web import messages_mining as _messages  # noqa: F401  (registers the texts)
from crossplay.web.mining_network import MAX_EDGES, rule_network
from crossplay.web.mining_reach import Q, load_graph, rank
from crossplay.web.page import (
    Chart,
    Note,
    Page,
    PageData,
    PageError,
    PageRequest,
    Section,
    Table,
)

#: a rule's direction (as stored) -> its catalog key (as ``crossplay rules mine`` says it)
_DIRECTION = {"knowledge->game": "mining.dir.to_game", "game->knowledge": "mining.dir.to_learning",
              "within": "mining.dir.within", "mixed": "mining.dir.mixed"}
STREAMERS_PER_SEGMENT = 5
TOP_USERS = 10


def _num(v: Any) -> float | None:
    """A stored figure as the page keeps it (infinite or missing: ``None``)."""
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _error(req: PageRequest, exc: CrossplayError) -> str:
    return coded_text(exc.code, exc.params, exc.message, origin_of(exc), lang=req.lang)


def scopes_of(req: PageRequest) -> list[str]:
    """Joint results and the partner's own (both partners' without a partner filter)."""
    partner = req.filters.partner
    return ["joint", partner] if partner else ["joint", "knowledge", "game"]


def _mined(settings: Settings, *parts: str) -> bool:
    """Whether the mining jobs stored ``derived/mining/<parts>`` (looked up without
    creating directories, as the jobs' own path helpers do: a build must write nothing)."""
    return settings.data_dir.joinpath("derived", "mining", *parts).is_file()


def _segment_filter(req: PageRequest) -> int | None:
    raw = req.filters.segment
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise PageError(req.t("web.mining.error.segment", value=raw), 400) from None


# --- rules -----------------------------------------------------------------------------------

def _window(req: PageRequest, days: int | None) -> str:
    return (req.t("web.mining.window.all") if days is None
            else req.t("web.mining.window.days", days=days))


def stored_rules(req: PageRequest, scopes: list[str]) -> tuple[pd.DataFrame, list[Note], int]:
    """The stored rules of ``scopes`` (columns of ``RULE_COLUMNS`` plus ``scope`` and
    ``level``), a note per stored file saying what it was mined on, and how many joint
    rules a partner-scoped viewer may not see (fewer than k people)."""
    s = req.settings
    frames, notes, hidden = [], [], 0
    for scope in scopes:
        for level in LEVELS:
            if not _mined(s, "rules", f"{scope}-{level}.parquet"):
                continue
            res = load_rules(s, scope, level)
            frame, meta = res.frame, res.meta
            if scope == "joint" and not req.viewer.joint and not frame.empty:
                keep = [req.k_suppress(int(c)) is not None for c in frame["count"]]
                hidden += len(keep) - sum(keep)
                frame = frame.loc[keep]
            notes.append(Note(req.t(
                "web.mining.rules.window", scope=req.t(f"mining.scope.{scope}"),
                level=req.t(f"mining.level.{level}"), window=_window(req, meta["window_days"]),
                units=meta["units"], rules=meta["rules"],
                support=float(meta["effective_min_support"]), k=meta["privacy_k"],
                confidence=meta["min_confidence"], lift=meta["min_lift"],
                cross=req.t("web.mining.rules.cross_only") if meta["cross_domain_only"]
                else "")))
            frames.append(frame.assign(scope=scope, level=level))
    if not frames:
        return pd.DataFrame(), notes, hidden
    return pd.concat(frames, ignore_index=True), notes, hidden


def _rules_section(req: PageRequest, scopes: list[str]) -> tuple[Section, bool]:
    t = req.t
    section = Section(t("web.mining.rules.section"))
    frame, notes, hidden = stored_rules(req, scopes)
    if not notes:
        section.items.append(Note(t("web.mining.rules.none")))
        return section, False
    section.items.extend(notes)
    if hidden:
        section.items.append(Note(t("web.mining.rules.hidden", n=hidden,
                                    k=req.settings.privacy_k), "warn"))
    suffix = "zh" if req.lang == "zh-CN" else "en"
    rows = [[t(f"mining.scope.{r['scope']}"), t(f"mining.level.{r['level']}"),
             r[f"antecedent_{suffix}"], r[f"consequent_{suffix}"],
             t(_DIRECTION.get(r["direction"], "mining.dir.mixed")),
             _num(r["support"]), _num(r["confidence"]), _num(r["lift"]), _num(r["q_value"]),
             bool(r["significant"]), int(r["count"])]
            for r in frame.to_dict(orient="records")]
    drawn = rule_network(frame, req.lang, t) if not frame.empty else None
    if drawn is None:
        section.items.append(Note(t("web.mining.network.none")))
    else:
        figure, points = drawn
        section.items.append(Chart("rule_network", t("web.mining.network.title"), figure,
                                   points))
        section.items.append(Note(t("web.mining.network.note", n=MAX_EDGES)))
    sig = int(frame["significant"].astype(bool).sum()) if not frame.empty else 0
    section.items.append(Table(
        "rules", t("web.mining.rules.table", rules=len(rows), sig=sig),
        [t("web.mining.col.scope"), t("web.mining.col.level"), t("mining.col.if"),
         t("mining.col.then"), t("mining.col.direction"), t("mining.col.support"),
         t("mining.col.confidence"), t("mining.col.lift"), t("mining.col.q"),
         t("web.mining.col.significant"), t("web.mining.col.people")], rows, sortable=True))
    return section, True


# --- segments --------------------------------------------------------------------------------

def stored_segments(req: PageRequest, scopes: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(scope, profiles.json)`` of every scope whose segments were fitted."""
    return [(scope, load_profiles(req.settings, scope)) for scope in scopes
            if _mined(req.settings, "segments", scope, "profiles.json")]


def _segments_section(req: PageRequest, scopes: list[str], chosen: int | None
                      ) -> tuple[Section, bool, list[int]]:
    """The segments table and charts; also the joint segments influencers are ranked
    for (releasable and visible to this viewer)."""
    t = req.t
    section = Section(t("web.mining.seg.section"))
    stored = stored_segments(req, scopes)
    if not stored:
        section.items.append(Note(t("web.mining.seg.none")))
        return section, False, []
    zh = req.lang == "zh-CN"
    rows: list[list[Any]] = []
    reachable: list[int] = []
    bars: list[tuple[str, str, int, dict[str, float]]] = []
    for scope, data in stored:
        meta = data["meta"]
        section.items.append(Note(t(
            "web.mining.seg.window", scope=t(f"mining.scope.{scope}"),
            fitted=str(meta.get("fitted_at", ""))[:16].replace("T", " "),
            window=_window(req, meta.get("window_days")),
            days=float(meta.get("window_days_observed") or 0), k=meta["k"],
            units=meta["units"])))
        profiles = data["profiles"]
        if scope == "joint" and chosen is not None:
            known = sorted(int(p["segment"]) for p in profiles)
            if chosen not in known:
                raise PageError(t("web.mining.error.unknown_segment", segment=chosen,
                                  known=", ".join(map(str, known))), 404)
            profiles = [p for p in profiles if int(p["segment"]) == chosen]
        for p in profiles:
            seg = int(p["segment"])
            size = (int(p["size"]) if req.viewer.joint or scope != "joint"
                    else req.k_suppress(int(p["size"])))
            if not p.get("releasable", True) or size is None:
                rows.append([t(f"mining.scope.{scope}"), seg,
                             t("mining.seg.below_k", k=req.settings.privacy_k),
                             None, None, None, None, None, None, "", None])
                continue
            name = p["name_zh"] if zh else p["name_en"]
            traits = "; ".join(t("web.mining.seg.trait", phrase=tr["zh" if zh else "en"],
                                 z=float(tr["z"])) for tr in p.get("traits", []))
            h = p.get("hours_week", {})
            rows.append([t(f"mining.scope.{scope}"), seg, name, int(size),
                         _num(p["share"]), _num(p["value_yuan_per_person"]),
                         _num(h.get("k")), _num(h.get("g")), _num(h.get("s")), traits,
                         bool(p.get("distinct", False))])
            label = t("web.mining.seg.label", segment=seg, name=name)
            bars.append((scope, label, int(size), {d: float(h.get(d, 0.0))
                                                   for d in ("k", "g", "s")}))
            if scope == "joint":
                reachable.append(seg)
    section.items.append(Table(
        "segments", t("web.mining.seg.table"),
        [t("web.mining.col.scope"), t("mining.col.segment"), t("web.mining.col.name"),
         t("mining.col.size"), t("mining.col.share"), t("mining.col.value"),
         t("web.mining.col.h_learn"), t("web.mining.col.h_play"), t("web.mining.col.h_watch"),
         t("web.mining.col.traits"), t("web.mining.col.distinct")], rows))
    if bars:
        section.items.extend(_segment_charts(req, bars))
    return section, True, reachable


def _segment_charts(req: PageRequest, bars: list[tuple[str, str, int, dict[str, float]]]
                    ) -> list[Chart]:
    t = req.t
    sizes = go.Figure()
    for scope in dict.fromkeys(b[0] for b in bars):
        mine = [b for b in bars if b[0] == scope]
        sizes.add_trace(go.Bar(x=[b[1] for b in mine], y=[b[2] for b in mine],
                               name=t(f"mining.scope.{scope}")))
    sizes.update_layout(title=t("web.mining.seg.sizes"), barmode="group",
                        xaxis_title=t("mining.col.segment"), yaxis_title=t("mining.col.size"))
    hours = go.Figure()
    for d, key in (("k", "web.mining.col.h_learn"), ("g", "web.mining.col.h_play"),
                   ("s", "web.mining.col.h_watch")):
        hours.add_trace(go.Bar(x=[f"{t(f'mining.scope.{b[0]}')} · {b[1]}" for b in bars],
                               y=[b[3][d] for b in bars], name=t(key)))
    hours.update_layout(title=t("web.mining.seg.hours"), barmode="group",
                        xaxis_title=t("mining.col.segment"),
                        yaxis_title=t("web.mining.seg.hours_axis"))
    return [Chart("segment_sizes", t("web.mining.seg.sizes"), sizes.to_plotly_json(),
                  len(bars)),
            Chart("segment_hours", t("web.mining.seg.hours"), hours.to_plotly_json(),
                  3 * len(bars))]


# --- influencers -----------------------------------------------------------------------------

def _user_prefixes(req: PageRequest) -> tuple[str, ...]:
    """Which user nodes a viewer may see listed: a partner-scoped viewer only its own
    partner's users (never linked persons: their node holds both partners' relations)."""
    if not req.viewer.joint:
        return (f"u:{req.viewer.partner}:",)
    if req.filters.partner:
        return ("p:", f"u:{req.filters.partner}:")
    return ("p:", "u:")


def _who(req: PageRequest, node: str) -> tuple[str, str]:
    head, _, rest = node.partition(":")
    if head == "p":
        return req.t("web.mining.kind.person"), rest[:12] + "…"
    partner, _, key = rest.partition(":")
    return req.t(f"web.mining.kind.{partner}"), key[:12] + "…"


def _social_section(req: PageRequest, segments: list[int], chosen: int | None,
                    names: dict[int, str]) -> Section:
    t = req.t
    s = req.settings
    section = Section(t("web.mining.social.section"))
    try:
        g = load_graph(s, "all")
    except CrossplayError as exc:
        section.items.append(Note(_error(req, exc)))
        return section
    section.items.append(Note(t("web.mining.social.graph", nodes=g.n, edges=len(g.src),
                                q=Q)))
    if chosen is not None and chosen not in segments:
        chosen = None  # a segment below k is not a target anyone outside may rank for
    wanted: list[int | None] = [chosen] if chosen is not None else list(segments)
    if not wanted:
        wanted = [None]
    try:
        streamers = rank(s, g, what="streamer", segments=wanted, top=STREAMERS_PER_SEGMENT)
        users = rank(s, g, what="user", segments=[chosen], top=TOP_USERS,
                     prefixes=_user_prefixes(req))
    except CrossplayError as exc:
        section.items.append(Note(_error(req, exc)))
        return section
    zh = req.lang == "zh-CN"
    by_segment = wanted != [None]

    def counts(r: Mapping[Hashable, Any]) -> list[Any]:
        seg2 = (None if pd.isna(r["segment_reach2"])
                else req.k_suppress(int(r["segment_reach2"])))
        expected = (None if seg2 is None else _num(r["expected_reach"]))
        return [_num(r["pagerank"]), req.k_suppress(int(r["reach1"])),
                req.k_suppress(int(r["reach2"])), expected, seg2]

    tail = [t("mining.col.pagerank"), t("mining.col.reach1"), t("mining.col.reach2"),
            t("mining.col.expected"), t("mining.col.seg_reach2")]
    width = len(tail) if by_segment else 3  # without a segment: no reach into one
    srows = []
    for r in streamers.to_dict(orient="records"):
        seg = r["segment"]
        label = (None if seg is None or pd.isna(seg)
                 else t("web.mining.seg.label", segment=int(seg), name=names.get(int(seg), "")))
        srows.append([label, r["name_zh" if zh else "name_en"], r["streamer_id"],
                      *counts(r)[:width]])
    section.items.append(Table(
        "streamers", t("web.mining.social.streamers" if by_segment
                       else "web.mining.social.streamers_pr"),
        [t("mining.col.segment"), t("web.mining.col.streamer"),
         t("web.mining.col.streamer_id"), *tail[:width]], srows))
    if by_segment and srows:
        fig = go.Figure()
        for seg in wanted:
            mine = [r for r in srows if r[0] is not None and r[0].startswith(f"{seg}:")]
            fig.add_trace(go.Bar(x=[r[1] for r in mine], y=[r[6] or 0.0 for r in mine],
                                 name=mine[0][0] if mine else str(seg)))
        fig.update_layout(title=t("web.mining.social.chart"), barmode="group",
                          xaxis_title=t("web.mining.col.streamer"),
                          yaxis_title=t("mining.col.expected"))
        section.items.append(Chart("streamer_reach", t("web.mining.social.chart"),
                                   fig.to_plotly_json(), len(srows)))
    uwidth = len(tail) if chosen is not None else 3
    urows = []
    for r in users.to_dict(orient="records"):
        kind, key = _who(req, str(r["node"]))
        urows.append([kind, key, *counts(r)[:uwidth]])
    section.items.append(Table(
        "influencers", t("web.mining.social.users", segment=chosen) if chosen is not None
        else t("web.mining.social.users_pr"),
        [t("web.mining.col.kind"), t("web.mining.col.key"), *tail[:uwidth]], urows))
    return section


# --- the page --------------------------------------------------------------------------------

def build(req: PageRequest) -> PageData:
    scopes = scopes_of(req)
    chosen = _segment_filter(req)
    try:
        rules, any_rules = _rules_section(req, scopes)
        segments, any_segments, reachable = _segments_section(req, scopes, chosen)
    except CrossplayError as exc:
        raise PageError(_error(req, exc), 400) from None
    if not any_rules and not any_segments:
        return PageData(sections=[], empty=req.t("web.mining.empty"))
    zh = req.lang == "zh-CN"
    names: dict[int, str] = {}
    if any_segments and _mined(req.settings, "segments", "joint", "profiles.json"):
        names = {int(p["segment"]): p["name_zh" if zh else "name_en"]
                 for p in load_profiles(req.settings, "joint")["profiles"]}
    if chosen is not None and not names:
        raise PageError(req.t("web.mining.error.unknown_segment", segment=chosen,
                              known="–"), 404)
    social = _social_section(req, reachable, chosen, names)
    sections = [rules, segments, social]
    if not req.viewer.joint:
        sections[0].items.insert(0, Note(req.t("web.mining.partner_note",
                                               k=req.settings.privacy_k)))
    return PageData(sections=sections)


PAGE = Page(slug="mining", title_key="web.nav.mining", build=build,
            filters=("partner", "segment"), order=50, sources=("lake", "derived", "privacy"))
