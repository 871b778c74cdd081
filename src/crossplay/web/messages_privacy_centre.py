"""The privacy centre's texts (what a person sees at ``/privacy``), in both languages."""

from __future__ import annotations

from crossplay.cli.i18n import add_messages

P = "web.privacy_centre."

add_messages({
    P + "title": {"en": "Your privacy centre", "zh-CN": "我的隐私中心"},
    P + "intro": {
        "en": "This page shows what {partner} shares about you with crossplay, the "
              "co-marketing service it runs with {other}, and lets you change it. Every "
              "change applies at once.",
        "zh-CN": "本页显示{partner}与 crossplay (它与{other}共同运营的联合营销服务) 共享的您的"
                 "数据, 并允许您修改。每项修改立即生效。"},
    P + "audited": {"en": "Every visit and every change here is recorded in an audit log.",
                    "zh-CN": "您在此的每次访问和每项修改都会记入审计日志。"},
    P + "session_ends": {"en": "This session ends at {time} UTC.",
                         "zh-CN": "本次会话将于 UTC 时间 {time} 结束。"},
    P + "partner.knowledge": {"en": "the knowledge platform", "zh-CN": "知识付费平台"},
    P + "partner.game": {"en": "the game platform", "zh-CN": "游戏平台"},
    P + "continue.heading": {"en": "Opening your privacy centre…",
                             "zh-CN": "正在打开您的隐私中心…"},
    P + "continue.link": {"en": "Continue", "zh-CN": "继续"},
    # links
    P + "links.heading": {"en": "Linked accounts", "zh-CN": "关联账号"},
    P + "links.yes": {"en": "Linked: yes", "zh-CN": "已关联: 是"},
    P + "links.no": {"en": "Linked: no", "zh-CN": "已关联: 否"},
    P + "links.none": {
        "en": "Your account here is not linked to an account on {other}.",
        "zh-CN": "您在此的账号未与{other}的账号关联。"},
    P + "links.active": {
        "en": "Linked to your account on {other} since {since}, {method}.",
        "zh-CN": "自 {since} 起与您在{other}的账号关联, {method}。"},
    P + "links.ended": {
        "en": "A link to your account on {other} (made {since}, {method}) ended on {ended}.",
        "zh-CN": "与您在{other}账号的关联 ({since} 建立, {method}) 已于 {ended} 结束。"},
    P + "links.since_unknown": {"en": "an unknown date", "zh-CN": "未知日期"},
    P + "links.note": {
        "en": "Only whether a link exists, since when and how is shown here: nothing of the "
              "other account. Turning “account linking” off below ends the link.",
        "zh-CN": "此处仅显示是否存在关联、建立时间及方式, 不显示另一账号的任何信息。"
                 "在下方关闭“账号关联”即可结束关联。"},
    P + "method.binding": {"en": "because you bound the two accounts yourself",
                           "zh-CN": "因为您亲自绑定了这两个账号"},
    P + "method.psi": {
        "en": "matched by a privacy-preserving comparison of contact details",
        "zh-CN": "通过保护隐私的联系方式比对匹配"},
    P + "method.other": {"en": "by {method}", "zh-CN": "方式: {method}"},
    # consent
    P + "consent.heading": {"en": "Your choices", "zh-CN": "我的选择"},
    P + "purpose.linking": {"en": "Account linking", "zh-CN": "账号关联"},
    P + "purpose.linking.explain": {
        "en": "Your accounts on both platforms may be linked, so that what you do on one "
              "can shape offers and suggestions on the other.",
        "zh-CN": "允许关联您在两个平台上的账号, "
                 "使您在一个平台上的行为可用于另一平台的优惠和推荐。"},
    P + "purpose.personalisation": {"en": "Personalised recommendations",
                                    "zh-CN": "个性化推荐"},
    P + "purpose.personalisation.explain": {
        "en": "Suggestions are chosen from what you did. Off: you get popular items, the "
              "same as everybody else.",
        "zh-CN": "根据您的行为为您挑选推荐内容。关闭后: 您将看到与其他人相同的热门内容。"},
    P + "purpose.marketing": {"en": "Marketing", "zh-CN": "营销推广"},
    P + "purpose.marketing.explain": {
        "en": "You may be included in campaigns: offers, points and messages.",
        "zh-CN": "您可能被纳入营销活动: 优惠、积分和消息。"},
    P + "state.on": {"en": "On", "zh-CN": "已开启"},
    P + "state.off": {"en": "Off", "zh-CN": "已关闭"},
    P + "turn_on": {"en": "Turn on", "zh-CN": "开启"},
    P + "turn_off": {"en": "Turn off", "zh-CN": "关闭"},
    P + "decided.granted": {"en": "You agreed on {date}.", "zh-CN": "您于 {date} 同意。"},
    P + "decided.refused": {"en": "You declined on {date}.", "zh-CN": "您于 {date} 拒绝。"},
    P + "decided.none_on": {
        "en": "You have not decided: it is on unless you turn it off.",
        "zh-CN": "您尚未选择: 除非您关闭, 否则默认开启。"},
    P + "decided.none_off": {
        "en": "You have not decided: it stays off unless you turn it on.",
        "zh-CN": "您尚未选择: 除非您开启, 否则保持关闭。"},
    P + "saved": {"en": "Saved: {purpose} — {state}. This applies from now on.",
                  "zh-CN": "已保存: {purpose} — {state}, 即刻生效。"},
    # erasure
    P + "erase.heading": {"en": "Erase my data", "zh-CN": "删除我的数据"},
    P + "erase.explain": {
        "en": "Deletes everything crossplay holds about your account on {partner}: "
              "activity, choices, links, points and recommendations. It cannot be undone. "
              "Your account on {partner} itself is not closed.",
        "zh-CN": "删除 crossplay 持有的与您在{partner}的账号有关的全部数据: 行为记录、选择、"
                 "账号关联、积分和推荐。此操作无法撤销。您在{partner}的账号本身不会被注销。"},
    P + "erase.confirm": {"en": "I understand: erase my data now.",
                          "zh-CN": "我已了解: 立即删除我的数据。"},
    P + "erase.submit": {"en": "Erase my data", "zh-CN": "删除我的数据"},
    P + "erase.need_confirm": {
        "en": "Tick the box to confirm the erasure: nothing was erased.",
        "zh-CN": "请勾选确认框以确认删除: 未删除任何数据。"},
    P + "erased.heading": {"en": "Your data were erased", "zh-CN": "您的数据已删除"},
    P + "erased.nothing": {"en": "Nothing was held about you: there was nothing to erase.",
                           "zh-CN": "我们未持有您的任何数据: 没有需要删除的内容。"},
    P + "erased.lake": {"en": "Activity records and choices removed: {n:,}",
                        "zh-CN": "已删除的行为记录和选择: {n:,} 条"},
    P + "erased.db": {"en": "Account records removed or made anonymous: {n:,}",
                      "zh-CN": "已删除或匿名化的账户记录: {n:,} 条"},
    P + "erased.derived": {
        "en": "Rows removed from computed files (profiles, recommendations…): {n:,}",
        "zh-CN": "从计算结果 (画像、推荐等) 中删除的行: {n:,} 行"},
    P + "erased.links": {"en": "Account links removed: {n:,}",
                         "zh-CN": "已删除的账号关联: {n:,} 个"},
    P + "erased.ref": {"en": "Reference of this request: {ref}", "zh-CN": "本次请求编号: {ref}"},
    P + "erased.ended": {
        "en": "This session has ended. To see the privacy centre again, open it from your "
              "app.",
        "zh-CN": "本次会话已结束。如需再次查看隐私中心, 请从您的应用中打开。"},
    # errors
    P + "error.401": {"en": "Link expired or not valid", "zh-CN": "链接已过期或无效"},
    P + "error.403": {"en": "Not allowed", "zh-CN": "不允许的操作"},
    P + "error.400": {"en": "Request not understood", "zh-CN": "无法处理的请求"},
    P + "error.500": {"en": "Something went wrong", "zh-CN": "出错了"},
    P + "error.link": {
        "en": "This privacy-centre link is not valid or has expired. Open the privacy "
              "centre from your app again.",
        "zh-CN": "此隐私中心链接无效或已过期。请从您的应用中重新打开隐私中心。"},
    P + "error.session": {
        "en": "Your privacy-centre session has ended or was not found. Open the privacy "
              "centre from your app again.",
        "zh-CN": "您的隐私中心会话已结束或不存在。请从您的应用中重新打开隐私中心。"},
    P + "error.csrf": {
        "en": "This form has expired or did not come from this page: nothing was changed. "
              "Open the privacy centre from your app again.",
        "zh-CN": "表单已过期或并非来自本页面: 未做任何修改。请从您的应用中重新打开隐私中心。"},
    P + "error.purpose": {"en": "There is no choice named {purpose!r}: nothing was changed.",
                          "zh-CN": "不存在名为 {purpose!r} 的选项: 未做任何修改。"},
    P + "error.form": {"en": "The form could not be read: nothing was changed.",
                       "zh-CN": "无法读取表单: 未做任何修改。"},
    P + "error.internal": {
        "en": "The privacy centre could not answer (reference {ref}). Try again later.",
        "zh-CN": "隐私中心暂时无法响应 (编号 {ref})。请稍后再试。"},
    P + "error.back": {"en": "Back to the privacy centre", "zh-CN": "返回隐私中心"},
    P + "footer": {"en": "Your choices take effect at once and are recorded in an audit log.",
                   "zh-CN": "您的选择立即生效, 并记录在审计日志中。"},
})
