"""Texts of the behaviour page (en, zh-CN); it also registers the catalogs it reuses.

Reused: the measurement labels of ``crossplay funnel`` / ``crossplay retention``
(:mod:`crossplay.measure.messages`: ``m.col.*``, ``m.unit.*``, ``m.funnel.*``,
``m.suppressed``, ``m.ret.all``, ``m.grain.*``), the mining labels of ``crossplay paths`` /
``crossplay churn`` (:mod:`crossplay.mining.messages`: ``mining.col.*``, ``mining.scope.*``,
``mining.paths.*``, ``mining.churn.*``) and both features' errors (``err.*``).
"""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang
from crossplay.measure.error_messages import ERRORS as _MEASURE_ERRORS
from crossplay.measure.messages import MESSAGES as _MEASURE
from crossplay.mining.error_messages import ERRORS as _MINING_ERRORS
from crossplay.mining.messages import MESSAGES as _MINING

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.behaviour": {"en": "Behaviour", "zh-CN": "行为分析"},
    "web.behaviour.sec.funnel": {"en": "Funnel", "zh-CN": "转化漏斗"},
    "web.behaviour.sec.retention": {"en": "Retention by cohort", "zh-CN": "同期群留存"},
    "web.behaviour.sec.paths": {"en": "Paths to purchase and to churn",
                                "zh-CN": "通往购买与流失的路径"},
    "web.behaviour.sec.churn": {"en": "Churn drivers", "zh-CN": "流失原因"},
    "web.behaviour.sec.km": {"en": "Still active by segment (Kaplan–Meier)",
                             "zh-CN": "各分群的持续活跃 (Kaplan–Meier)"},
    "web.behaviour.platform.knowledge": {"en": "knowledge", "zh-CN": "知识付费"},
    "web.behaviour.platform.game": {"en": "game", "zh-CN": "游戏"},
    "web.behaviour.platform.stream": {"en": "stream", "zh-CN": "直播"},
    "web.behaviour.event.purchase": {"en": "purchase", "zh-CN": "购买"},
    "web.behaviour.segment": {"en": "segment {n}", "zh-CN": "分群 {n}"},
    "web.behaviour.segment.named": {"en": "segment {n}: {name}", "zh-CN": "分群 {n}: {name}"},
    "web.behaviour.segment.none": {"en": "(no segment)", "zh-CN": "(无分群)"},
    "web.behaviour.target.purchase": {"en": "first purchase", "zh-CN": "首次购买"},
    "web.behaviour.target.churn": {"en": "churn", "zh-CN": "流失"},
    # columns
    "web.behaviour.col.platform": {"en": "platform", "zh-CN": "平台"},
    "web.behaviour.col.target": {"en": "to", "zh-CN": "目标"},
    "web.behaviour.col.path": {"en": "path", "zh-CN": "路径"},
    "web.behaviour.col.reached": {"en": "people who took it", "zh-CN": "走此路径的人数"},
    "web.behaviour.col.did": {"en": "people who did these steps", "zh-CN": "做过这些步骤的人数"},
    "web.behaviour.col.conversion": {"en": "then reached the target",
                                     "zh-CN": "随后达到目标的比例"},
    "web.behaviour.col.churned": {"en": "churned", "zh-CN": "已流失"},
    "web.behaviour.col.median": {"en": "median days active", "zh-CN": "活跃天数中位数"},
    "web.behaviour.col.day": {"en": "D{d}", "zh-CN": "第{d}天"},
    "web.behaviour.col.measure": {"en": "measure", "zh-CN": "度量"},
    "web.behaviour.col.value": {"en": "value", "zh-CN": "数值"},
    # tables
    "web.behaviour.table.funnel": {"en": "People at each step", "zh-CN": "各步骤人数"},
    "web.behaviour.table.retention": {"en": "Share of each cohort active again on day n",
                                      "zh-CN": "各同期群在第 n 天再次活跃的比例"},
    "web.behaviour.table.paths": {"en": "Top paths (the last steps before the target)",
                                  "zh-CN": "主要路径 (达到目标前的最后几步)"},
    "web.behaviour.table.drivers": {"en": "What drives churn (permutation importance on the "
                                          "hold-out)",
                                    "zh-CN": "流失的主要原因 (留出样本上的置换重要性)"},
    "web.behaviour.table.churn_model": {"en": "Churn model", "zh-CN": "流失模型"},
    "web.behaviour.table.km": {"en": "Share still active after t days",
                               "zh-CN": "t 天后仍活跃的比例"},
    # charts
    "web.behaviour.chart.funnel": {"en": "Funnel: {steps}", "zh-CN": "漏斗: {steps}"},
    "web.behaviour.chart.retention": {"en": "Retention on {platform} by {grain} of first "
                                            "activity",
                                      "zh-CN": "{platform}平台按首次活跃{grain}划分的留存"},
    "web.behaviour.chart.paths.purchase": {"en": "Last steps before the first purchase",
                                           "zh-CN": "首次购买前的最后几步"},
    "web.behaviour.chart.paths.churn": {"en": "Last steps before churning",
                                        "zh-CN": "流失前的最后几步"},
    "web.behaviour.chart.km": {"en": "Share still active by days since first activity",
                               "zh-CN": "自首次活跃起的天数与仍活跃比例"},
    "web.behaviour.axis.days_after": {"en": "days after the first activity",
                                      "zh-CN": "首次活跃后的天数"},
    "web.behaviour.axis.days": {"en": "days since the first activity",
                                "zh-CN": "自首次活跃起的天数"},
    "web.behaviour.axis.still_active": {"en": "still active", "zh-CN": "仍活跃比例"},
    "web.behaviour.axis.share": {"en": "share of cohort", "zh-CN": "占同期群比例"},
    # model measures
    "web.behaviour.model.auc": {"en": "hold-out AUC", "zh-CN": "留出样本 AUC"},
    "web.behaviour.model.brier": {"en": "hold-out Brier score", "zh-CN": "留出样本 Brier 分数"},
    "web.behaviour.model.base": {"en": "hold-out churn rate", "zh-CN": "留出样本流失率"},
    "web.behaviour.model.units": {"en": "people in the hold-out", "zh-CN": "留出样本人数"},
    "web.behaviour.model.fitted": {"en": "fitted at", "zh-CN": "拟合时间"},
    # notes
    "web.behaviour.note.joint": {
        "en": "Steps on both partners: counts linked persons whose link is active and who "
              "granted linking and marketing on both sides; the read is audited.",
        "zh-CN": "步骤跨两个合作方: 只统计关联有效、且双方均同意账号关联与营销的已关联用户; "
                 "本次读取已记入审计日志。"},
    "web.behaviour.note.k": {
        "en": "Joint figures: counts under k = {k} persons are hidden (–) for partner viewers.",
        "zh-CN": "联合数据: 对合作方账号, 少于 k = {k} 人的计数不显示 (–)。"},
    "web.behaviour.note.funnel_steps": {
        "en": "Steps: {steps}; within {within} days of entering. Other steps: add "
              "?steps=stream:watch,game:session,… (and ?within=DAYS) to the address.",
        "zh-CN": "步骤: {steps}; 进入后 {within} 天内完成。换用其他步骤: 在地址后加 "
                 "?steps=stream:watch,game:session,… (以及 ?within=天数)。"},
    "web.behaviour.note.partner_funnel": {
        "en": "The partner filter does not change a cross-partner funnel (it counts linked "
              "persons); choose a platform for that platform's own funnel.",
        "zh-CN": "合作方筛选不影响跨合作方漏斗 (统计的是已关联用户); 选择平台可查看该平台"
                 "自己的漏斗。"},
    "web.behaviour.note.segment_funnel": {
        "en": "Segment {segment} only (segments of {scope}).",
        "zh-CN": "仅分群 {segment} (来自{scope}的分群)。"},
    "web.behaviour.note.segment_small": {
        "en": "Segment {segment} has fewer than {k} people at the first step: not shown.",
        "zh-CN": "分群 {segment} 在第一步少于 {k} 人: 不显示。"},
    "web.behaviour.note.segment_other": {
        "en": "The segment filter does not apply here: these figures are of {scope}, the "
              "segments of {page}.",
        "zh-CN": "分群筛选不适用于此处: 这些数据属于{scope}, 而分群来自{page}。"},
    "web.behaviour.note.retention": {
        "en": "Cohorts by the {grain} of their first activity (time zone {tz}); a cell whose "
              "day lies past the data is empty, not churn. The date filter keeps the cohorts "
              "that start in the window; platform and partner choose the platforms; the "
              "segment filter does not apply.",
        "zh-CN": "按首次活跃的{grain}划分同期群 (时区 {tz}); 某天超出数据范围的格为空, 不算流失。"
                 "日期筛选保留在时间段内开始的同期群; 平台与合作方筛选决定显示哪些平台; "
                 "分群筛选不适用。"},
    "web.behaviour.note.paths": {
        "en": "{scope}: of {units} people, {purchase} bought and {churn} churned (no activity "
              "for {days} days). Whole window of data; the date, platform and segment "
              "filters do not apply.",
        "zh-CN": "{scope}: {units} 人中 {purchase} 人购买, {churn} 人流失 (连续 {days} 天无活动)。"
                 "覆盖全部数据; 日期、平台与分群筛选不适用。"},
    "web.behaviour.note.paths_stored": {
        "en": "Paths to {target}: as `crossplay paths` computed them at {at} UTC.",
        "zh-CN": "通往{target}的路径: 取自 `crossplay paths` 于 {at} (UTC) 的计算结果。"},
    "web.behaviour.note.paths_job": {
        "en": "Paths to {target}: {n} people are too many to count on a page view; run "
              "`crossplay paths --to {to} --scope {code} --days {days}` and the page shows "
              "its result.",
        "zh-CN": "通往{target}的路径: {n} 人太多, 无法在打开页面时计算; 请运行 "
                 "`crossplay paths --to {to} --scope {code} --days {days}`, 页面将显示其结果。"},
    "web.behaviour.note.no_paths": {"en": "No path reaches {target} yet.",
                                    "zh-CN": "还没有通往{target}的路径。"},
    "web.behaviour.note.no_churn": {
        "en": "No churn model for {scope} yet: run `crossplay churn fit --scope {code}`.",
        "zh-CN": "{scope}还没有流失模型: 请运行 `crossplay churn fit --scope {code}`。"},
    "web.behaviour.note.churn": {
        "en": "From the last `crossplay churn fit --scope {code}` (churn = no activity for "
              "{days} days; fitted {at}); the filters do not apply.",
        "zh-CN": "来自最近一次 `crossplay churn fit --scope {code}` (流失 = 连续 {days} 天无活动; "
                 "拟合于 {at}); 筛选不适用。"},
    "web.behaviour.note.km": {
        "en": "{scope}: time from each person's first event to their last, counted as churn "
              "when they have been inactive for {days} days at the end of the data (else "
              "still active, censored). Groups under 5 people are not drawn; the date and "
              "platform filters do not apply.",
        "zh-CN": "{scope}: 从每人的第一次到最后一次行为的时长; 数据结束时已连续 {days} 天无活动记为"
                 "流失 (否则视为仍活跃, 截尾)。少于 5 人的分组不绘制; 日期与平台筛选不适用。"},
    "web.behaviour.note.no_segments": {
        "en": "No segments for {scope} yet (`crossplay segments fit --scope {code}`): one curve "
              "for everyone.",
        "zh-CN": "{scope}还没有分群 (`crossplay segments fit --scope {code}`): 只画全部人群"
                 "一条曲线。"},
    "web.behaviour.note.segment_unfitted": {
        "en": "The segment filter needs segments for {scope}: run `crossplay segments fit "
              "--scope {code}`.",
        "zh-CN": "分群筛选需要{scope}的分群: 请运行 `crossplay segments fit --scope {code}`。"},
    "web.behaviour.note.km_empty": {"en": "No group of at least 5 people to draw.",
                                    "zh-CN": "没有至少 5 人的分组可绘制。"},
    "web.behaviour.empty": {"en": "The lake has no events yet: run `crossplay demo`, or "
                                  "`crossplay ingest` both partners' exports.",
                            "zh-CN": "数据湖中还没有行为事件: 请运行 `crossplay demo`, 或用 "
                                     "`crossplay ingest` 导入双方的导出数据。"},
    "web.behaviour.everyone": {"en": "everyone", "zh-CN": "全部"},
    # errors
    "web.behaviour.err.dates": {"en": "The start must come before the end.",
                                "zh-CN": "开始日期必须早于结束日期。"},
    "web.behaviour.err.int": {"en": "{name} must be a whole number from {low} to {high} "
                                    "(got {value!r}).",
                              "zh-CN": "{name} 须为 {low} 到 {high} 之间的整数 (收到 {value!r})。"},
    "web.behaviour.err.cohort": {"en": "cohort must be day, week or month (got {value!r}).",
                                 "zh-CN": "cohort 须为 day、week 或 month (收到 {value!r})。"},
    "web.behaviour.err.platform": {"en": "Unknown platform {value!r}: use knowledge, game or "
                                         "stream.",
                                   "zh-CN": "未知平台 {value!r}: 请使用 knowledge、game 或 "
                                            "stream。"},
    "web.behaviour.err.platform_partner": {
        "en": "The platform {platform} does not belong to the partner {partner}.",
        "zh-CN": "平台 {platform} 不属于合作方 {partner}。"},
    "web.behaviour.err.other_partner": {
        "en": "You may see only your own partner's platforms, and cross-partner funnels.",
        "zh-CN": "您只能查看本合作方的平台, 以及跨合作方的漏斗。"},
    "web.behaviour.err.segment": {"en": "segment must be a segment number (got {value!r}).",
                                  "zh-CN": "segment 须为分群编号 (收到 {value!r})。"},
    "web.behaviour.err.no_segment": {"en": "There is no segment {value} in {scope} (segments: "
                                           "{known}).",
                                     "zh-CN": "{scope}中没有分群 {value} (现有分群: {known})。"},
}
add_messages(MESSAGES)
add_messages(_MEASURE)
add_messages(_MEASURE_ERRORS)
add_messages(_MINING)
add_messages(_MINING_ERRORS)
