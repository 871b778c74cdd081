"""Texts of the overview page (``web.overview.*``), in English and Simplified Chinese.

The KPI names and the measurement errors come from the measurement catalogs
(``m.kpi.*``, ``m.grain.*``, ``err.roi_*``), registered here too so the page has them
without the CLI.
"""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang
from crossplay.measure.error_messages import ERRORS as MEASURE_ERRORS
from crossplay.measure.messages import MESSAGES as MEASURE_MESSAGES

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.overview": {"en": "Overview", "zh-CN": "概览"},
    "web.overview.empty": {
        "en": "The lake holds no events yet: run `crossplay ingest` (or `crossplay demo`) "
              "first.",
        "zh-CN": "数据湖中还没有事件: 请先运行 `crossplay ingest` (或 `crossplay demo`)。"},
    # sections
    "web.overview.sec.tiles": {"en": "KPIs: {current} vs {previous}",
                               "zh-CN": "核心指标: {current} 对比 {previous}"},
    "web.overview.sec.series": {"en": "KPIs over time ({grain})",
                                "zh-CN": "核心指标趋势 (按{grain})"},
    "web.overview.sec.roi": {"en": "Campaign ROI", "zh-CN": "活动投资回报 (ROI)"},
    "web.overview.period": {"en": "{first} – {last}", "zh-CN": "{first} 至 {last}"},
    # tiles
    "web.overview.tile": {"en": "{kpi} · {name}", "zh-CN": "{kpi} · {name}"},
    "web.overview.change": {"en": "{d:+.2f} pp", "zh-CN": "{d:+.2f} 个百分点"},
    "web.overview.hint.C_k": {
        "en": "{current} vs {previous} (UTC days). {x:,} of {n:,} active knowledge users "
              "paid; 95% CI [{lo:.2%}, {hi:.2%}]. Previous period: {prev}.",
        "zh-CN": "{current} 对比 {previous} (UTC 日)。{n:,} 名知识平台活跃用户中 {x:,} 人付费; "
                 "95% 置信区间 [{lo:.2%}, {hi:.2%}]。上一周期: {prev}。"},
    "web.overview.hint.R": {
        "en": "People whose day 7 fell in {current} vs {previous} (local days). {x:,} of "
              "{n:,} came back on day 7; 95% CI [{lo:.2%}, {hi:.2%}]. Previous period: {prev}.",
        "zh-CN": "第 7 日落在 {current} 的用户, 对比 {previous} (本地日期)。{n:,} 人中 {x:,} "
                 "人第 7 日回访; 95% 置信区间 [{lo:.2%}, {hi:.2%}]。上一周期: {prev}。"},
    "web.overview.hint.I": {
        "en": "Geometric mean of C_k, R_k and R_g for {current} vs {previous}; 95% CI "
              "[{lo:.2%}, {hi:.2%}] (delta method). Previous period: {prev}.",
        "zh-CN": "{current} 的 C_k、R_k、R_g 几何平均, 对比 {previous}; 95% 置信区间 "
                 "[{lo:.2%}, {hi:.2%}] (delta 方法)。上一周期: {prev}。"},
    "web.overview.hint.none": {
        "en": "No data for {current} (compared with {previous}).",
        "zh-CN": "{current} 没有数据 (对比 {previous})。"},
    "web.overview.hint.no_ci": {"en": "–", "zh-CN": "–"},
    # notes
    "web.overview.note.default_period": {
        "en": "Tiles: the last 7 days of the data ({current}) against the 7 days before "
              "({previous}). Set a date range to compare it with the period of the same "
              "length before it.",
        "zh-CN": "指标卡: 数据最后 7 天 ({current}) 对比之前 7 天 ({previous})。设置日期范围后, "
                 "对比的是该范围与其之前等长的周期。"},
    "web.overview.note.range_period": {
        "en": "Tiles: the date range ({current}) against the period of the same length "
              "before it ({previous}).",
        "zh-CN": "指标卡: 所选日期范围 ({current}) 对比其之前等长的周期 ({previous})。"},
    "web.overview.note.partner": {
        "en": "The partner filter picks that partner's KPIs: C_k and R_k are the knowledge "
              "platform's, R_g the game platform's. The interaction index I combines both "
              "partners and shows only without a partner filter; ROI shows the campaigns "
              "of the partner's experiments.",
        "zh-CN": "合作方筛选只显示该合作方的指标: C_k 和 R_k 属于知识平台, R_g 属于游戏平台。"
                 "互动指数 I 结合双方数据, 仅在未筛选合作方时显示; ROI 只显示该合作方实验对应"
                 "的活动。"},
    "web.overview.note.days": {
        "en": "C_k counts UTC days, as `crossplay kpi --start --end`. R_k and R_g count local "
              "days ({tz}): the D7 retention of the day cohorts of `crossplay retention "
              "--cohort day --days 7` (cohorts under {k} people left out), summed over the "
              "people whose day 7 falls in each period, so the latest period has a value.",
        "zh-CN": "C_k 按 UTC 日计算, 与 `crossplay kpi --start --end` 相同。R_k 和 R_g 按本地"
                 "日期 ({tz}) 计算: 取 `crossplay retention --cohort day --days 7` 的按日同期"
                 "群 7 日留存 (不足 {k} 人的同期群不计), 按第 7 日所在周期汇总, 因此最近的周期"
                 "也有数值。"},
    "web.overview.note.grain": {
        "en": "One point per {grain}{weeks}. Add ?grain=day or ?grain=week to the address "
              "to choose.",
        "zh-CN": "每{grain}一个点{weeks}。在地址后加 ?grain=day 或 ?grain=week 可切换。"},
    "web.overview.note.weeks": {
        "en": " (7-day weeks counted back from the last day; the first may be shorter)",
        "zh-CN": " (从最后一天往前每 7 天为一周; 第一周可能不足 7 天)"},
    "web.overview.note.clipped": {
        "en": "The data span more than {n} {grain}s: the chart shows the last {n}; set a "
              "date range to see others.",
        "zh-CN": "数据超过 {n} 个{grain}: 图表只显示最后 {n} 个; 设置日期范围可查看其他时段。"},
    # tables
    "web.overview.tbl.kpis": {"en": "KPIs by period", "zh-CN": "各周期核心指标"},
    "web.overview.tbl.series": {"en": "KPIs over time", "zh-CN": "核心指标趋势"},
    "web.overview.tbl.roi": {"en": "ROI per campaign", "zh-CN": "各活动 ROI"},
    "web.overview.col.kpi": {"en": "KPI", "zh-CN": "指标"},
    "web.overview.col.definition": {"en": "definition", "zh-CN": "定义"},
    "web.overview.col.period": {"en": "period", "zh-CN": "周期"},
    "web.overview.col.first": {"en": "first day", "zh-CN": "首日"},
    "web.overview.col.last": {"en": "last day", "zh-CN": "末日"},
    "web.overview.col.value": {"en": "value", "zh-CN": "数值"},
    "web.overview.col.ci_low": {"en": "95% CI low", "zh-CN": "95% 置信下限"},
    "web.overview.col.ci_high": {"en": "95% CI high", "zh-CN": "95% 置信上限"},
    "web.overview.col.numerator": {"en": "numerator", "zh-CN": "分子"},
    "web.overview.col.denominator": {"en": "denominator", "zh-CN": "分母"},
    "web.overview.col.prev_period": {"en": "previous period", "zh-CN": "上一周期"},
    "web.overview.col.prev_value": {"en": "previous value", "zh-CN": "上一周期数值"},
    "web.overview.col.change_pp": {"en": "change (pp)", "zh-CN": "变化 (百分点)"},
    "web.overview.col.campaign": {"en": "campaign", "zh-CN": "活动"},
    "web.overview.col.name": {"en": "name", "zh-CN": "名称"},
    "web.overview.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "web.overview.col.treated": {"en": "treated", "zh-CN": "实验组人数"},
    "web.overview.col.holdout": {"en": "holdout", "zh-CN": "对照组人数"},
    "web.overview.col.rev_treated": {"en": "revenue per treated (yuan)",
                                     "zh-CN": "实验组人均收入 (元)"},
    "web.overview.col.rev_holdout": {"en": "revenue per holdout (yuan)",
                                     "zh-CN": "对照组人均收入 (元)"},
    "web.overview.col.incremental": {"en": "incremental revenue (yuan)",
                                     "zh-CN": "增量收入 (元)"},
    "web.overview.col.inc_low": {"en": "incremental 95% CI low", "zh-CN": "增量收入 95% 下限"},
    "web.overview.col.inc_high": {"en": "incremental 95% CI high", "zh-CN": "增量收入 95% 上限"},
    "web.overview.col.cost": {"en": "cost (yuan)", "zh-CN": "成本 (元)"},
    "web.overview.col.cost_source": {"en": "cost from", "zh-CN": "成本来源"},
    "web.overview.col.roi": {"en": "ROI", "zh-CN": "ROI"},
    "web.overview.col.roi_low": {"en": "ROI 95% CI low", "zh-CN": "ROI 95% 下限"},
    "web.overview.col.roi_high": {"en": "ROI 95% CI high", "zh-CN": "ROI 95% 上限"},
    "web.overview.col.significant": {"en": "significant", "zh-CN": "显著"},
    "web.overview.col.note": {"en": "note", "zh-CN": "备注"},
    "web.overview.cost.ledger": {"en": "campaigns ledger", "zh-CN": "活动账本"},
    "web.overview.cost.given": {"en": "given", "zh-CN": "手动给出"},
    # charts
    "web.overview.chart.title": {"en": "{kpi} · {name}", "zh-CN": "{kpi} · {name}"},
    "web.overview.axis.day": {"en": "day", "zh-CN": "日期"},
    "web.overview.axis.week": {"en": "week (first day)", "zh-CN": "周 (首日)"},
    "web.overview.axis.share": {"en": "share", "zh-CN": "比例"},
    "web.overview.axis.index": {"en": "index", "zh-CN": "指数"},
    "web.overview.legend.value": {"en": "value", "zh-CN": "数值"},
    "web.overview.legend.ci": {"en": "95% interval", "zh-CN": "95% 置信区间"},
    # ROI
    "web.overview.roi.tile": {"en": "ROI · {campaign}", "zh-CN": "ROI · {campaign}"},
    "web.overview.roi.hint": {
        "en": "Over the experiment's window against its holdout: incremental revenue "
              "{inc:,.2f} yuan [{lo:,.2f}, {hi:,.2f}] ({nt} treated vs {nh} holdout) for a "
              "cost of {cost:,.2f} yuan ({source}); ROI 95% CI [{rlo:.2f}, {rhi:.2f}]. Not "
              "compared with a previous period.",
        "zh-CN": "实验窗口内对比对照组: 增量收入 {inc:,.2f} 元 [{lo:,.2f}, {hi:,.2f}] (实验组 "
                 "{nt} 人, 对照组 {nh} 人), 成本 {cost:,.2f} 元 ({source}); ROI 95% 置信区间 "
                 "[{rlo:.2f}, {rhi:.2f}]。不与上一周期比较。"},
    "web.overview.roi.hint_no_cost": {
        "en": "Incremental revenue {inc:,.2f} yuan [{lo:,.2f}, {hi:,.2f}] against the holdout, "
              "but no cost: give one in the form below (or `crossplay kpi --campaign "
              "{campaign} --cost YUAN`).",
        "zh-CN": "相对对照组的增量收入 {inc:,.2f} 元 [{lo:,.2f}, {hi:,.2f}], 但没有成本: 请在"
                 "下方表单中给出 (或运行 `crossplay kpi --campaign {campaign} --cost 金额`)。"},
    "web.overview.roi.small": {
        "en": "The campaign's treated or holdout group is smaller than {k} people: its "
              "figures are not shown to a partner's staff.",
        "zh-CN": "该活动的实验组或对照组不足 {k} 人: 不向合作方人员显示其数据。"},
    "web.overview.roi.none": {
        "en": "No campaign has an experiment with a holdout and a revenue metric yet: add "
              "one with `crossplay experiment add FILE` (docs/kpis.md).",
        "zh-CN": "还没有带对照组和收入指标的活动实验: 请用 `crossplay experiment add FILE` "
                 "添加 (见 docs/kpis.md)。"},
    "web.overview.roi.form": {"en": "ROI with a cost you give", "zh-CN": "按指定成本计算 ROI"},
    "web.overview.roi.field.campaign": {"en": "campaign", "zh-CN": "活动"},
    "web.overview.roi.field.cost": {"en": "cost (yuan)", "zh-CN": "成本 (元)"},
    "web.overview.roi.submit": {"en": "Compute ROI", "zh-CN": "计算 ROI"},
    # bad input
    "web.overview.err.range": {
        "en": "the start ({start}) must be before the end ({end}; the day after the last)",
        "zh-CN": "开始日期 ({start}) 必须早于结束日期 ({end}; 即最后一天的次日)"},
    "web.overview.err.grain": {"en": "grain {grain!r}: use day or week",
                               "zh-CN": "粒度 {grain!r}: 请使用 day 或 week"},
    "web.overview.err.points": {
        "en": "{days} days at one point per {grain} are more than {n} points: choose "
              "?grain=week or a shorter date range",
        "zh-CN": "{days} 天按每{grain}一个点超过 {n} 个点: 请选择 ?grain=week 或缩短日期范围"},
    "web.overview.err.cost": {"en": "cost {cost!r}: give a positive amount in yuan",
                              "zh-CN": "成本 {cost!r}: 请给出正的金额 (元)"},
    "web.overview.err.cost_campaign": {"en": "a cost needs a campaign (?campaign=ID&cost=YUAN)",
                                       "zh-CN": "给出成本时须指定活动 (?campaign=ID&cost=金额)"},
    "web.overview.err.cost_role": {
        "en": "computing ROI with a cost you give takes the marketer role",
        "zh-CN": "按指定成本计算 ROI 需要营销人员 (marketer) 角色"},
    "web.overview.err.campaign": {
        "en": "no campaign {campaign!r} with a holdout and a revenue metric here (known: "
              "{known})",
        "zh-CN": "此处没有带对照组和收入指标的活动 {campaign!r} (已知: {known})"},
    "web.overview.err.partner": {"en": "you may see partner {partner}'s data only",
                                 "zh-CN": "您只能查看合作方 {partner} 的数据"},
}

add_messages(MEASURE_MESSAGES)
add_messages(MEASURE_ERRORS)
add_messages(MESSAGES)
