"""The recommendation errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says (the models, the
interaction logs and splits, the trained bundles, the leaderboards, the content mix and
the options of ``crossplay recommend``); the CLI's recommendation commands register this
catalog and print the zh-CN text from the error's params. A code that used to cover a
family of messages names its first member; the others carry it as a prefix
(``recommend_param`` -> ``recommend_param_shrink``).
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # options of `crossplay recommend` (crossplay.cli.commands_recommend)
    "err.recommend_option_model": {
        "en": "--model {value!r}: use als, bpr, item_knn or content",
        "zh-CN": "--model {value!r}：请使用 als、bpr、item_knn 或 content"},
    "err.recommend_option_task": {
        "en": "--task {value!r}: use in-domain, cross-domain or cold-start",
        "zh-CN": "--task {value!r}：请使用 in-domain、cross-domain 或 cold-start"},
    "err.recommend_option_split": {
        "en": "--split {value!r}: use time or random",
        "zh-CN": "--split {value!r}：请使用 time 或 random"},
    "err.recommend_option_domain": {
        "en": "{option} {value!r}: use knowledge, game or stream",
        "zh-CN": "{option} {value!r}：请使用 knowledge、game 或 stream"},
    # a malformed --key (raised by crossplay.privacy.keys.check_user_key, which
    # `recommend for` calls first)
    "err.bad_user_key": {
        "en": "{shown!r} is not a user key: a user_key is {n} hexadecimal characters (0-9, "
              "a-f) with no prefix, as crossplay stores it (see `crossplay sql \"SELECT "
              "user_key FROM events LIMIT 1\"`); give a native id with --user instead",
        "zh-CN": "{shown!r} 不是用户假名键：user_key 是 {n} 个十六进制字符（0-9、a-f），没有"
                 "前缀，与 crossplay 存储的一致（可用 `crossplay sql \"SELECT user_key FROM "
                 "events LIMIT 1\"` 查看）；也可以用 --user 给出原始用户 ID"},
    # training and serving (crossplay.recommend.service)
    "err.recommend_model": {"en": "model must be als, bpr, item_knn or content",
                            "zh-CN": "模型须为 als、bpr、item_knn 或 content"},
    "err.recommend_no_data": {
        "en": "no behaviour with items in the lake: ingest events first",
        "zh-CN": "数据湖中没有涉及内容的行为记录：请先导入事件数据"},
    "err.recommend_domain": {"en": "domain must be knowledge, game or stream",
                             "zh-CN": "领域须为 knowledge、game 或 stream"},
    "err.recommend_n": {"en": "n must be between 1 and 1000",
                        "zh-CN": "n 须在 1 到 1000 之间"},
    "err.recommend_no_model_domain": {
        "en": "the trained bundle has no {domain} model (no {domain} behaviour when it was "
              "trained)",
        "zh-CN": "已训练的模型包中没有 {domain} 模型（训练时没有 {domain} 的行为数据）"},
    "err.recommend_user": {
        "en": "give exactly one of --user (native id) or --key (user_key)",
        "zh-CN": "--user（原始用户 ID）与 --key（user_key）须给出且只给出其中一个"},
    "err.recommend_pseudonymise": {"en": "cannot pseudonymise the user id: {detail}",
                                   "zh-CN": "无法把用户 ID 转换为假名键：{detail}"},
    # interaction logs (crossplay.recommend.dataset, .weights)
    "err.recommend_unknown_item": {
        "en": "item {item!r} of {partner} is not in the item space",
        "zh-CN": "{partner} 的内容 {item!r} 不在模型的内容集合中"},
    "err.recommend_domain_none": {
        "en": "choose at least one domain: knowledge, game or stream",
        "zh-CN": "请至少选择一个领域：knowledge、game 或 stream"},
    "err.recommend_domain_unknown": {
        "en": "unknown domain {domain!r}: use knowledge, game or stream",
        "zh-CN": "未知领域 {domain!r}：请使用 knowledge、game 或 stream"},
    "err.recommend_domain_scope": {
        "en": "one partner's scope holds knowledge, or game and stream; use the joint scope "
              "to combine both partners",
        "zh-CN": "单个合作方的范围只含知识（knowledge），或游戏与直播（game、stream）；"
                 "要合并双方的数据请使用联合范围"},
    "err.recommend_split_train_fraction": {
        "en": "the train fraction must be between 0 and 1",
        "zh-CN": "训练集占比须在 0 和 1 之间"},
    "err.recommend_no_data_domains": {
        "en": "no behaviour with items in the lake for {domains}: ingest events first",
        "zh-CN": "数据湖中没有 {domains} 涉及内容的行为记录：请先导入事件数据"},
    "err.recommend_split_one_timestamp": {
        "en": "all events have one timestamp: use --split random",
        "zh-CN": "所有事件的时间戳都相同：请使用 --split random"},
    "err.recommend_weights": {
        "en": "unknown event type(s) in weights: {unknown}; use one of {known}",
        "zh-CN": "权重中有未知的事件类型：{unknown}；可选：{known}"},
    "err.recommend_weights_unit": {"en": "weight of {event_type}: unit must be > 0",
                                   "zh-CN": "{event_type} 的权重：unit 须大于 0"},
    "err.recommend_weights_confidence": {"en": "confidence must be log or linear",
                                         "zh-CN": "confidence 须为 log 或 linear"},
    "err.recommend_weights_alpha": {"en": "alpha and epsilon must be > 0",
                                    "zh-CN": "alpha 和 epsilon 须大于 0"},
    "err.recommend_weights_min_activity": {"en": "minimum activity must be at least 1",
                                           "zh-CN": "最低活跃度须至少为 1"},
    # splits and leaderboards (crossplay.recommend.split, .evaluate, .truth)
    "err.recommend_split_no_cutoff": {
        "en": "a time split needs a log read with a cutoff",
        "zh-CN": "按时间切分时，读取行为数据须给出切分时间点"},
    "err.recommend_split_test_fraction": {"en": "test fraction must be between 0 and 1",
                                          "zh-CN": "测试集占比须在 0 和 1 之间"},
    "err.recommend_split_cold_fraction": {"en": "cold fraction must be between 0 and 1",
                                          "zh-CN": "冷启动用户占比须在 0 和 1 之间"},
    "err.recommend_split_cold_overlap": {
        "en": "fewer than two users are active in both the source and the target domains: "
              "nothing to evaluate cold start on",
        "zh-CN": "在源领域和目标领域都有行为的用户不足两人：无法评估冷启动"},
    "err.recommend_model_task": {
        "en": "unknown model {model!r} for {task}: use {models}",
        "zh-CN": "{task} 任务没有模型 {model!r}：可选 {models}"},
    "err.recommend_split": {"en": "split must be time or random",
                            "zh-CN": "切分方式须为 time 或 random"},
    "err.recommend_k": {"en": "k must be at least 1", "zh-CN": "k 须至少为 1"},
    "err.recommend_no_test_users": {
        "en": "no test users for {task} on {target}: too little data after the split (try "
              "--split random, or a bigger world)",
        "zh-CN": "{task}（目标 {target}）没有测试用户：切分后数据太少（可尝试 --split "
                 "random，或使用更大的模拟世界）"},
    "err.recommend_no_data_evaluate": {
        "en": "no domain has enough behaviour to evaluate: ingest events first",
        "zh-CN": "没有任何领域有足够的行为数据可供评估：请先导入事件数据"},
    "err.recommend_task": {"en": "task must be one of {tasks}",
                           "zh-CN": "任务须为以下之一：{tasks}"},
    "err.recommend_no_data_joint": {
        "en": "no behaviour in the joint space",
        "zh-CN": "联合范围（已关联且双方同意的用户）中没有行为数据"},
    "err.recommend_truth": {
        "en": "no ground truth in {path} (expected ground_truth/items.parquet and "
              "ground_truth/people/)",
        "zh-CN": "{path} 中没有模拟世界的真值数据（应有 ground_truth/items.parquet 和 "
                 "ground_truth/people/）"},
    # trained bundles (crossplay.recommend.store)
    "err.recommend_no_model": {
        "en": "no trained recommender: run `crossplay recommend train` first",
        "zh-CN": "还没有训练好的推荐模型：请先运行 `crossplay recommend train`"},
    "err.recommend_no_model_unit": {"en": "no trained unit in {path}",
                                    "zh-CN": "{path} 中没有已训练的推荐单元"},
    "err.recommend_no_model_bundle": {
        "en": "no trained bundle {version!r} in {path}",
        "zh-CN": "{path} 中没有已训练的模型包 {version!r}"},
    # the models (crossplay.recommend.models)
    "err.recommend_catalog": {"en": "{model} needs the item catalog to fit",
                              "zh-CN": "{model} 训练时需要内容目录"},
    "err.recommend_catalog_size": {
        "en": "catalog has {catalog} items, the matrix {matrix}",
        "zh-CN": "内容目录有 {catalog} 个内容，交互矩阵却有 {matrix} 列"},
    "err.recommend_catalog_text": {
        "en": "the catalog has no text (title, category, tags, description): content-based "
              "needs some",
        "zh-CN": "内容目录中没有任何文本（标题、类别、标签、简介）：基于内容的推荐需要文本"},
    "err.recommend_no_similarity": {
        "en": "{model} has no item representation: similar items need item_knn, als, bpr, "
              "content, emcdr or hybrid",
        "zh-CN": "{model} 没有内容表示：相似内容需要 item_knn、als、bpr、content、emcdr "
                 "或 hybrid 模型"},
    "err.recommend_not_fitted": {
        "en": "{model} is not fitted: call fit() first or load a trained model",
        "zh-CN": "{model} 尚未训练：请先调用 fit()，或加载已训练的模型"},
    "err.recommend_n_top": {"en": "N must be at least 1", "zh-CN": "N 须至少为 1"},
    "err.recommend_item_index": {"en": "item index {item} is outside 0..{last}",
                                 "zh-CN": "内容下标 {item} 超出范围 0..{last}"},
    "err.recommend_no_model_saved": {
        "en": "no saved model in {path} (model.json missing)",
        "zh-CN": "{path} 中没有已保存的模型（缺少 model.json）"},
    "err.recommend_artifact_version": {
        "en": "{path} holds artifact version {found}; this crossplay reads version "
              "{expected}: retrain",
        "zh-CN": "{path} 中的模型文件版本为 {found}；当前 crossplay 只能读取版本 "
                 "{expected}：请重新训练"},
    "err.recommend_model_saved": {"en": "unknown model {model!r} in {path}",
                                  "zh-CN": "{path} 中的模型 {model!r} 无法识别"},
    "err.recommend_input": {
        "en": "user_items must be a scipy sparse matrix (users x items)",
        "zh-CN": "user_items 须为 scipy 稀疏矩阵（用户 × 内容）"},
    "err.recommend_empty": {"en": "the interaction matrix is empty: no users or no items",
                            "zh-CN": "交互矩阵为空：没有用户或没有内容"},
    "err.recommend_input_negative": {"en": "confidence values must not be negative",
                                     "zh-CN": "置信度不能为负"},
    "err.recommend_input_columns": {
        "en": "user_items has {columns} item columns; the model was fitted on {items}",
        "zh-CN": "user_items 有 {columns} 个内容列；模型训练时为 {items} 个"},
    "err.recommend_input_rows": {
        "en": "userids and user_items must have the same number of rows",
        "zh-CN": "userids 与 user_items 的行数须相同"},
    "err.recommend_input_shape": {
        "en": "user_items must have one row per user id and the model's item columns",
        "zh-CN": "user_items 须每个用户 ID 一行，列数须与模型的内容数一致"},
    "err.recommend_param": {
        "en": "factors and iterations must be >= 1, regularization >= 0",
        "zh-CN": "factors 和 iterations 须 >= 1，regularization 须 >= 0"},
    "err.recommend_param_alpha": {"en": "alpha must be > 0", "zh-CN": "alpha 须大于 0"},
    "err.recommend_param_by": {"en": "by must be users or confidence",
                               "zh-CN": "by 须为 users 或 confidence"},
    "err.recommend_param_segment_by": {"en": "segment_by must be category or platform",
                                       "zh-CN": "segment_by 须为 category 或 platform"},
    "err.recommend_param_knn": {"en": "neighbours and shrink must not be negative",
                                "zh-CN": "neighbours 和 shrink 不能为负"},
    "err.recommend_param_content": {
        "en": "weighting must be tfidf or bm25 and min_df >= 1",
        "zh-CN": "weighting 须为 tfidf 或 bm25，且 min_df >= 1"},
    "err.recommend_param_domains": {
        "en": "source and target must be domains: knowledge, game, stream",
        "zh-CN": "source 和 target 须为领域：knowledge、game、stream"},
    "err.recommend_param_same_domain": {"en": "source and target domains must differ",
                                        "zh-CN": "源领域与目标领域须不同"},
    "err.recommend_overlap": {
        "en": "fewer than two persons are active in both domains: the mapping cannot be "
              "learned (link more accounts)",
        "zh-CN": "两个领域都有行为的用户不足两人：无法学习跨领域映射（请关联更多账号）"},
    "err.recommend_tuning": {
        "en": "no setting of {model} could be fitted on the validation split",
        "zh-CN": "{model} 的参数组合在验证集上都无法训练"},
    "err.recommend_param_mapping_alpha": {
        "en": "mapping_alpha and segment_weight must not be negative",
        "zh-CN": "mapping_alpha 和 segment_weight 不能为负"},
    "err.recommend_overlap_only": {
        "en": "fewer than two persons are active in both domains: overlap_only has "
              "nothing to learn from (link more accounts)",
        "zh-CN": "两个领域都有行为的用户不足两人：overlap_only 无数据可学（请关联更多账号）"},
    "err.recommend_param_cf": {"en": "cf must be als or emcdr",
                               "zh-CN": "cf 须为 als 或 emcdr"},
    "err.recommend_param_shrink": {"en": "shrink must not be negative",
                                   "zh-CN": "shrink 不能为负"},
    # the content mix (crossplay.recommend.mixdata, .contentmix)
    "err.mix_no_persons": {
        "en": "no linked person with consent and activity: the content mix needs linked "
              "persons (run `crossplay psi` to link accounts)",
        "zh-CN": "没有已关联、已授权且有行为的用户：内容配比需要关联用户"
                 "（请先运行 `crossplay psi` 关联账号）"},
    "err.mix_n": {"en": "a slate needs at least two items",
                  "zh-CN": "推荐位至少需要两个内容"},
    "err.mix_columns": {"en": "content mix needs columns {columns}",
                        "zh-CN": "内容配比缺少以下列：{columns}"},
    "err.mix_data": {"en": "content mix needs at least three persons",
                     "zh-CN": "内容配比至少需要三名用户"},
    "err.mix_data_negative": {"en": "activity and weights must not be negative",
                              "zh-CN": "行为量与权重不能为负"},
    "err.mix_data_paired": {
        "en": "a paired comparison needs one score per person for both policies",
        "zh-CN": "配对比较需要每人在两种策略下各有一个得分"},
    "err.mix_data_segments": {"en": "one segment per person is needed",
                              "zh-CN": "每人须有且只有一个分群"},
    # the live recommender (crossplay.recommend.live, served by the HTTP API)
    "err.api_recommend_no_model": {
        "en": "no trained recommender: run `crossplay recommend train` first",
        "zh-CN": "还没有训练好的推荐模型: 请先运行 `crossplay recommend train`"},
    "err.api_recommend_unknown_item": {
        "en": "item {item!r} of {partner} is not in the trained recommender's items",
        "zh-CN": "{partner} 的物品 {item!r} 不在已训练推荐模型的物品中"},
}
