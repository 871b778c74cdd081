"""Texts of the campaigns page (``web.campaigns.*``), in English and Simplified Chinese.

Labels the campaign commands already have (``campaign.*``: points issued, budget left,
reward, stock, statuses) come from :mod:`crossplay.campaigns.messages`; errors of the
campaign and measurement services (``err.*``) from their own catalogs, added here so the
page can word them in both languages whichever command ran first.
"""

from __future__ import annotations

from crossplay.campaigns.error_messages import ERRORS as CAMPAIGN_ERRORS
from crossplay.campaigns.messages import CATALOG
from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang
from crossplay.measure.error_messages import ERRORS as MEASURE_ERRORS
from crossplay.measure.messages import MESSAGES as MEASURE_MESSAGES
from crossplay.web import messages as _frame  # noqa: F401  (web.partner.*, web.role.*)

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.campaigns": {"en": "Campaigns", "zh-CN": "联合活动"},
    "web.campaigns.empty": {
        "en": "No campaign on the ledger yet: run `crossplay campaign apply FILE` (or "
              "`crossplay demo`).",
        "zh-CN": "账本中还没有活动: 请运行 `crossplay campaign apply FILE` (或 "
                 "`crossplay demo`)。"},
    "web.campaigns.list": {"en": "Campaigns", "zh-CN": "活动列表"},
    "web.campaigns.none_in_period": {
        "en": "No campaign ran in the chosen period.",
        "zh-CN": "所选时间段内没有进行中的活动。"},
    "web.campaigns.detail": {"en": "{name} ({id}), version {version}",
                             "zh-CN": "{name} ({id}), 第 {version} 版"},
    "web.campaigns.window": {"en": "Runs {start} to {end} ({zone}); one point costs "
                                   "{value} yuan.",
                             "zh-CN": "活动时间 {start} 至 {end} ({zone}); "
                                      "每积分成本 {value} 元。"},
    "web.campaigns.col.id": {"en": "campaign", "zh-CN": "活动"},
    "web.campaigns.col.name": {"en": "name", "zh-CN": "名称"},
    "web.campaigns.col.status": {"en": "status", "zh-CN": "状态"},
    "web.campaigns.col.version": {"en": "version", "zh-CN": "版本"},
    "web.campaigns.col.start": {"en": "start", "zh-CN": "开始"},
    "web.campaigns.col.end": {"en": "end (last day)", "zh-CN": "结束 (最后一天)"},
    "web.campaigns.col.budget": {"en": "budget", "zh-CN": "预算"},
    "web.campaigns.col.expired": {"en": "points expired", "zh-CN": "过期积分"},
    "web.campaigns.col.issued_persons": {"en": "people awarded", "zh-CN": "获得积分人数"},
    "web.campaigns.col.redeemed_persons": {"en": "people redeeming",
                                           "zh-CN": "兑换人数"},
    "web.campaigns.col.expired_persons": {"en": "people with points expired",
                                          "zh-CN": "积分过期人数"},
    "web.campaigns.col.title": {"en": "title", "zh-CN": "奖品名称"},
    "web.campaigns.col.persons": {"en": "people", "zh-CN": "人数"},
    "web.campaigns.col.currency": {"en": "currency", "zh-CN": "币种"},
    "web.campaigns.tile.status": {"en": "status", "zh-CN": "状态"},
    "web.campaigns.tile.budget_left": {"en": "budget left", "zh-CN": "剩余预算"},
    "web.campaigns.tile.budget_of": {"en": "of {budget:,} points", "zh-CN": "共 {budget:,} 积分"},
    "web.campaigns.flows": {"en": "Points over time", "zh-CN": "积分随时间变化"},
    "web.campaigns.flows_table": {"en": "Points by day", "zh-CN": "每日积分"},
    "web.campaigns.flows_chart": {"en": "Points issued, redeemed and expired by day",
                                  "zh-CN": "每日发放、兑换与过期积分"},
    "web.campaigns.axis.day": {"en": "day (campaign time zone)", "zh-CN": "日期 (活动时区)"},
    "web.campaigns.axis.points": {"en": "points", "zh-CN": "积分"},
    "web.campaigns.no_flows": {"en": "No points moved in the chosen period.",
                               "zh-CN": "所选时间段内没有积分变动。"},
    "web.campaigns.burn": {"en": "Budget burn-down", "zh-CN": "预算消耗"},
    "web.campaigns.burn_chart": {"en": "Budget left at the end of each day",
                                 "zh-CN": "每日结束时的剩余预算"},
    "web.campaigns.funded": {"en": "funded", "zh-CN": "已注资"},
    "web.campaigns.streaks": {"en": "Dual check-in streaks", "zh-CN": "双端连续打卡"},
    "web.campaigns.streaks_chart": {"en": "People by best dual check-in streak",
                                    "zh-CN": "按最长双端连续打卡天数统计的人数"},
    "web.campaigns.streaks_table": {"en": "Best streaks", "zh-CN": "最长连续打卡"},
    "web.campaigns.axis.streak": {"en": "best streak (days)", "zh-CN": "最长连续天数"},
    "web.campaigns.axis.persons": {"en": "people", "zh-CN": "人数"},
    "web.campaigns.milestone": {"en": "bonus at", "zh-CN": "奖励"},
    "web.campaigns.no_checkins": {"en": "This campaign has no check-ins.",
                                  "zh-CN": "此活动不含打卡。"},
    "web.campaigns.no_streaks": {"en": "Nobody has checked in on both platforms yet.",
                                 "zh-CN": "还没有人在两个平台都打过卡。"},
    "web.campaigns.rewards": {"en": "Rewards and stock", "zh-CN": "奖品与库存"},
    "web.campaigns.stock_chart": {"en": "Units per reward", "zh-CN": "各奖品数量"},
    "web.campaigns.axis.reward": {"en": "reward", "zh-CN": "奖品"},
    "web.campaigns.axis.units": {"en": "units", "zh-CN": "件数"},
    "web.campaigns.no_rewards": {"en": "This campaign offers no rewards.",
                                 "zh-CN": "此活动没有奖品。"},
    "web.campaigns.roi": {"en": "Return on investment", "zh-CN": "投资回报"},
    "web.campaigns.roi_value": {"en": "ROI [95% CI]", "zh-CN": "投资回报率 [95% 置信区间]"},
    "web.campaigns.roi_incremental": {"en": "incremental revenue (yuan)",
                                      "zh-CN": "增量收入 (元)"},
    "web.campaigns.roi_cost": {"en": "cost (yuan, {source})", "zh-CN": "成本 (元, {source})"},
    "web.campaigns.roi_source.ledger": {"en": "from the ledger", "zh-CN": "来自账本"},
    "web.campaigns.roi_source.--cost": {"en": "given", "zh-CN": "手动指定"},
    "web.campaigns.roi_groups": {"en": "treated / holdout", "zh-CN": "实验组 / 对照组"},
    "web.campaigns.roi_missing": {
        "en": "No ROI for this campaign: {why}. ROI needs an experiment with the campaign's "
              "id, a holdout and a revenue metric (`crossplay experiment add`); then "
              "`crossplay kpi --campaign {id}` gives the same figure.",
        "zh-CN": "此活动暂无投资回报: {why}。计算投资回报需要一个与活动同名、含对照组和收入指标的"
                 "实验 (`crossplay experiment add`); 之后 `crossplay kpi --campaign {id}` "
                 "给出相同的数字。"},
    "web.campaigns.suppressed": {
        "en": "Figures about fewer than {k} people are hidden (–) for a partner account.",
        "zh-CN": "合作方账号看不到少于 {k} 人的数字 (显示为 –)。"},
    "web.campaigns.totals_hidden": {
        "en": "Fewer than {k} people earned points in this campaign: its point totals are "
              "hidden for a partner account.",
        "zh-CN": "此活动获得积分的人少于 {k} 人: 合作方账号看不到积分总数。"},
    # actions
    "web.campaigns.actions": {"en": "Actions", "zh-CN": "操作"},
    "web.campaigns.pause": {"en": "Pause {id}: stop awarding until resumed",
                            "zh-CN": "暂停 {id}: 恢复前不再发放积分"},
    "web.campaigns.pause_submit": {"en": "Pause", "zh-CN": "暂停"},
    "web.campaigns.resume": {"en": "Resume {id}: award again", "zh-CN": "恢复 {id}: 继续发放积分"},
    "web.campaigns.resume_submit": {"en": "Resume", "zh-CN": "恢复"},
    "web.campaigns.bad_id": {"en": "campaign: give a campaign id (letters, digits, _ . -; at "
                                   "most 64).",
                             "zh-CN": "campaign: 请给出活动 ID (字母、数字、_ . -, "
                                      "最多 64 个字符)。"},
    "web.campaigns.unknown": {"en": "There is no campaign {id!r} on the ledger.",
                              "zh-CN": "账本中没有活动 {id!r}。"},
    "web.campaigns.already_paused": {
        "en": "Campaign {id} is already paused: resume it instead.",
        "zh-CN": "活动 {id} 已经暂停: 如需继续, 请恢复它。"},
    "web.campaigns.not_paused": {
        "en": "Campaign {id} is not paused (it is {status}): there is nothing to resume.",
        "zh-CN": "活动 {id} 未暂停 (当前为{status}): 无需恢复。"},
    "web.campaigns.resume_exhausted": {
        "en": "Campaign {id} will not award anything: its budget is exhausted ({left:,} of "
              "{budget:,} points left), so it stays budget_exhausted. Raise `budget:` in a "
              "new version of the document and apply it to award again.",
        "zh-CN": "活动 {id} 不会再发放任何积分: 预算已用尽 (剩余 {left:,} / {budget:,} 积分), "
                 "状态保持 budget_exhausted。请在新版本的活动文件中调高 `budget:` 并执行 apply "
                 "以继续发放。"},
    "web.campaigns.resume_short": {
        "en": "Campaign {id} is active again, but its budget ran short: {left:,} of "
              "{budget:,} points left, so larger awards will be refused. Raise `budget:` in "
              "a new version to award the rest.",
        "zh-CN": "活动 {id} 已恢复, 但预算不足: 剩余 {left:,} / {budget:,} 积分, 超出部分的发放将"
                 "被拒绝。请在新版本中调高 `budget:` 以发放其余积分。"},
}

add_messages(CATALOG)
add_messages(CAMPAIGN_ERRORS)
add_messages(MEASURE_MESSAGES)
add_messages(MEASURE_ERRORS)
add_messages(MESSAGES)
