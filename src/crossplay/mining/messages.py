"""CLI messages of the mining commands (en and zh-CN), registered by commands_mining."""

from __future__ import annotations

from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "mining.rules.title": {
        "en": "Association rules ({level}, {scope}): {rules} rules from {units} people, "
              "{cross} cross-domain, {sig} significant (BH q <= {alpha})",
        "zh-CN": "关联规则 ({level}, {scope}): 共 {units} 人, {rules} 条规则, "
                 "跨域 {cross} 条, 显著 {sig} 条 (BH q <= {alpha})"},
    "mining.rules.none": {
        "en": "No rule passes the thresholds: lower --min-support or --min-confidence.",
        "zh-CN": "没有规则满足阈值: 请降低 --min-support 或 --min-confidence。"},
    "mining.rules.saved": {"en": "Stored in {path}", "zh-CN": "已保存到 {path}"},
    "mining.rules.exported": {"en": "Exported {n} rules to {path}",
                              "zh-CN": "已导出 {n} 条规则到 {path}"},
    "mining.rules.itemsets_exported": {"en": "Exported {n} frequent itemsets to {path}",
                                       "zh-CN": "已导出 {n} 个频繁项集到 {path}"},
    "mining.rules.file_title": {
        "en": "Association rules in {file}: {rules} rules from {baskets} baskets of {items} "
              "items ({itemsets} frequent itemsets), {sig} significant (BH q <= {alpha})",
        "zh-CN": "{file} 中的关联规则: {baskets} 个行为篮, {items} 个条目 ({itemsets} 个频繁"
                 "项集), {rules} 条规则, 显著 {sig} 条 (BH q <= {alpha})"},
    "mining.rules.file_read.baskets.detected": {
        "en": "Read {rows} lines as one basket each (detected; --format pairs reads "
              "transaction/item pairs), items separated by {delimiter}; {blank} blank lines "
              "and {empty} empty fields skipped.",
        "zh-CN": "已把 {rows} 行各读作一个行为篮 (自动识别; --format pairs 按\"交易/条目\"成对"
                 "读取), 条目以{delimiter}分隔; 跳过 {blank} 个空行和 {empty} 个空字段。"},
    "mining.rules.file_read.baskets.given": {
        "en": "Read {rows} lines as one basket each, items separated by {delimiter}; {blank} "
              "blank lines and {empty} empty fields skipped.",
        "zh-CN": "已把 {rows} 行各读作一个行为篮, 条目以{delimiter}分隔; 跳过 {blank} 个空行和 "
                 "{empty} 个空字段。"},
    "mining.rules.file_read.pairs.detected": {
        "en": "Read {rows} rows as transaction/item pairs (detected; --format baskets reads "
              "each line as a basket), fields separated by {delimiter}.",
        "zh-CN": "已把 {rows} 行按\"交易/条目\"成对读取 (自动识别; --format baskets 把每一行"
                 "读作一个行为篮), 字段以{delimiter}分隔。"},
    "mining.rules.file_read.pairs.given": {
        "en": "Read {rows} rows as transaction/item pairs, fields separated by {delimiter}.",
        "zh-CN": "已把 {rows} 行按\"交易/条目\"成对读取, 字段以{delimiter}分隔。"},
    "mining.delimiter.tab": {"en": "tabs", "zh-CN": "制表符"},
    "mining.delimiter.comma": {"en": "commas", "zh-CN": "逗号"},
    "mining.delimiter.semicolon": {"en": "semicolons", "zh-CN": "分号"},
    "mining.delimiter.whitespace": {"en": "whitespace", "zh-CN": "空白"},
    # values typed on the command line, as titles name them (en: as typed)
    "mining.scope.joint": {"en": "joint", "zh-CN": "已关联用户"},
    "mining.scope.knowledge": {"en": "knowledge", "zh-CN": "知识付费平台用户"},
    "mining.scope.game": {"en": "game", "zh-CN": "游戏平台用户"},
    "mining.level.item": {"en": "item", "zh-CN": "按课程/游戏/主播"},
    "mining.level.category": {"en": "category", "zh-CN": "按类别"},
    "mining.level.behaviour": {"en": "behaviour", "zh-CN": "按行为习惯"},
    "mining.criterion.silhouette": {"en": "silhouette", "zh-CN": "轮廓系数"},
    "mining.criterion.bic": {"en": "bic", "zh-CN": "BIC"},
    "mining.platform.all": {"en": "all", "zh-CN": "游戏与直播"},
    "mining.platform.game": {"en": "game", "zh-CN": "游戏"},
    "mining.platform.stream": {"en": "stream", "zh-CN": "直播"},
    "mining.dir.to_game": {"en": "learning → games", "zh-CN": "学习 → 游戏"},
    "mining.dir.to_learning": {"en": "games → learning", "zh-CN": "游戏 → 学习"},
    "mining.dir.within": {"en": "same side", "zh-CN": "同一平台"},
    "mining.dir.mixed": {"en": "mixed", "zh-CN": "混合"},
    "mining.col.if": {"en": "if", "zh-CN": "如果"},
    "mining.col.then": {"en": "then", "zh-CN": "那么"},
    "mining.col.direction": {"en": "direction", "zh-CN": "方向"},
    "mining.col.support": {"en": "support", "zh-CN": "支持度"},
    "mining.col.confidence": {"en": "confidence", "zh-CN": "置信度"},
    "mining.col.lift": {"en": "lift", "zh-CN": "提升度"},
    "mining.col.q": {"en": "q (BH)", "zh-CN": "q值(BH)"},
    "mining.seg.title": {
        "en": "Segments ({scope}): {units} people, k = {k} by {criterion}",
        "zh-CN": "用户分群 ({scope}): 共 {units} 人, 按{criterion}选出 k = {k}"},
    "mining.seg.ari": {"en": "Agreement with the planted archetypes: ARI {ari:.3f} "
                             "over {n} people",
                       "zh-CN": "与预设人群原型的一致性: ARI {ari:.3f} ({n} 人)"},
    "mining.seg.assigned": {"en": "Assigned {units} people with the stored model",
                            "zh-CN": "已用已保存的模型为 {units} 人分配分群"},
    "mining.seg.below_k": {"en": "< k = {k}", "zh-CN": "不足 k = {k} 人"},
    "mining.col.segment": {"en": "segment", "zh-CN": "分群"},
    "mining.col.size": {"en": "people", "zh-CN": "人数"},
    "mining.col.share": {"en": "share", "zh-CN": "占比"},
    "mining.col.value": {"en": "spend/person (yuan)", "zh-CN": "人均消费(元)"},
    "mining.col.profile": {"en": "profile", "zh-CN": "画像"},
    "mining.col.hours": {"en": "h/week learn·play·watch", "zh-CN": "每周小时 学·玩·看"},
    "mining.social.title": {
        "en": "Social graph ({platform}): {nodes} nodes, {edges} edges, {communities} "
              "communities (Leiden, modularity {modularity})",
        "zh-CN": "社交网络 ({platform}): {nodes} 个节点, {edges} 条边, {communities} 个社区 "
                 "(Leiden, 模块度 {modularity})"},
    "mining.social.for": {"en": "Ranked by expected reach into segment {segment}: {name}",
                          "zh-CN": "按对分群 {segment} 的预期触达排序: {name}"},
    "mining.social.pr": {"en": "Ranked by weighted PageRank", "zh-CN": "按加权 PageRank 排序"},
    "mining.col.node": {"en": "who", "zh-CN": "对象"},
    "mining.col.pagerank": {"en": "PageRank", "zh-CN": "PageRank"},
    "mining.col.reach1": {"en": "direct contacts", "zh-CN": "直接联系人"},
    "mining.col.reach2": {"en": "reach ≤2 hops", "zh-CN": "两跳触达"},
    "mining.col.expected": {"en": "expected reach in segment", "zh-CN": "分群预期触达"},
    "mining.col.seg_reach2": {"en": "segment ≤2 hops", "zh-CN": "分群两跳触达"},
    "mining.col.community": {"en": "community", "zh-CN": "社区"},
    "mining.paths.title": {
        "en": "Top paths to {target} ({scope}): {reached} of {units} people, last {steps} steps",
        "zh-CN": "通往{target}的主要路径 ({scope}): {units} 人中 {reached} 人, 最后 {steps} 步"},
    "mining.paths.purchase": {"en": "first purchase", "zh-CN": "首次购买"},
    "mining.paths.churn": {"en": "churn", "zh-CN": "流失"},
    "mining.col.path": {"en": "path (step: conversion)", "zh-CN": "路径 (步骤: 转化率)"},
    "mining.churn.fit": {
        "en": "Churn = no activity for {days} days. Hold-out AUC {auc:.3f} (later period, "
              "{n} people, base rate {base:.1%}), Brier {brier:.4f}",
        "zh-CN": "流失 = 连续 {days} 天无活动。时间外样本 AUC {auc:.3f} (后一时段, {n} 人, "
                 "基础流失率 {base:.1%}), Brier {brier:.4f}"},
    "mining.churn.drivers": {"en": "What drives churn", "zh-CN": "流失的主要原因"},
    "mining.churn.km": {"en": "Retention by segment (Kaplan-Meier, share still active)",
                        "zh-CN": "按分群的留存 (Kaplan-Meier, 仍活跃比例)"},
    "mining.churn.scored": {"en": "Scored {n} people; highest churn risk:",
                            "zh-CN": "已为 {n} 人打分; 流失风险最高:"},
    "mining.col.driver": {"en": "driver", "zh-CN": "原因"},
    "mining.col.importance": {"en": "AUC drop", "zh-CN": "AUC 下降"},
    "mining.churn.everyone": {"en": "all", "zh-CN": "全部"},
    "mining.col.person_id": {"en": "person_id", "zh-CN": "关联用户 ID"},
    "mining.col.user_key": {"en": "user_key", "zh-CN": "用户键"},
    "mining.col.risk": {"en": "churn probability", "zh-CN": "流失概率"},
    "mining.col.day": {"en": "day {d}", "zh-CN": "第{d}天"},
    "mining.demo.rules": {"en": "mine cross-domain association rules, segments and influencers",
                          "zh-CN": "挖掘跨域关联规则、用户分群与影响力主播"},
    "mining.demo.rules_head": {
        "en": "Top cross-domain rules over categories and habits ({units} linked people with "
              "consent; every rule holds for at least k = {k} of them), significant first "
              "(Benjamini-Hochberg q <= 0.05), then by lift:",
        "zh-CN": "跨域关联规则 (类别与习惯; {units} 位已授权关联用户, 每条规则至少覆盖 "
                 "k = {k} 人), 先列显著规则 (Benjamini-Hochberg q <= 0.05), 再按提升度:"},
    "mining.demo.rule_figures": {"en": "(lift {lift:.2f}, conf {conf:.0%}, q {q:.2g})",
                                 "zh-CN": "(提升度 {lift:.2f}, 置信度 {conf:.0%}, q {q:.2g})"},
    "mining.demo.streamer_figures": {"en": "(reach {reach:.1f}, PageRank {pr:.4f})",
                                     "zh-CN": "(预期触达 {reach:.1f}, PageRank {pr:.4f})"},
    "mining.demo.planted": {"en": "✓ planted in the world", "zh-CN": "✓ 模拟世界中预设的关联"},
    "mining.demo.rules_tally": {
        "en": "{n} cross-domain pairs pass the thresholds, {sig} of them significant.",
        "zh-CN": "共 {n} 组跨域关联达到阈值, 其中 {sig} 组显著。"},
    "mining.demo.rules_truth": {
        "en": "Checked against the world's hidden ground truth (never read by the miner): "
              "{planted} of the {sig} significant rules are affinities it planted through a "
              "shared topic; the others mostly reflect the kinds of people in it (an "
              "archetype that likes both sides).",
        "zh-CN": "对照模拟世界的隐藏真值 (挖掘过程从不读取): {sig} 条显著规则中有 {planted} "
                 "条是通过共同兴趣主题预设的关联; 其余主要反映人群原型 (同一类人两边都喜欢)。"},
    "mining.demo.ari_scale": {"en": "(1 = the same grouping, 0 = chance; the planted types "
                                    "overlap a lot, see docs/mining.md)",
                              "zh-CN": "(1 = 完全一致, 0 = 随机; 预设原型之间重叠较多, "
                                       "见 docs/mining.md)"},
    "mining.demo.no_rules": {"en": "No cross-domain rule reaches the thresholds at this size.",
                             "zh-CN": "在当前数据规模下没有跨域规则达到阈值。"},
    "mining.demo.segments_head": {
        "en": "Segments ({k}, chosen by silhouette among the k where every segment stands "
              "out):",
        "zh-CN": "用户分群 ({k} 个, 在每个分群都有鲜明特征的 k 中按轮廓系数选出):"},
    "mining.demo.segments_head_small": {
        "en": "Segments ({k}, chosen by silhouette; at this size no number of segments gives "
              "groups that all hold {privacy_k} people and stand out):",
        "zh-CN": "用户分群 ({k} 个, 按轮廓系数选出; 在当前规模下, 无论分几群都无法让每个分群"
                 "都达到 {privacy_k} 人且特征鲜明):"},
    "mining.demo.streamers_head": {"en": "Top streamers to reach segment {segment} ({name}):",
                                   "zh-CN": "触达分群 {segment} ({name}) 的主播:"},
    "mining.demo.next": {"en": "More: `crossplay rules mine --help`, `crossplay segments fit`, "
                               "`crossplay social rank`, `crossplay paths`, `crossplay churn fit`",
                         "zh-CN": "更多: `crossplay rules mine --help`、`crossplay segments fit`、"
                                  "`crossplay social rank`、`crossplay paths`、"
                                  "`crossplay churn fit`"},
}
