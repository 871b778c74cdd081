"""Texts of the privacy page (en, zh-CN); it also registers the catalogs it reuses.

Reused: the purposes and audit problems of ``crossplay consent`` / ``crossplay audit``
(:mod:`crossplay.cli.commands_privacy`: ``consent.purpose.*``, ``audit.problem.*``,
``audit.col.*``), the release labels of ``crossplay release`` (:mod:`crossplay.cli.release_view`:
``release.col.*``, ``releases.about.*``, group names) and the privacy errors (``err.*``).
"""

from __future__ import annotations

from crossplay.cli import commands_privacy as _commands_privacy  # noqa: F401  (its catalog)
from crossplay.cli import release_view as _release_view  # noqa: F401  (its catalog)
from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.privacy": {"en": "Privacy", "zh-CN": "隐私"},
    "web.privacy.sec.summary": {"en": "At a glance", "zh-CN": "概览"},
    "web.privacy.sec.consent": {"en": "Consent by purpose", "zh-CN": "按用途的授权同意"},
    "web.privacy.sec.links": {"en": "Account links", "zh-CN": "账号关联"},
    "web.privacy.sec.releases": {"en": "Aggregate releases to partners",
                                 "zh-CN": "向合作方发布的聚合数据"},
    "web.privacy.sec.budget": {"en": "Differential-privacy budget", "zh-CN": "差分隐私预算"},
    "web.privacy.sec.audit": {"en": "Audit log", "zh-CN": "审计日志"},
    # tiles
    "web.privacy.tile.links": {"en": "Active account links", "zh-CN": "有效账号关联"},
    "web.privacy.tile.usable": {"en": "Linked persons usable across partners",
                                "zh-CN": "可跨合作方使用的已关联用户"},
    "web.privacy.tile.usable_hint": {"en": "active link, linking granted on both sides",
                                     "zh-CN": "关联有效, 双方均同意账号关联"},
    "web.privacy.tile.releases": {"en": "Exact release tables served",
                                  "zh-CN": "正在提供的精确发布表"},
    "web.privacy.tile.budget": {"en": "ε left for {partner}", "zh-CN": "{partner} 剩余 ε"},
    "web.privacy.tile.budget_hint": {"en": "of {budget:g}", "zh-CN": "共 {budget:g}"},
    "web.privacy.tile.audit": {"en": "Audit chain", "zh-CN": "审计链"},
    "web.privacy.tile.audit_ok": {"en": "intact", "zh-CN": "完整"},
    "web.privacy.tile.audit_bad": {"en": "BROKEN", "zh-CN": "已损坏"},
    "web.privacy.tile.audit_hint": {"en": "{n} entries", "zh-CN": "共 {n} 条"},
    # names
    "web.privacy.partner.knowledge": {"en": "knowledge platform", "zh-CN": "知识付费平台"},
    "web.privacy.partner.game": {"en": "game platform", "zh-CN": "游戏平台"},
    "web.privacy.method.binding": {"en": "account binding", "zh-CN": "账号绑定"},
    "web.privacy.method.psi": {"en": "private set intersection (PSI)",
                               "zh-CN": "隐私集合求交 (PSI)"},
    "web.privacy.status.released": {"en": "served", "zh-CN": "提供中"},
    "web.privacy.status.withdrawn": {"en": "withdrawn", "zh-CN": "已撤回"},
    "web.privacy.status.withheld": {"en": "withheld", "zh-CN": "不予发布"},
    "web.privacy.state.active": {"en": "active", "zh-CN": "有效"},
    "web.privacy.state.revoked": {"en": "revoked", "zh-CN": "已撤销"},
    "web.privacy.usable.linking": {"en": "linking granted on both sides",
                                   "zh-CN": "双方均同意账号关联"},
    "web.privacy.usable.personalisation": {
        "en": "… and personalisation on both sides (what mining and cross recommendations use)",
        "zh-CN": "… 且双方均同意个性化推荐 (行为挖掘与跨平台推荐使用)"},
    "web.privacy.usable.marketing": {
        "en": "… and marketing on both sides (what cross-partner funnels and campaigns use)",
        "zh-CN": "… 且双方均同意营销 (跨合作方漏斗与联合活动使用)"},
    # columns
    "web.privacy.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "web.privacy.col.purpose": {"en": "purpose", "zh-CN": "用途"},
    "web.privacy.col.users": {"en": "users", "zh-CN": "用户数"},
    "web.privacy.col.granted": {"en": "granted", "zh-CN": "同意"},
    "web.privacy.col.refused": {"en": "refused", "zh-CN": "拒绝"},
    "web.privacy.col.undecided": {"en": "no decision", "zh-CN": "未表态"},
    "web.privacy.col.granted_rate": {"en": "share granted", "zh-CN": "同意比例"},
    "web.privacy.col.refused_rate": {"en": "share refused", "zh-CN": "拒绝比例"},
    "web.privacy.col.method": {"en": "method", "zh-CN": "关联方式"},
    "web.privacy.col.links": {"en": "links", "zh-CN": "关联数"},
    "web.privacy.col.active": {"en": "active", "zh-CN": "有效"},
    "web.privacy.col.revoked": {"en": "revoked", "zh-CN": "已撤销"},
    "web.privacy.col.condition": {"en": "condition", "zh-CN": "条件"},
    "web.privacy.col.persons": {"en": "persons", "zh-CN": "人数"},
    "web.privacy.col.query": {"en": "aggregate", "zh-CN": "聚合查询"},
    "web.privacy.col.about": {"en": "about", "zh-CN": "说明"},
    "web.privacy.col.period": {"en": "period", "zh-CN": "周期"},
    "web.privacy.col.status": {"en": "status", "zh-CN": "状态"},
    "web.privacy.col.computed": {"en": "computed (UTC)", "zh-CN": "计算时间 (UTC)"},
    "web.privacy.col.members": {"en": "persons counted", "zh-CN": "计入人数"},
    "web.privacy.col.groups": {"en": "groups", "zh-CN": "分组数"},
    "web.privacy.col.released": {"en": "released", "zh-CN": "已发布"},
    "web.privacy.col.suppressed": {"en": "suppressed", "zh-CN": "已隐藏"},
    "web.privacy.col.reason": {"en": "why not served", "zh-CN": "未提供的原因"},
    "web.privacy.col.group": {"en": "group", "zh-CN": "分组"},
    "web.privacy.col.budget": {"en": "budget ε", "zh-CN": "预算 ε"},
    "web.privacy.col.spent": {"en": "ε spent", "zh-CN": "已花费 ε"},
    "web.privacy.col.left": {"en": "ε left", "zh-CN": "剩余 ε"},
    "web.privacy.col.noisy": {"en": "noisy releases", "zh-CN": "加噪发布次数"},
    "web.privacy.col.day": {"en": "day (UTC)", "zh-CN": "日期 (UTC)"},
    "web.privacy.col.entries": {"en": "entries", "zh-CN": "条数"},
    # tables
    "web.privacy.table.consent": {"en": "Current decisions per partner and purpose",
                                  "zh-CN": "各合作方按用途的当前决定"},
    "web.privacy.table.links": {"en": "Links by method", "zh-CN": "按方式统计的账号关联"},
    "web.privacy.table.usable": {"en": "Linked persons usable across partners now",
                                 "zh-CN": "当前可跨合作方使用的已关联用户"},
    "web.privacy.table.releases": {"en": "Exact release tables by query and period",
                                   "zh-CN": "按查询与周期的精确发布表"},
    "web.privacy.table.groups": {"en": "Groups of the served tables (suppressed ones marked)",
                                 "zh-CN": "正在提供的发布表的分组 (标出已隐藏的分组)"},
    "web.privacy.table.budget": {"en": "Budget per partner", "zh-CN": "各合作方的预算"},
    "web.privacy.table.budget_periods": {"en": "ε spent per release period",
                                         "zh-CN": "各发布周期花费的 ε"},
    "web.privacy.table.audit": {"en": "Audit entries per day and action",
                                "zh-CN": "按日期与操作统计的审计条目"},
    # charts
    "web.privacy.chart.consent": {"en": "Share of users who granted each purpose",
                                  "zh-CN": "各用途的用户同意比例"},
    "web.privacy.chart.links": {"en": "Account links by method", "zh-CN": "按方式统计的账号关联"},
    "web.privacy.chart.audit": {"en": "Audit entries per day", "zh-CN": "每日审计条目"},
    "web.privacy.axis.share": {"en": "share of users", "zh-CN": "用户占比"},
    # notes
    "web.privacy.note.consent": {
        "en": "The latest decision of each user per purpose (ingested exports and live "
              "changes alike), over the users the partner's data know (events or decisions). "
              "Linking and marketing are opt-in; personalisation of a partner's own users is "
              "opt-out. The date filter does not apply: these are today's decisions.",
        "zh-CN": "每位用户对每个用途的最新决定 (导入的数据与实时变更均计入), 分母为该合作方数据中"
                 "出现过的用户 (有行为或有决定)。账号关联与营销需明确同意; 合作方对自有用户的个性化"
                 "推荐默认允许、可拒绝。日期筛选不适用: 这里是当前的决定。"},
    "web.privacy.note.links": {
        "en": "Links made in the selected window, by how they were made; a link is revoked by "
              "an unbinding or when either side refuses linking afterwards. Links join both "
              "partners: the partner filter does not apply. The usable persons are counted "
              "now, whatever the window.",
        "zh-CN": "所选时间段内建立的账号关联, 按建立方式统计; 解除绑定或任一方此后拒绝账号关联"
                 "即撤销。账号关联连接双方: 合作方筛选不适用。可用人数按当前状态统计, 与时间段"
                 "无关。"},
    "web.privacy.note.k": {
        "en": "Counts of linked persons are joint figures: groups under k = {k} persons are "
              "hidden (–) for partner viewers.",
        "zh-CN": "已关联用户的计数属于联合数据: 对合作方账号, 少于 k = {k} 人的分组不显示 (–)。"},
    "web.privacy.note.releases": {
        "en": "One exact table per aggregate and calendar month, computed at its first request "
              "and then served unchanged to both partners (groups under k = {k} persons, and "
              "those needed to protect them, are suppressed). The date filter keeps the "
              "periods it overlaps; the partner filter does not apply.",
        "zh-CN": "每个聚合查询每个自然月一张精确表: 首次请求时计算, 之后原样提供给双方 (少于 "
                 "k = {k} 人的分组及为保护它们而需隐藏的分组均已隐藏)。日期筛选保留与之重叠的"
                 "周期; 合作方筛选不适用。"},
    "web.privacy.note.no_releases": {
        "en": "No exact release in this window yet: `crossplay release NAME --for PARTNER` "
              "makes one (`crossplay releases` lists the names).",
        "zh-CN": "该时间段内还没有精确发布: 运行 `crossplay release NAME --for PARTNER` "
                 "(名称见 `crossplay releases`)。"},
    "web.privacy.note.budget": {
        "en": "Every noisy release (`crossplay release NAME --for PARTNER --epsilon E`) spends "
              "ε from the partner's budget of {budget:g}, which does not renew: ε left counts "
              "every release ever made; the table per period follows the date filter.",
        "zh-CN": "每次加噪发布 (`crossplay release NAME --for PARTNER --epsilon E`) 从该合作方"
                 "的预算 {budget:g} 中花费 ε, 预算不会按周期恢复: 剩余 ε 计入以往全部发布; "
                 "按周期的表随日期筛选变化。"},
    "web.privacy.note.no_spend": {"en": "No noisy release in this window: no ε spent.",
                                  "zh-CN": "该时间段内没有加噪发布: 未花费 ε。"},
    "web.privacy.note.audit_ok": {
        "en": "Chain verified: {n} entries, head {seq}:{hash}. Keep this head elsewhere; "
              "`crossplay audit verify --expect {seq}:{hash}` later also detects deleted "
              "newest entries.",
        "zh-CN": "审计链校验通过: 共 {n} 条, 链头 {seq}:{hash}。请在别处保存该链头; 之后运行 "
                 "`crossplay audit verify --expect {seq}:{hash}` 还能发现被删除的最新条目。"},
    "web.privacy.note.audit_bad": {
        "en": "The chain does not verify ({n} entries, last {seq}:{hash}); where it breaks:",
        "zh-CN": "审计链校验失败 (共 {n} 条, 最后一条 {seq}:{hash}); 断开之处:"},
    "web.privacy.note.audit_empty": {"en": "The audit log is empty.", "zh-CN": "审计日志为空。"},
    "web.privacy.note.audit_window": {
        "en": "Verification covers the whole chain; the counts follow the date filter.",
        "zh-CN": "校验覆盖整条审计链; 计数随日期筛选变化。"},
    "web.privacy.err.partner": {"en": "You may see only your own partner's data.",
                                "zh-CN": "您只能查看本合作方的数据。"},
    "web.privacy.err.dates": {"en": "The start must come before the end.",
                              "zh-CN": "开始日期必须早于结束日期。"},
}
add_messages(MESSAGES)
