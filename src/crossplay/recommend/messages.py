"""CLI messages of the recommendation commands, in English and Simplified Chinese.

``rec.policy.*`` are the reasons the consent policy gives for serving or not serving a
personalised list (:func:`crossplay.privacy.policy.decide` for personalisation, and the
service's own): their English text is the reason as the service returns it, so the CLI
shows the Chinese entry whose English matches.
"""

from __future__ import annotations

from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "rec.trained": {"en": "Trained recommender bundle {version}",
                    "zh-CN": "已训练推荐模型包 {version}"},
    "rec.training": {"en": "Training", "zh-CN": "正在训练"},
    "rec.evaluating": {"en": "Evaluating", "zh-CN": "正在评估"},
    "rec.board": {"en": "{task} on {target} — split {split}, K={k}, {users} test users",
                  "zh-CN": "{task}（目标 {target}）— 切分 {split}，K={k}，测试用户 {users} 人"},
    "rec.saved": {"en": "Saved to {path}", "zh-CN": "已保存到 {path}"},
    "rec.for": {"en": "Top {n} {domain} items for {partner}:{ukey}",
                "zh-CN": "为 {partner}:{ukey} 推荐的前 {n} 个{domain}内容"},
    "rec.personal": {"en": "personalised by {model} ({policy})",
                     "zh-CN": "个性化推荐，模型 {model}（{policy}）"},
    "rec.popular": {"en": "not personalised: popular items ({policy})",
                    "zh-CN": "非个性化：热门内容（{policy}）"},
    "rec.unknown": {"en": "not personalised: unknown user — {partner} has no events and no "
                          "account link for this id (check --partner and the id); popular "
                          "items instead",
                    "zh-CN": "非个性化：未知用户 — {partner} 没有该 ID 的任何行为记录或账号"
                             "关联（请检查 --partner 与 ID）；以下为热门内容"},
    "rec.exported": {"en": "Exported recommendations of bundle {version}",
                     "zh-CN": "已导出模型包 {version} 的推荐结果"},
    "rec.col.item": {"en": "item", "zh-CN": "内容"},
    "rec.col.title": {"en": "title", "zh-CN": "标题"},
    "rec.col.why": {"en": "why", "zh-CN": "推荐理由"},
    "rec.col.score": {"en": "score", "zh-CN": "得分"},
    "rec.col.model": {"en": "model", "zh-CN": "模型"},
    "rec.col.unit": {"en": "unit", "zh-CN": "单元"},
    "rec.col.users": {"en": "users", "zh-CN": "用户数"},
    "rec.col.items": {"en": "items", "zh-CN": "内容数"},
    "rec.col.pairs": {"en": "pairs", "zh-CN": "交互数"},
    "rec.col.seconds": {"en": "s", "zh-CN": "耗时(秒)"},
    # the leaderboard of `recommend evaluate` (metrics at the list length K)
    "rec.col.recall": {"en": "recall@{k}", "zh-CN": "召回率@{k}"},
    "rec.col.ndcg": {"en": "ndcg@{k}", "zh-CN": "NDCG@{k}"},
    "rec.col.map": {"en": "map@{k}", "zh-CN": "MAP@{k}"},
    "rec.col.coverage": {"en": "coverage", "zh-CN": "覆盖率"},
    "rec.col.novelty": {"en": "novelty", "zh-CN": "新颖度"},
    "rec.col.truth_recall": {"en": "truth_recall", "zh-CN": "真值召回率"},
    "rec.col.fit_s": {"en": "fit_s", "zh-CN": "训练秒数"},
    "rec.domain.knowledge": {"en": "knowledge", "zh-CN": "知识"},
    "rec.domain.game": {"en": "game", "zh-CN": "游戏"},
    "rec.domain.stream": {"en": "stream", "zh-CN": "直播"},
    # why a list is (not) personalised: the policy's reasons, as the service words them
    "rec.policy.own": {"en": "own users, personalisation not refused",
                       "zh-CN": "本平台用户，未拒绝个性化"},
    "rec.policy.linked": {"en": "linked, both sides granted linking and personalisation",
                          "zh-CN": "账号已关联，双方均同意关联与个性化"},
    "rec.policy.no_link": {"en": "no active link with linking consent on both sides",
                           "zh-CN": "没有双方均同意关联的有效账号绑定"},
    "rec.policy.refused": {"en": "the user refused personalisation",
                           "zh-CN": "用户已拒绝个性化推荐"},
    "rec.policy.not_granted": {"en": "the user has not granted personalisation",
                               "zh-CN": "用户未授权个性化推荐"},
    "rec.policy.granted": {"en": "the user granted personalisation",
                           "zh-CN": "用户已授权个性化推荐"},
    "rec.policy.no_history": {"en": "no behaviour in the trained model",
                              "zh-CN": "训练模型中没有该用户的行为"},
    "rec.policy.unknown": {"en": "unknown user: no events and no account link for this id",
                           "zh-CN": "未知用户：该 ID 没有任何行为记录或账号关联"},
    "rec.policy.cross": {"en": "cross-domain: {reason}", "zh-CN": "跨平台：{reason}"},
    "rec.policy.sep": {"en": "; ", "zh-CN": "；"},
    "demo.recommend": {"en": "train recommenders, leaderboard and explained picks",
                       "zh-CN": "训练推荐模型：排行榜与带理由的推荐"},
    "rec.demo.small": {
        "en": "Only {n} test persons: too few to rank the models (at 100,000 persons EMCDR "
              "reaches 1.95x popularity; see docs/recommendation.md).",
        "zh-CN": "仅 {n} 名测试用户，不足以比较模型优劣（10 万人规模下 EMCDR 为热门推荐的 "
                 "1.95 倍，见 docs/recommendation.md）。"},
    "rec.demo.sample": {"en": "Three recommendations for a sample person ({who})",
                        "zh-CN": "为示例用户推荐的三个内容（{who}）"},
}
