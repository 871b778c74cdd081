"""What ``crossplay recommend mix`` prints, in English and Chinese: the fitted shares, what
a degenerate share (α or β = 0) means, the held-out comparison, the ground truth on a
synthetic world, the verdict and the policy that is applied.

Everything is rendered from the command's JSON result (the dict saved as ``mix.json``),
so the terminal and ``--json`` tell the same story.
"""

from __future__ import annotations

from typing import Any

from crossplay.cli.i18n import Messages, add_messages
from crossplay.cli.output import stdout, table
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "mix.title": {"en": "Content mix per segment, fitted on the lake before {cutoff}: "
                        "α (knowledge share), β (game and stream share)",
                  "zh-CN": "各分群的内容配比（以 {cutoff} 之前的数据拟合）：α 为知识占比，"
                           "β 为游戏与直播占比"},
    "mix.title.all": {"en": "Content mix per segment, fitted on the whole lake: "
                            "α (knowledge share), β (game and stream share)",
                      "zh-CN": "各分群的内容配比（以全部数据拟合）：α 为知识占比，"
                               "β 为游戏与直播占比"},
    "mix.col.segment": {"en": "segment", "zh-CN": "分群"},
    "mix.col.persons": {"en": "persons", "zh-CN": "人数"},
    "mix.col.raw_alpha": {"en": "raw α", "zh-CN": "原始 α"},
    "mix.col.raw_beta": {"en": "raw β", "zh-CN": "原始 β"},
    "mix.col.policy": {"en": "policy", "zh-CN": "策略"},
    "mix.col.hits": {"en": "hits per slate", "zh-CN": "每组推荐命中数"},
    "mix.col.diff": {"en": "− 50/50", "zh-CN": "与 50/50 之差"},
    "mix.col.se": {"en": "± s.e.", "zh-CN": "± 标准误"},
    "mix.col.p": {"en": "p", "zh-CN": "p 值"},
    "mix.col.sig": {"en": "significant", "zh-CN": "显著性"},
    "mix.col.truth": {"en": "true value per slate", "zh-CN": "每组推荐真实价值"},
    "mix.col.knowledge_items": {"en": "knowledge items", "zh-CN": "知识内容数"},
    "mix.sig.better": {"en": "better", "zh-CN": "显著更好"},
    "mix.sig.worse": {"en": "worse", "zh-CN": "显著更差"},
    "mix.sig.no": {"en": "no", "zh-CN": "不显著"},
    "mix.seg.all": {"en": "all", "zh-CN": "全部"},
    "mix.seg.game": {"en": "game-first", "zh-CN": "游戏为主"},
    "mix.seg.knowledge": {"en": "knowledge-first", "zh-CN": "知识为主"},
    "mix.seg.mixed": {"en": "mixed", "zh-CN": "兼顾型"},
    "mix.policy.fitted": {"en": "fitted α/β", "zh-CN": "拟合 α/β"},
    "mix.policy.raw": {"en": "raw seed α/β", "zh-CN": "原始 α/β（θ = 1）"},
    "mix.policy.fixed_50_50": {"en": "50/50", "zh-CN": "50/50"},
    "mix.policy.applied": {"en": "applied (as saved)", "zh-CN": "实际采用（已保存）"},
    "mix.notes": {"en": "Shares of 0 (the verdict below decides whether they are applied):",
                  "zh-CN": "占比为 0 的分群（是否采用由下方结论决定）："},
    "mix.note.knowledge.theta_zero": {
        "en": "{segment}: α = 0, no knowledge items — for these persons knowledge content "
              "adds no explanation of spend beyond lesson hours and game hours (θ_C = 0).",
        "zh-CN": "{segment}：α = 0，不推荐知识内容 — 对这些用户而言，除课程观看时长和游戏时长"
                 "之外，知识内容消费对付费没有额外解释力（θ_C = 0）。"},
    "mix.note.game.theta_zero": {
        "en": "{segment}: β = 0, no game or stream items — for these persons game and stream "
              "hours add no explanation of spend beyond knowledge content and lesson hours "
              "(θ_G = 0).",
        "zh-CN": "{segment}：β = 0，不推荐游戏与直播 — 对这些用户而言，除知识内容与课程观看"
                 "时长之外，游戏与直播时长对付费没有额外解释力（θ_G = 0）。"},
    "mix.note.knowledge.no_activity": {
        "en": "{segment}: α = 0 — these persons used no knowledge content in the fit period.",
        "zh-CN": "{segment}：α = 0 — 这些用户在拟合期内没有知识内容消费。"},
    "mix.note.game.no_activity": {
        "en": "{segment}: β = 0 — these persons spent no game or stream hours in the fit "
              "period.",
        "zh-CN": "{segment}：β = 0 — 这些用户在拟合期内没有游戏或直播时长。"},
    "mix.note.both_zero": {
        "en": "{segment}: α = β = 0 — only lesson hours explain spend; the slate falls back "
              "to 50/50.",
        "zh-CN": "{segment}：α = β = 0 — 只有课程观看时长能解释付费，推荐位回退为 50/50。"},
    "mix.holdout": {
        "en": "Held-out comparison: items of a {n}-item slate the person took up after "
              "{cutoff} ({persons} persons, paired per person)",
        "zh-CN": "留出期对比：{cutoff} 之后用户实际新接触的、出现在 {n} 个内容推荐位中的"
                 "内容数（{persons} 人，按人配对）"},
    "mix.truth": {
        "en": "Ground truth of the synthetic world ({persons} persons): fitted α/β − 50/50 = "
              "{d:+.4f} ± {se:.4f}",
        "zh-CN": "模拟世界的真实价值（{persons} 人）：拟合 α/β − 50/50 = {d:+.4f} ± {se:.4f}"},
    "mix.significant": {"en": "significant, p {p}", "zh-CN": "显著，p {p}"},
    "mix.not_significant": {"en": "not significant, p {p}", "zh-CN": "不显著，p {p}"},
    "mix.verdict.baseline": {
        "en": "Verdict: the 50/50 slate wins on held-out data — fitted α/β − 50/50 = "
              "{d:+.3f} ± {se:.3f} items per slate ({sig}).",
        "zh-CN": "结论：留出数据上 50/50 推荐位最好 — 拟合 α/β − 50/50 = {d:+.3f} ± {se:.3f}"
                 " 个/组（{sig}）。"},
    "mix.verdict.mix": {
        "en": "Verdict: {policy} wins on held-out data — {d:+.3f} ± {se:.3f} items per slate "
              "over 50/50 ({sig}).",
        "zh-CN": "结论：留出数据上{policy}最好 — 比 50/50 多 {d:+.3f} ± {se:.3f} 个/组"
                 "（{sig}）。"},
    "mix.verdict.no_time": {
        "en": "Verdict: no held-out comparison — every event in the lake has one timestamp, "
              "so there is no later period to score slates on.",
        "zh-CN": "结论：无法做留出对比 — 数据湖中所有事件时间相同，没有可用于评估的后期数据。"},
    "mix.verdict.too_few": {
        "en": "Verdict: no held-out comparison — only {persons} persons took up new items "
              "after {cutoff}; at least {min} are needed.",
        "zh-CN": "结论：无法做留出对比 — {cutoff} 之后只有 {persons} 人接触了新内容，"
                 "至少需要 {min} 人。"},
    "mix.applied.fitted_better": {
        "en": "Applied policy: fitted α/β — it beats the 50/50 slate significantly on "
              "held-out data.",
        "zh-CN": "采用策略：拟合 α/β — 它在留出数据上显著优于 50/50。"},
    "mix.applied.raw_better": {
        "en": "Applied policy: raw seed α/β — it beats the 50/50 slate significantly on "
              "held-out data, and the fitted mix does not beat it.",
        "zh-CN": "采用策略：原始 α/β — 它在留出数据上显著优于 50/50，而拟合配比不如它。"},
    "mix.applied.fitted_worse": {
        "en": "Applied policy: 50/50 — the fitted mix is significantly worse than 50/50 on "
              "held-out data and the raw shares do not beat 50/50.",
        "zh-CN": "采用策略：50/50 — 拟合配比在留出数据上显著差于 50/50，原始配比也未能胜出。"},
    "mix.applied.tie": {
        "en": "Applied policy: 50/50 — no mix beats the 50/50 slate significantly on "
              "held-out data.",
        "zh-CN": "采用策略：50/50 — 没有任何配比在留出数据上显著优于 50/50。"},
    "mix.applied.no_holdout": {
        "en": "Applied policy: 50/50 — without a held-out comparison no mix is applied.",
        "zh-CN": "采用策略：50/50 — 没有留出对比，不采用任何配比。"},
    "mix.applied.segment": {
        "en": "Segment {segment} gets 50/50 instead: there {policy} is significantly worse "
              "than 50/50 ({d:+.3f} ± {se:.3f} items per slate).",
        "zh-CN": "分群「{segment}」改用 50/50：在该分群中{policy}显著差于 50/50"
                 "（{d:+.3f} ± {se:.3f} 个/组）。"},
    "mix.policy_title": {"en": "The applied policy per segment (slate of {n})",
                         "zh-CN": "各分群采用的策略（每组 {n} 个内容）"},
    "mix.saved": {"en": "Saved the applied policy to {path}",
                  "zh-CN": "已将采用的策略保存到 {path}"},
}
add_messages(MESSAGES)


def _f(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}f}"


def segment_name(msg: Messages, segment: str) -> str:
    key = f"mix.seg.{segment}"
    return msg(key) if key in MESSAGES else segment


def policy_name(msg: Messages, policy: str) -> str:
    return msg(f"mix.policy.{policy}")


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _significance(msg: Messages, c: dict[str, Any]) -> str:
    sig = c["significantly_better"] or c["significantly_worse"]
    return msg("mix.significant" if sig else "mix.not_significant",
               p=f"= {_p(c['p_value'])}" if c["p_value"] >= 0.001 else _p(c["p_value"]))


def note_lines(msg: Messages, data: dict[str, Any]) -> list[str]:
    """One sentence per segment side whose fitted share is 0."""
    out = []
    for n in data["notes"]:
        key = ("mix.note.both_zero" if n["cause"] == "both_zero"
               else f"mix.note.{n['side']}.{n['cause']}")
        out.append(msg(key, segment=segment_name(msg, n["segment"])))
    return out


def verdict_lines(msg: Messages, data: dict[str, Any]) -> list[str]:
    """The verdict, the applied policy and why, and any per-segment fallback."""
    v, h = data["verdict"], data["holdout"]
    if v["reason"] == "no_holdout":
        first = (msg("mix.verdict.no_time") if h["cutoff"] is None else
                 msg("mix.verdict.too_few", persons=h["persons"], cutoff=h["cutoff"][:10],
                     min=h["min_persons"]))
    elif v["best"] == "fixed_50_50":
        c = v["versus_50_50"]["fitted"]
        first = msg("mix.verdict.baseline", d=c["difference"], se=c["standard_error"],
                    sig=_significance(msg, c))
    else:
        c = v["versus_50_50"][v["best"]]
        first = msg("mix.verdict.mix", policy=policy_name(msg, v["best"]),
                    d=c["difference"], se=c["standard_error"], sig=_significance(msg, c))
    lines = [first, msg(f"mix.applied.{v['reason']}")]
    for seg, pol in v["segment_policy"].items():
        if pol != v["chosen"]:
            c = v["segment_versus_50_50"][seg]
            lines.append(msg("mix.applied.segment", segment=segment_name(msg, seg),
                             policy=policy_name(msg, v["chosen"]), d=c["difference"],
                             se=c["standard_error"]))
    return lines


def print_mix(msg: Messages, data: dict[str, Any]) -> None:
    o = stdout()
    h = data["holdout"]
    title = (msg("mix.title", cutoff=h["cutoff"][:10]) if h["cutoff"]
             else msg("mix.title.all"))
    cols = ["segment", "persons", "alpha", "beta", "raw_alpha", "raw_beta", "theta_C_K",
            "theta_T_K", "theta_T_G"]
    heads = [msg("mix.col.segment"), msg("mix.col.persons"), "α", "β", msg("mix.col.raw_alpha"),
             msg("mix.col.raw_beta"), "θ_C", "θ_K", "θ_G"]
    rows = [[segment_name(msg, str(r["segment"])), str(r["persons"]),
             *(_f(float(r[c])) for c in cols[2:])] for r in data["segments"]]
    o.print(table(title, heads, rows))
    notes = note_lines(msg, data)
    if notes:
        o.print(msg("mix.notes"), style="bold", highlight=False)
        for line in notes:
            o.print(f"  • {line}", highlight=False)
    if h["persons"]:
        versus = data["verdict"]["versus_50_50"]
        hrows = []
        for p in ("fitted", "raw", "fixed_50_50", "applied"):
            c = versus.get(p) if p != "applied" else h["applied_versus_50_50"]
            row = [policy_name(msg, p), _f(h["values"][p])]
            if c is None:
                row += ["", "", "", ""]
            else:
                sig = ("mix.sig.better" if c["significantly_better"] else
                       "mix.sig.worse" if c["significantly_worse"] else "mix.sig.no")
                row += [f"{c['difference']:+.3f}", _f(c["standard_error"]),
                        _p(c["p_value"]), msg(sig)]
            hrows.append(row)
        o.print(table(msg("mix.holdout", n=h["n"], cutoff=h["cutoff"][:10],
                          persons=h["persons"]),
                      [msg("mix.col.policy"), msg("mix.col.hits"), msg("mix.col.diff"),
                       msg("mix.col.se"), msg("mix.col.p"), msg("mix.col.sig")], hrows))
    if "comparison" in data:
        t = data["comparison"]
        trows = [[policy_name(msg, p), _f(t[k], 4)] for p, k in (
            ("fitted", "mixed_value"), ("raw", "raw_shares_value"),
            ("fixed_50_50", "fixed_50_50_value"), ("applied", "applied_value"))]
        o.print(table(msg("mix.truth", persons=t["persons"], d=t["difference"],
                          se=t["standard_error"]),
                      [msg("mix.col.policy"), msg("mix.col.truth")], trows))
    for i, line in enumerate(verdict_lines(msg, data)):
        o.print(line, style="bold" if i == 0 else None, highlight=False)
    prows = [[segment_name(msg, r["segment"]), policy_name(msg, r["policy"]),
              _f(r["alpha"]), _f(r["beta"]), str(r["knowledge_items"])]
             for r in data["policy"]["segments"]]
    o.print(table(msg("mix.policy_title", n=data["policy"]["n"]),
                  [msg("mix.col.segment"), msg("mix.col.policy"), "α", "β",
                   msg("mix.col.knowledge_items")], prows))
    o.print(msg("mix.saved", path=data["saved"]), highlight=False)
