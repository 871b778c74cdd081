"""Texts of the recommendations page and the person look-up (en, zh-CN).

Leaderboard columns, policy reasons and domain names come from ``crossplay recommend``'s
catalog (``rec.*``), the content mix's from ``crossplay recommend mix`` (``mix.*``) and the
benchmark tables' from ``crossplay bench`` (``bench.*``), so the page and the terminal say
the same things.
"""

from __future__ import annotations

from crossplay.api.error_messages import ERRORS as API_ERRORS
from crossplay.cli import commands_bench as _bench  # noqa: F401  (registers bench.*)
from crossplay.cli import mix_view as _mix  # noqa: F401  (registers mix.*)
from crossplay.cli.i18n import add_messages
from crossplay.recommend.error_messages import ERRORS
from crossplay.recommend.messages import MESSAGES
from crossplay.web import messages as _frame  # noqa: F401  (web.partner.*, shared)

add_messages(MESSAGES)
add_messages(ERRORS)
add_messages(API_ERRORS)
add_messages({
    "web.nav.recommend": {"en": "Recommendations", "zh-CN": "推荐"},
    "web.nav.person": {"en": "Person look-up", "zh-CN": "用户推荐查询"},
    "web.recommend.empty": {
        "en": "No leaderboard or content mix yet: run `crossplay recommend evaluate`, "
              "`crossplay recommend mix` or `crossplay bench run` (or `crossplay demo`).",
        "zh-CN": "尚无排行榜或内容配比: 请运行 `crossplay recommend evaluate`、"
                 "`crossplay recommend mix` 或 `crossplay bench run` (或 `crossplay demo`)。"},
    "web.recommend.partner_note": {
        "en": "Your account sees its own partner's leaderboards, and joint results (linked "
              "people of both partners) only over groups of at least k = {k} people.",
        "zh-CN": "您的账号可查看本方的排行榜; 联合结果 (双方已关联用户) 仅在群体不少于 "
                 "k = {k} 人时显示。"},
    # --- leaderboards ---
    "web.recommend.boards.section": {"en": "Leaderboards per task", "zh-CN": "各任务排行榜"},
    "web.recommend.boards.none": {
        "en": "No leaderboard saved yet: run `crossplay recommend evaluate --task "
              "in-domain|cross-domain|cold-start`.",
        "zh-CN": "尚未保存排行榜: 请运行 `crossplay recommend evaluate --task "
                 "in-domain|cross-domain|cold-start`。"},
    "web.recommend.boards.saved": {
        "en": "{task}: evaluated {created} (`crossplay recommend evaluate --task {cli}`); "
              "every model trained and scored on the same split.",
        "zh-CN": "{task}: 评估于 {created} (`crossplay recommend evaluate --task {cli}`); "
                 "所有模型在同一切分上训练与评分。"},
    "web.recommend.boards.no_history": {
        "en": "{n} test users had no training history and were served popular items by "
              "every model.",
        "zh-CN": "{n} 名测试用户没有训练期行为, 所有模型均为其推荐热门内容。"},
    "web.recommend.boards.hidden": {
        "en": "{task} on {target}: fewer than k = {k} test people, figures hidden.",
        "zh-CN": "{task} (目标 {target}): 测试人数少于 k = {k}, 指标已隐藏。"},
    "web.recommend.task.in-domain": {"en": "in-domain", "zh-CN": "域内推荐"},
    "web.recommend.task.cross-domain": {"en": "cross-domain", "zh-CN": "跨域推荐"},
    "web.recommend.task.cold-start": {"en": "cold start", "zh-CN": "冷启动"},
    "web.recommend.split.time": {"en": "time", "zh-CN": "按时间"},
    "web.recommend.split.random": {"en": "random", "zh-CN": "随机"},
    "web.recommend.split.cold-persons": {"en": "held-out persons", "zh-CN": "留出用户"},
    "web.recommend.col.precision": {"en": "precision@{k}", "zh-CN": "精确率@{k}"},
    "web.recommend.col.error": {"en": "not fitted because", "zh-CN": "未能训练的原因"},
    "web.recommend.chart.ndcg": {"en": "NDCG@{k} per model: {task}",
                                 "zh-CN": "各模型 NDCG@{k}: {task}"},
    "web.recommend.axis.model": {"en": "model", "zh-CN": "模型"},
    "web.recommend.axis.target": {"en": "target {target}", "zh-CN": "目标 {target}"},
    # --- benchmarks ---
    "web.recommend.bench.section": {"en": "Benchmarks (mean ± standard error over users)",
                                    "zh-CN": "基准评测 (用户均值 ± 标准误)"},
    "web.recommend.bench.run": {
        "en": "Run {run} (`crossplay bench run {name} --protocol {protocol}`).",
        "zh-CN": "运行 {run} (`crossplay bench run {name} --protocol {protocol}`)。"},
    "web.recommend.bench.se": {"en": "± s.e.", "zh-CN": "± 标准误"},
    "web.recommend.bench.chart": {"en": "NDCG@{k} ± standard error: {name} ({protocol})",
                                  "zh-CN": "NDCG@{k} ± 标准误: {name} ({protocol})"},
    "web.recommend.bench.error": {"en": "model", "zh-CN": "模型"},
    # --- content mix ---
    "web.recommend.mix.section": {"en": "Content mix α / β per segment",
                                  "zh-CN": "各分群的内容配比 α / β"},
    "web.recommend.mix.none": {
        "en": "No content mix fitted yet: run `crossplay recommend mix`.",
        "zh-CN": "尚未拟合内容配比: 请运行 `crossplay recommend mix`。"},
    "web.recommend.mix.chart": {"en": "Fitted shares per segment: α knowledge, β game and "
                                      "stream",
                                "zh-CN": "各分群拟合占比: α 知识, β 游戏与直播"},
    "web.recommend.mix.alpha": {"en": "α (knowledge)", "zh-CN": "α (知识)"},
    "web.recommend.mix.beta": {"en": "β (game and stream)", "zh-CN": "β (游戏与直播)"},
    "web.recommend.mix.share": {"en": "share of the slate", "zh-CN": "推荐位占比"},
    "web.recommend.mix.hidden": {
        "en": "Segments of fewer than k = {k} persons are not described (–).",
        "zh-CN": "少于 k = {k} 人的分群不予展示 (–)。"},
    # --- the look-up form ---
    "web.recommend.lookup.section": {"en": "One person's recommendations",
                                     "zh-CN": "单个用户的推荐"},
    "web.recommend.lookup.note": {
        "en": "Shows what `crossplay recommend for --explain` gives a user, with the same "
              "consent checks; every look-up is written to the audit log under your name.",
        "zh-CN": "显示 `crossplay recommend for --explain` 为该用户给出的推荐, 同样遵循授权"
                 "检查; 每次查询均以您的名义记入审计日志。"},
    # --- the person page ---
    "web.person.form": {"en": "Look up a user", "zh-CN": "查询用户"},
    "web.person.partner": {"en": "partner", "zh-CN": "合作方"},
    "web.person.user": {"en": "the partner's user id", "zh-CN": "合作方的用户 ID"},
    "web.person.domain": {"en": "items from", "zh-CN": "推荐内容来自"},
    "web.person.domain.own": {"en": "the partner's own platform", "zh-CN": "该合作方自己的平台"},
    "web.person.submit": {"en": "Show recommendations", "zh-CN": "查看推荐"},
    "web.person.ask": {
        "en": "Give a partner and that partner's user id. The id is pseudonymised here, as "
              "at ingest; the look-up is audited.",
        "zh-CN": "请选择合作方并输入其用户 ID。ID 会在此处假名化 (与导入时相同); 每次查询均记入"
                 "审计日志。"},
    "web.person.section": {"en": "Recommendations for {partner}:{ukey}",
                           "zh-CN": "{partner}:{ukey} 的推荐"},
    "web.person.audited": {
        "en": "This look-up was written to the audit log ({action}, by {actor}).",
        "zh-CN": "本次查询已记入审计日志 ({action}, 操作人 {actor})。"},
    "web.person.unknown": {
        "en": "Not personalised: unknown user — the {partner} has no events and no account "
              "link for this id (check the partner and the id); popular items instead.",
        "zh-CN": "非个性化: 未知用户 — {partner}没有该 ID 的任何行为记录或账号关联 (请检查合作方"
                 "与 ID); 以下为热门内容。"},
    "web.person.tile.personalised": {"en": "personalised", "zh-CN": "个性化"},
    "web.person.tile.model": {"en": "model", "zh-CN": "模型"},
    "web.person.tile.domain": {"en": "items from", "zh-CN": "内容来自"},
    "web.person.tile.known": {"en": "known to the lake", "zh-CN": "数据湖中有记录"},
    "web.person.yes": {"en": "yes", "zh-CN": "是"},
    "web.person.no": {"en": "no", "zh-CN": "否"},
    "web.person.table": {"en": "Top {n} {domain} items", "zh-CN": "前 {n} 个{domain}内容"},
    "web.person.col.platform": {"en": "platform", "zh-CN": "平台"},
    "web.person.col.category": {"en": "category", "zh-CN": "类别"},
    "web.person.no_model": {
        "en": "No trained recommender: run `crossplay recommend train` first.",
        "zh-CN": "尚未训练推荐模型: 请先运行 `crossplay recommend train`。"},
    "web.person.error.partner": {"en": "partner: {value!r} is not knowledge or game.",
                                 "zh-CN": "合作方: {value!r} 不是 knowledge 或 game。"},
    "web.person.error.need_partner": {"en": "Choose the user's partner.",
                                      "zh-CN": "请选择该用户所属的合作方。"},
    "web.person.error.other_partner": {
        "en": "Your account may look up the {partner}'s users only.",
        "zh-CN": "您的账号只能查询{partner}的用户。"},
    "web.person.error.user": {
        "en": "user: not a user id (1 to {max} characters, no control characters).",
        "zh-CN": "用户: 不是有效的用户 ID (1 到 {max} 个字符, 不含控制字符)。"},
    "web.person.error.domain": {"en": "domain: {value!r} is not knowledge, game or stream.",
                                "zh-CN": "内容来源: {value!r} 不是 knowledge、game 或 stream。"},
})
