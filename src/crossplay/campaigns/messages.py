"""CLI messages of campaigns (en / zh-CN) and personalised campaign messages to persons."""

from __future__ import annotations

import string
from dataclasses import dataclass

from crossplay.campaigns.document import Campaign
from crossplay.core.types import Lang

CATALOG: dict[str, dict[Lang, str]] = {
    "campaign.valid": {"en": "{path}: campaign {id} version {version} is valid "
                             "({rules} rules, {rewards} rewards, budget {budget:,} {cur})",
                       "zh-CN": "{path}: 活动 {id} 第 {version} 版校验通过"
                                "({rules} 条规则, {rewards} 个奖品, 预算 {budget:,} {cur})"},
    "campaign.apply_title": {"en": "Applied {id}", "zh-CN": "已执行活动 {id}"},
    "campaign.status_title": {"en": "Campaign {id} v{version}: {status}",
                              "zh-CN": "活动 {id} 第 {version} 版: {status}"},
    "campaign.paused": {"en": "Campaign {id} is paused: no awards until resumed.",
                        "zh-CN": "活动 {id} 已暂停: 恢复前不再发放积分。"},
    "campaign.resumed": {"en": "Campaign {id} is active again.",
                         "zh-CN": "活动 {id} 已恢复。"},
    "campaign.persons": {"en": "eligible persons", "zh-CN": "符合条件的用户"},
    "campaign.awarded_persons": {"en": "persons awarded", "zh-CN": "获奖用户"},
    "campaign.events": {"en": "events read", "zh-CN": "读取事件"},
    "campaign.issued": {"en": "points issued", "zh-CN": "发放积分"},
    "campaign.reversed": {"en": "points clawed back", "zh-CN": "追回积分"},
    "campaign.redeemed": {"en": "points redeemed", "zh-CN": "已兑换积分"},
    "campaign.cost": {"en": "cost (yuan)", "zh-CN": "成本(元)"},
    "campaign.budget_left": {"en": "budget left", "zh-CN": "剩余预算"},
    "campaign.new": {"en": "new awards", "zh-CN": "新发放"},
    "campaign.already": {"en": "already awarded (skipped)", "zh-CN": "已发放(跳过)"},
    "campaign.refused": {"en": "refused: {why}", "zh-CN": "被拒绝: {why}"},
    # why a ledger request was refused (LedgerError.reason; en: the reason as stored)
    "campaign.reason.budget": {"en": "budget", "zh-CN": "预算不足"},
    "campaign.reason.daily_cap": {"en": "daily_cap", "zh-CN": "已达每日上限"},
    "campaign.reason.person_velocity": {"en": "person_velocity",
                                        "zh-CN": "超出每人每小时次数限制"},
    "campaign.reason.device_velocity": {"en": "device_velocity",
                                        "zh-CN": "超出每台设备每日次数限制"},
    "campaign.reason.idempotency_conflict": {"en": "idempotency_conflict",
                                             "zh-CN": "幂等键冲突"},
    "campaign.reason.ledger_error": {"en": "ledger_error", "zh-CN": "账本拒绝"},
    "campaign.reason.insufficient_funds": {"en": "insufficient_funds", "zh-CN": "余额不足"},
    "campaign.reason.out_of_stock": {"en": "out_of_stock", "zh-CN": "库存不足"},
    # a campaign's status (en: as stored)
    "campaign.state.active": {"en": "active", "zh-CN": "进行中"},
    "campaign.state.paused": {"en": "paused", "zh-CN": "已暂停"},
    "campaign.state.budget_exhausted": {"en": "budget_exhausted", "zh-CN": "预算已用尽"},
    "campaign.late": {"en": "late events rejected", "zh-CN": "迟到事件(已拒绝)"},
    "campaign.exhausted": {"en": "The budget is exhausted: awarding stopped "
                                 "(status budget_exhausted). Raise `budget` in a new version.",
                           "zh-CN": "预算已用尽: 已停止发放(状态 budget_exhausted)。"
                                    "请在新版本中提高 budget。"},
    "campaign.col_day": {"en": "day", "zh-CN": "日期"},
    "campaign.col_points": {"en": "points", "zh-CN": "积分"},
    "campaign.col_left": {"en": "budget left", "zh-CN": "剩余预算"},
    "campaign.col_reward": {"en": "reward", "zh-CN": "奖品"},
    "campaign.col_partner": {"en": "partner", "zh-CN": "合作方"},
    "campaign.col_cost": {"en": "cost", "zh-CN": "所需积分"},
    "campaign.col_stock": {"en": "stock", "zh-CN": "库存"},
    "campaign.col_reserved": {"en": "reserved", "zh-CN": "已预留"},
    "campaign.col_redeemed": {"en": "redeemed", "zh-CN": "已兑换"},
    "campaign.col_person": {"en": "person", "zh-CN": "用户"},
    "campaign.col_best": {"en": "best streak", "zh-CN": "最长连续"},
    "campaign.col_current": {"en": "current streak", "zh-CN": "当前连续"},
    "campaign.top_streaks": {"en": "Top dual check-in streaks", "zh-CN": "双端连续打卡排行"},
    "campaign.expired": {"en": "Expired {n} lot(s), {points:,} points.",
                         "zh-CN": "已过期 {n} 个批次, 共 {points:,} 积分。"},
    "campaign.message": {"en": "Message to {person}", "zh-CN": "发送给 {person} 的消息"},
    # the answer to a live check-in (crossplay.campaigns.live)
    "campaign.checkin_name": {"en": "Hi", "zh-CN": "你好"},
    "campaign.checkin_earned": {"en": "You earned {points} points: balance {balance}, dual "
                                      "check-in streak {streak} days.",
                                "zh-CN": "本次获得 {points} 积分, 当前余额 {balance}, "
                                         "双端连续打卡 {streak} 天。"},
    "campaign.checkin_refused": {"en": "Checked in; no points this time: {why}.",
                                 "zh-CN": "已打卡; 本次未获得积分: {why}。"},
    "campaign.checkin_nothing_new": {
        "en": "Already checked in on {platform} today: balance {balance}, dual check-in "
              "streak {streak} days.",
        "zh-CN": "今天已在 {platform} 打过卡: 当前余额 {balance}, 双端连续打卡 {streak} 天。"},
    "demo.campaign": {"en": "run the sample \"learn & play\" campaign over the world",
                      "zh-CN": "在模拟数据上运行示例活动「学习玩乐季」"},
    "demo.campaign_note": {
        "en": "Ledger invariants (postings sum to zero, balances = postings, never negative, "
              "stock never oversold, each idempotency key once) are checked by a stateful "
              "property test and 50-thread / multi-process races on SQLite and PostgreSQL; "
              "figures: benchmarks/README.md (ledger).",
        "zh-CN": "账本不变量(每笔分录合计为零、余额等于分录之和、永不为负、库存不超卖、"
                 "幂等键只生效一次)由状态机性质测试与 50 线程/多进程并发测试在 SQLite 和 "
                 "PostgreSQL 上验证; 性能数据见 benchmarks/README.md (ledger)。"},
    "demo.campaign_document": {
        "en": "Campaign document {document} (the sample, its window set to the world's, "
              "{start} to {end}, and its budget to {budget:,} points for the world's size); "
              "try `crossplay campaign simulate` on it",
        "zh-CN": "活动文件 {document}（即示例活动，窗口改为模拟世界的 {start} 至 {end}，预算按"
                 "世界规模设为 {budget:,} 积分）；可对它运行 `crossplay campaign simulate`"},
    "demo.campaign_summary": {
        "en": "Learn & play: {persons:,} eligible persons with activity, {awarded_persons:,} "
              "earned points; {issued:,} points issued, {clawed_back:,} clawed back by "
              "refunds, {redeemed:,} redeemed ({redemptions} rewards); budget left {left:,} of "
              "{budget:,}; ledger invariants hold: {ok}.",
        "zh-CN": "学习玩乐季: {persons:,} 位有活动的合格用户, {awarded_persons:,} 位获得积分; "
                 "发放 {issued:,} 积分, 因退款收回 {clawed_back:,}, 兑换 {redeemed:,} 积分"
                 "({redemptions} 件奖品); 剩余预算 {left:,} / {budget:,}; 账本不变量成立: {ok}。"},
    "demo.campaign_ok": {"en": "yes", "zh-CN": "是"},
    "demo.campaign_broken": {"en": "NO", "zh-CN": "否"},
    "demo.campaign_exhausted": {
        "en": "The budget ran out on {exhausted_on}: later activity earned nothing (raise "
              "`budget:` in the document and apply it again to award the rest).",
        "zh-CN": "预算已于 {exhausted_on} 用完: 之后的行为不再获得积分 (在活动文件中调高 "
                 "`budget:` 后再次 apply 即可继续发放)。"},
}


@dataclass(frozen=True)
class PersonFacts:
    name: str
    balance: int
    points: int
    streak: int
    recommended: list[str]


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(campaign: Campaign, which: str, lang: Lang, facts: PersonFacts) -> str:
    """Fill a campaign template (``earned`` or ``streak``) for one person.

    ``{recommended}`` becomes a short "you may like" line when recommendations are given.
    """
    templates = campaign.messages.earned if which == "earned" else campaign.messages.streak
    if templates is None:
        return ""
    rec = ""
    if facts.recommended:
        joined = ("、" if lang == "zh-CN" else ", ").join(facts.recommended)
        rec = f"猜你喜欢: {joined}" if lang == "zh-CN" else f"You may like: {joined}"
    values = _Defaulting(name=facts.name, balance=str(facts.balance), points=str(facts.points),
                         streak=str(facts.streak), recommended=rec,
                         campaign=campaign.name.get(lang, campaign.id))
    return string.Formatter().vformat(templates[lang], (), values).strip()
