"""Texts of the mining page (en, zh-CN). Column names and scope / level / direction
words come from the mining commands' catalog (``mining.*``, :mod:`crossplay.mining.messages`)
so the page and ``crossplay rules | segments | social`` say the same."""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.mining.error_messages import ERRORS
from crossplay.mining.messages import MESSAGES
from crossplay.web import messages as _frame  # noqa: F401  (web.platform.*, shared)

add_messages(MESSAGES)
add_messages(ERRORS)
add_messages({
    "web.nav.mining": {"en": "Mining", "zh-CN": "行为挖掘"},
    "web.mining.empty": {
        "en": "Nothing mined yet: run `crossplay rules mine`, `crossplay segments fit` and "
              "`crossplay social rank` (or `crossplay demo`).",
        "zh-CN": "尚无挖掘结果: 请运行 `crossplay rules mine`、`crossplay segments fit` 和 "
                 "`crossplay social rank` (或 `crossplay demo`)。"},
    "web.mining.partner_note": {
        "en": "Your account sees its own partner's results, and joint results (both "
              "partners' linked people) only for groups of at least k = {k} people; the "
              "other partner's users are never listed.",
        "zh-CN": "您的账号可查看本方的结果; 联合结果 (双方已关联用户) 仅在群体不少于 k = {k} "
                 "人时显示; 另一方的用户从不列出。"},
    # --- rules ---
    "web.mining.rules.section": {"en": "Association rules", "zh-CN": "关联规则"},
    "web.mining.rules.table": {
        "en": "Rules: {rules} ({sig} significant), cross-domain and significant first",
        "zh-CN": "规则: 共 {rules} 条 (显著 {sig} 条), 跨域与显著规则在前"},
    "web.mining.rules.none": {
        "en": "No rules stored yet: run `crossplay rules mine` (e.g. `--scope joint --level "
              "category`).",
        "zh-CN": "尚未保存任何规则: 请运行 `crossplay rules mine` (例如 `--scope joint "
                 "--level category`)。"},
    "web.mining.rules.window": {
        "en": "{scope} · {level}: mined over {window} of {units} people; {rules} rules with "
              "support ≥ {support:.3f} (at least k = {k} people), confidence ≥ {confidence}, "
              "lift ≥ {lift}{cross}.",
        "zh-CN": "{scope} · {level}: 基于 {units} 人的{window}挖掘; 共 {rules} 条规则, 支持度 ≥ "
                 "{support:.3f} (至少 k = {k} 人), 置信度 ≥ {confidence}, 提升度 ≥ {lift}"
                 "{cross}。"},
    "web.mining.rules.cross_only": {"en": ", cross-domain rules only",
                                    "zh-CN": ", 仅跨域规则"},
    "web.mining.rules.hidden": {
        "en": "{n} joint rules hold for fewer than k = {k} people and are hidden.",
        "zh-CN": "{n} 条联合规则涉及的人数少于 k = {k}, 已隐藏。"},
    "web.mining.window.all": {"en": "all events in the lake", "zh-CN": "数据湖全部事件"},
    "web.mining.window.days": {"en": "the last {days} days of events",
                               "zh-CN": "最近 {days} 天的事件"},
    "web.mining.col.scope": {"en": "scope", "zh-CN": "范围"},
    "web.mining.col.level": {"en": "level", "zh-CN": "粒度"},
    "web.mining.col.significant": {"en": "significant", "zh-CN": "显著"},
    "web.mining.col.people": {"en": "people", "zh-CN": "人数"},
    "web.mining.network.title": {
        "en": "Rule network: items linked by pair rules (line width: lift)",
        "zh-CN": "规则网络: 由两两规则相连的内容 (线宽: 提升度)"},
    "web.mining.network.note": {
        "en": "The network draws the {n} strongest rules with one item on each side "
              "(significant first, then by lift); node size: people holding the item.",
        "zh-CN": "网络图展示最强的 {n} 条单项对单项规则 (先显著, 再按提升度); 节点大小: "
                 "拥有该项的人数。"},
    "web.mining.network.none": {
        "en": "No rule with one item on each side to draw as a network.",
        "zh-CN": "没有单项对单项的规则, 无法绘制网络图。"},
    "web.mining.network.edge": {
        "en": "{a} → {c}<br>lift {lift:.2f}, confidence {conf:.0%}, q {q:.2g}",
        "zh-CN": "{a} → {c}<br>提升度 {lift:.2f}, 置信度 {conf:.0%}, q {q:.2g}"},
    "web.mining.network.node": {"en": "{name}<br>{n} people", "zh-CN": "{name}<br>{n} 人"},
    "web.mining.network.rules": {"en": "rules", "zh-CN": "规则"},
    "web.mining.network.legend": {"en": "platform", "zh-CN": "平台"},
    # --- segments ---
    "web.mining.seg.section": {"en": "Segments and their profiles", "zh-CN": "用户分群与画像"},
    "web.mining.seg.none": {
        "en": "No segments yet: run `crossplay segments fit`.",
        "zh-CN": "尚无用户分群: 请运行 `crossplay segments fit`。"},
    "web.mining.seg.window": {
        "en": "{scope}: fitted {fitted} over {window} ({days:.0f} days observed), k = {k} "
              "segments of {units} people.",
        "zh-CN": "{scope}: 于 {fitted} 基于{window}拟合 (覆盖 {days:.0f} 天), 共 {units} 人, "
                 "k = {k} 个分群。"},
    "web.mining.seg.table": {"en": "Segments, largest first", "zh-CN": "用户分群 (按人数降序)"},
    "web.mining.col.name": {"en": "name", "zh-CN": "名称"},
    "web.mining.col.traits": {"en": "what sets it apart (standardised difference)",
                              "zh-CN": "显著特征 (标准化差异)"},
    "web.mining.col.distinct": {"en": "stands out", "zh-CN": "特征鲜明"},
    "web.mining.col.h_learn": {"en": "h/week learning", "zh-CN": "每周学习小时"},
    "web.mining.col.h_play": {"en": "h/week playing", "zh-CN": "每周游戏小时"},
    "web.mining.col.h_watch": {"en": "h/week watching", "zh-CN": "每周观看直播小时"},
    "web.mining.seg.trait": {"en": "{phrase} ({z:+.1f})", "zh-CN": "{phrase} ({z:+.1f})"},
    "web.mining.seg.label": {"en": "{segment}: {name}", "zh-CN": "{segment}: {name}"},
    "web.mining.seg.sizes": {"en": "People per segment", "zh-CN": "各分群人数"},
    "web.mining.seg.hours": {"en": "Hours per week by segment", "zh-CN": "各分群每周时长"},
    "web.mining.seg.hours_axis": {"en": "hours per week (mean)", "zh-CN": "每周小时 (均值)"},
    # --- social ---
    "web.mining.social.section": {"en": "Influencers and streamers", "zh-CN": "影响力用户与主播"},
    "web.mining.social.graph": {
        "en": "Social graph (games and streams): {nodes} nodes, {edges} edges, people who "
              "allow personalisation only. Ranked as `crossplay social rank --platform all "
              "--segment S` ranks them: by expected reach into the segment (each contact "
              "passes a message on with probability {q}), ties by PageRank; without a "
              "segment by PageRank.",
        "zh-CN": "社交网络 (游戏与直播): {nodes} 个节点, {edges} 条边, 仅包含允许个性化的用户。"
                 "排序方式与 `crossplay social rank --platform all --segment S` 相同: 按对分群"
                 "的预期触达 (每位联系人以 {q} 的概率继续传播), 相同时按 PageRank; 未指定分群"
                 "时按 PageRank。"},
    "web.mining.social.none": {"en": "No social graph: ingest social edges first.",
                               "zh-CN": "没有社交网络数据: 请先导入社交关系。"},
    "web.mining.social.streamers": {"en": "Streamers to reach each segment",
                                    "zh-CN": "触达各分群的主播"},
    "web.mining.social.streamers_pr": {"en": "Streamers by influence (PageRank)",
                                       "zh-CN": "按影响力 (PageRank) 排序的主播"},
    "web.mining.social.users": {"en": "Users with the most reach into segment {segment}",
                                "zh-CN": "对分群 {segment} 触达最多的用户"},
    "web.mining.social.users_pr": {"en": "Users with the most influence (PageRank)",
                                   "zh-CN": "影响力 (PageRank) 最高的用户"},
    "web.mining.social.chart": {"en": "Expected reach of the top streamers per segment",
                                "zh-CN": "各分群头部主播的预期触达"},
    "web.mining.col.streamer": {"en": "streamer", "zh-CN": "主播"},
    "web.mining.col.streamer_id": {"en": "streamer id", "zh-CN": "主播 ID"},
    "web.mining.col.kind": {"en": "who", "zh-CN": "类型"},
    "web.mining.col.key": {"en": "pseudonymous key", "zh-CN": "假名键"},
    "web.mining.kind.person": {"en": "linked person", "zh-CN": "已关联用户"},
    "web.mining.kind.knowledge": {"en": "knowledge user", "zh-CN": "知识平台用户"},
    "web.mining.kind.game": {"en": "game user", "zh-CN": "游戏平台用户"},
    # --- errors ---
    "web.mining.error.segment": {"en": "segment: {value!r} is not a segment number.",
                                 "zh-CN": "分群: {value!r} 不是分群编号。"},
    "web.mining.error.unknown_segment": {
        "en": "There is no segment {segment}; the segments are {known}.",
        "zh-CN": "没有分群 {segment}; 现有分群为 {known}。"},
})
