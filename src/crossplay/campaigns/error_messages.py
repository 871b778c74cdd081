"""The campaign and ledger errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; ``crossplay
campaign`` registers this catalog and prints the zh-CN text from the error's params.
Ids, keys, currencies and statuses are data and stay as stored.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # reading a document (crossplay.campaigns.document, .demo)
    "err.campaign_invalid": {
        "en": "invalid campaign document:\n  {problems}",
        "zh-CN": "活动文件无效({n} 处问题):\n  {problems_zh}"},
    "err.campaign_document_missing": {
        "en": "campaign document {path} does not exist",
        "zh-CN": "活动文件 {path} 不存在"},
    "err.campaign_document_unreadable": {
        "en": "cannot read campaign document {path}: {detail}",
        "zh-CN": "无法读取活动文件 {path}: {detail}"},
    "err.campaign_document_not_yaml": {
        "en": "{path}: not valid YAML: {detail}",
        "zh-CN": "{path}: 不是有效的 YAML: {detail}"},
    "err.campaign_document_not_mapping": {
        "en": "{path}: a campaign document must be a YAML mapping of keys to values",
        "zh-CN": "{path}: 活动文件必须是键值映射形式的 YAML"},
    "err.campaign_no_exchange": {
        "en": "campaign {id} has no exchange from {src} to {dst}",
        "zh-CN": "活动 {id} 没有从 {src} 兑换为 {dst} 的汇率"},
    "err.campaign_sample_lines": {
        "en": "{path}: expected one start:, end: and budget: line",
        "zh-CN": "{path}: start:、end: 和 budget: 应各有一行"},
    # apply, pause, resume, status (crossplay.campaigns.engine)
    "err.campaign_unknown": {
        "en": "no campaign {id!r}: run `crossplay campaign apply` first",
        "zh-CN": "没有活动 {id!r}: 请先运行 `crossplay campaign apply`"},
    "err.campaign_older_version": {
        "en": "campaign {id} is at version {stored}; this document is version {version}",
        "zh-CN": "活动 {id} 已是第 {stored} 版; 此活动文件是第 {version} 版"},
    "err.campaign_paused": {
        "en": "campaign {id} is paused: `crossplay campaign resume {id}` to award again",
        "zh-CN": "活动 {id} 已暂停: 运行 `crossplay campaign resume {id}` 后才会继续发放积分"},
    "err.campaign_audience_missing": {
        "en": "audience file {path} does not exist",
        "zh-CN": "目标人群文件 {path} 不存在"},
    "err.campaign_live_not_eligible": {
        "en": "{n} live event(s) of persons who are not eligible (linked, marketing consent "
              "on both sides)",
        "zh-CN": "有 {n} 个实时事件来自不符合条件的用户 (须已关联, 且双方平台都同意营销)"},
    "err.rotation_busy": {
        "en": "a key rotation of {partner} has not finished: run `crossplay keys rotate "
              "--partner {partner}` to complete it, then apply again",
        "zh-CN": "{partner} 的密钥轮换尚未完成: 请运行 `crossplay keys rotate --partner "
                 "{partner}` 完成轮换, 然后再次执行 apply"},
    "err.daily_cap": {
        "en": "daily_cap: award {key} refused (the person's daily cap is reached)",
        "zh-CN": "daily_cap: 发放 {key} 被拒绝 (该用户当日积分已达上限)"},
    "err.person_velocity": {
        "en": "person_velocity: award {key} refused (the person's awards per hour are at the "
              "limit)",
        "zh-CN": "person_velocity: 发放 {key} 被拒绝 (该用户每小时获得积分的次数已达上限)"},
    "err.device_velocity": {
        "en": "device_velocity: award {key} refused (the device's awards per day are at the "
              "limit)",
        "zh-CN": "device_velocity: 发放 {key} 被拒绝 (该设备当日获得积分的次数已达上限)"},
    # the points ledger (crossplay.campaigns.ledger, .postings, .budget)
    "err.campaign_ledger_retries": {
        "en": "the request could not settle; try again",
        "zh-CN": "请求未能完成结算; 请重试"},
    "err.campaign_ledger_busy": {
        "en": "the database stayed busy; try again",
        "zh-CN": "数据库持续繁忙; 请重试"},
    "err.idempotency_conflict": {
        "en": "idempotency key {key!r} was used for a different request",
        "zh-CN": "幂等键 {key!r} 已用于另一个不同的请求"},
    "err.campaign_amount": {
        "en": "amount must be a positive integer, got {amount!r}",
        "zh-CN": "数量须为正整数, 收到 {amount!r}"},
    "err.campaign_exchange_same_currency": {
        "en": "exchange needs two different currencies",
        "zh-CN": "兑换需要两种不同的积分币种"},
    "err.campaign_exchange_rate": {
        "en": "exchange rate must be > 0 and fee rate in [0, 1)",
        "zh-CN": "兑换汇率须大于 0, 手续费率须在 [0, 1) 之间"},
    "err.campaign_exchange_nothing": {
        "en": "{amount} {currency} buys nothing at rate {rate}",
        "zh-CN": "按汇率 {rate}, {amount} {currency} 兑换不到任何积分"},
    "err.campaign_nothing_to_reverse": {
        "en": "no transaction with key {key!r} to reverse",
        "zh-CN": "没有键为 {key!r} 的交易可以冲正"},
    "err.campaign_not_an_earning": {
        "en": "transaction {key!r} is not an earning",
        "zh-CN": "交易 {key!r} 不是积分获得"},
    "err.campaign_reverse_kind": {
        "en": "only earnings can be reversed, not {kind}",
        "zh-CN": "只有积分获得可以冲正, {kind} 不可以"},
    "err.campaign_reverse_owner": {
        "en": "transaction {key!r} is not {person}'s {currency}",
        "zh-CN": "交易 {key!r} 不属于 {person} 的 {currency}"},
    "err.campaign_already_reversed": {
        "en": "that transaction was already reversed",
        "zh-CN": "该交易已经冲正过"},
    "err.campaign_unbalanced": {
        "en": "postings do not sum to zero: {unbalanced}",
        "zh-CN": "分录合计不为零: {unbalanced}"},
    "err.insufficient_funds": {
        "en": "balance {balance} of {currency} is less than {amount}",
        "zh-CN": "{currency} 余额 {balance} 少于 {amount}"},
    "err.campaign_account_short": {
        "en": "{holder} has less than {amount} {currency} left",
        "zh-CN": "{holder} 剩余的 {currency} 不足 {amount}"},
    "err.campaign_lots_short": {
        "en": "lots of account {account} hold {held}, less than {amount}",
        "zh-CN": "账户 {account} 的积分批次共有 {held}, 少于 {amount}"},
    "err.campaign_budget_short": {
        "en": "the budget of {campaign} has less than {amount} {currency} left",
        "zh-CN": "活动 {campaign} 的剩余预算不足 {amount} {currency}"},
    # rewards (crossplay.campaigns.redemption)
    "err.campaign_unknown_reward": {
        "en": "campaign {campaign!r} has no reward {reward!r}",
        "zh-CN": "活动 {campaign!r} 没有奖品 {reward!r}"},
    "err.campaign_reward_unaffordable": {
        "en": "balance {balance} {currency} is less than the reward's cost {cost}",
        "zh-CN": "余额 {balance} {currency} 少于奖品所需的 {cost}"},
    "err.out_of_stock": {
        "en": "reward {reward!r} is out of stock",
        "zh-CN": "奖品 {reward!r} 已无库存"},
    "err.campaign_unknown_redemption": {
        "en": "no redemption {id}",
        "zh-CN": "没有兑换记录 {id}"},
    "err.campaign_redemption_settled": {
        "en": "redemption {id} is {status}, not reserved",
        "zh-CN": "兑换 {id} 的状态是 {status}, 不是 reserved (已预留)"},
    "err.campaign_redemption_lots": {
        "en": "redemption {id} held {held} in lots, not its cost {cost}",
        "zh-CN": "兑换 {id} 在积分批次中占用 {held}, 与其所需 {cost} 不符"},
    # live check-ins and a user's points over the API (crossplay.campaigns.live, .wallet,
    # .campaign_view)
    "err.checkin_platform": {
        "en": "{partner} users check in on {allowed}, not {platform}",
        "zh-CN": "{partner} 的用户只能在 {allowed} 上打卡, 不能在 {platform} 上打卡"},
    "err.ledger_no_account": {
        "en": "this user has no points account: points belong to linked persons (an active "
              "link, linking consent on both sides)",
        "zh-CN": "该用户没有积分账户: 积分属于已关联的用户 (关联有效, 且双方平台都同意关联)"},
    "err.ledger_cursor": {
        "en": "the statement cursor is not one this server gave: start again without a "
              "cursor",
        "zh-CN": "账单游标不是本服务器给出的: 请不带游标从头读取"},
    "err.ledger_limit": {
        "en": "limit must be 1 to {max}",
        "zh-CN": "limit 必须在 1 到 {max} 之间"},
    "err.ledger_redemption_not_found": {
        "en": "no redemption {id} of yours",
        "zh-CN": "没有属于你方的兑换记录 {id}"},
    "err.ledger_campaign_not_found": {
        "en": "no campaign {id!r}",
        "zh-CN": "没有活动 {id!r}"},
}
