"""The mining errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; the CLI's mining
commands register this catalog and print the zh-CN text from the error's params. Option
names, scopes, levels and commands stay as typed (``--window``, ``joint``,
``crossplay segments fit``).
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # the population and the lake (crossplay.mining.population, .churn)
    "err.mining_no_data": {
        "en": "the lake has no events: ingest data or run `crossplay demo` first",
        "zh-CN": "数据湖中没有事件: 请先导入数据或运行 `crossplay demo`"},
    "err.mining_unknown_scope": {
        "en": "unknown scope {scope!r}; use one of {scopes}",
        "zh-CN": "未知的范围 {scope!r}; 可选: {scopes}"},
    "err.mining_window": {
        "en": "--window must be at least 1 day, got {window}",
        "zh-CN": "--window 至少为 1 天, 收到 {window}"},
    # baskets and frequent itemsets (crossplay.mining.baskets, .fpm, .rules)
    "err.mining_unknown_level": {
        "en": "unknown level {level!r}; use one of {levels}",
        "zh-CN": "未知的层级 {level!r}; 可选: {levels}"},
    "err.mining_no_baskets": {
        "en": "no baskets: nobody in this scope and window has behaviour at this level "
              "(check consent, the scope and --window)",
        "zh-CN": "没有可挖掘的行为篮: 在此范围和时间窗口内, 没有人在这一层级上有行为 "
                 "(请检查同意授权、--scope 和 --window)"},
    "err.mining_basket_lengths": {
        "en": "basket and item arrays differ in length",
        "zh-CN": "行为篮数组与条目数组长度不一致"},
    "err.mining_basket_ids": {
        "en": "basket or item id out of range",
        "zh-CN": "行为篮或条目编号超出范围"},
    "err.mining_min_support": {
        "en": "min_support must be in (0, 1], got {min_support}",
        "zh-CN": "min_support 须在 (0, 1] 之间, 收到 {min_support}"},
    "err.mining_max_len": {
        "en": "max_len must be at least 1, got {max_len}",
        "zh-CN": "max_len 至少为 1, 收到 {max_len}"},
    "err.mining_min_confidence": {
        "en": "min_confidence must be in [0, 1], got {min_confidence}",
        "zh-CN": "min_confidence 须在 [0, 1] 之间, 收到 {min_confidence}"},
    "err.mining_sort_key": {
        "en": "cannot sort rules by {sort_by!r}; use one of {keys}",
        "zh-CN": "无法按 {sort_by!r} 排序规则; 可选: {keys}"},
    # rules mine (crossplay.mining.rule_mining)
    "err.mining_rules_min_support": {
        "en": "--min-support must be in (0, 1], got {min_support}",
        "zh-CN": "--min-support 须在 (0, 1] 之间, 收到 {min_support}"},
    "err.mining_rules_min_confidence": {
        "en": "--min-confidence must be in [0, 1], got {min_confidence}",
        "zh-CN": "--min-confidence 须在 [0, 1] 之间, 收到 {min_confidence}"},
    "err.mining_rules_below_k": {
        "en": "only {n} units in scope {scope!r}: fewer than k = {k}, no rule can be released",
        "zh-CN": "范围 {scope!r} 中只有 {n} 人, 少于 k = {k}: 没有可以发布的规则"},
    "err.mining_no_rules": {
        "en": "no rules stored for {scope}/{level}: run `crossplay rules mine --scope {scope} "
              "--level {level}` first",
        "zh-CN": "{scope}/{level} 还没有保存的规则: 请先运行 `crossplay rules mine --scope "
                 "{scope} --level {level}`"},
    "err.mining_export_type": {
        "en": "export to .csv or .json, not {name!r}",
        "zh-CN": "只能导出为 .csv 或 .json 文件, 不能导出为 {name!r}"},
    # rules mine --from-file (crossplay.mining.baskets_file, .rules_file, the command)
    "err.mining_file_format": {
        "en": "unknown basket file format {format!r}; use one of {formats}",
        "zh-CN": "未知的行为篮文件格式 {format!r}; 可选: {formats}"},
    "err.mining_file_delimiter": {
        "en": "--delimiter {delimiter!r}: give one character or one of {names}",
        "zh-CN": "--delimiter {delimiter!r}: 请给出一个字符, 或以下名称之一: {names}"},
    "err.mining_file_missing": {
        "en": "file {path} does not exist",
        "zh-CN": "文件 {path} 不存在"},
    "err.mining_file_short_row": {
        "en": "line {line} has {fields} field(s), fewer than the {need} the chosen columns "
              "need",
        "zh-CN": "第 {line} 行只有 {fields} 个字段, 少于所选列需要的 {need} 个"},
    "err.mining_file_empty_field": {
        "en": "line {line} has an empty transaction id or item: fill it or remove the row",
        "zh-CN": "第 {line} 行的交易编号或条目为空: 请补上或删除该行"},
    "err.mining_file_encoding": {
        "en": "{path} is not UTF-8 text (byte {byte}): save it as UTF-8",
        "zh-CN": "{path} 不是 UTF-8 文本 (第 {byte} 字节): 请另存为 UTF-8"},
    "err.mining_file_unreadable": {
        "en": "{path} is not readable as delimited text: {detail}",
        "zh-CN": "无法按分隔文本读取 {path}: {detail}"},
    "err.mining_file_column_position": {
        "en": "column {column!r}: without --header give columns by 1-based position",
        "zh-CN": "列 {column!r}: 没有 --header 时请按位置 (从 1 开始) 指定列"},
    "err.mining_file_column": {
        "en": "column {column!r} is not in the header; columns: {columns}",
        "zh-CN": "表头中没有列 {column!r}; 文件的列: {columns}"},
    "err.mining_file_columns_baskets": {
        "en": "--transaction-col and --item-col choose the columns of transaction/item pairs: "
              "they do not apply to --format baskets",
        "zh-CN": "--transaction-col 和 --item-col 用于选择\"交易/条目\"成对格式的列: "
                 "不适用于 --format baskets"},
    "err.mining_file_columns_both": {
        "en": "give both --transaction-col and --item-col",
        "zh-CN": "请同时给出 --transaction-col 和 --item-col"},
    "err.mining_file_empty": {
        "en": "{path} holds no baskets",
        "zh-CN": "{path} 中没有行为篮"},
    "err.mining_file_pair_width": {
        "en": "line {line} has {fields} field(s): transaction/item pairs have {width} (choose "
              "columns with --transaction-col and --item-col, or read each line as a basket "
              "with --format baskets)",
        "zh-CN": "第 {line} 行有 {fields} 个字段: \"交易/条目\"成对格式每行应有 {width} 个 "
                 "(请用 --transaction-col 和 --item-col 选择列, 或用 --format baskets "
                 "把每一行读作一个行为篮)"},
    "err.mining_file_lake_options": {
        "en": "--level, --scope, --window and --cross-domain-only choose the lake's baskets: "
              "leave them out with --from-file",
        "zh-CN": "--level、--scope、--window 和 --cross-domain-only 用于选择数据湖中的行为篮: "
                 "使用 --from-file 时请不要给出"},
    "err.mining_file_options_without_file": {
        "en": "--format, --delimiter, --header, --transaction-col and --item-col read a basket "
              "file: give it with --from-file",
        "zh-CN": "--format、--delimiter、--header、--transaction-col 和 --item-col 用于读取"
                 "行为篮文件: 请用 --from-file 给出文件"},
    # segments (crossplay.mining.segments, .segment_job)
    "err.mining_not_fitted": {
        "en": "the segment model is not fitted: run `crossplay segments fit`",
        "zh-CN": "分群模型尚未训练: 请运行 `crossplay segments fit`"},
    "err.mining_k_range": {
        "en": "k range must satisfy 2 <= min <= max, got {lo}..{hi}",
        "zh-CN": "k 的范围须满足 2 <= 最小值 <= 最大值, 收到 {lo}..{hi}"},
    "err.mining_criterion": {
        "en": "criterion must be silhouette or bic, not {criterion!r}",
        "zh-CN": "选择标准须为 silhouette 或 bic, 不能是 {criterion!r}"},
    "err.mining_too_few": {
        "en": "only {n} people to segment: need at least {need}",
        "zh-CN": "可分群的只有 {n} 人: 至少需要 {need} 人"},
    "err.mining_segment_model_version": {
        "en": "segment model version {version} is not {expected}: refit with "
              "`crossplay segments fit`",
        "zh-CN": "分群模型版本 {version} 不是 {expected}: 请用 `crossplay segments fit` "
                 "重新训练"},
    "err.mining_no_segment_model": {
        "en": "no segment model for scope {scope!r}: run `crossplay segments fit --scope "
              "{scope}` first",
        "zh-CN": "范围 {scope!r} 还没有分群模型: 请先运行 `crossplay segments fit --scope "
                 "{scope}`"},
    "err.mining_no_segments": {
        "en": "no segments for scope {scope!r}: run `crossplay segments fit --scope {scope}` "
              "first",
        "zh-CN": "范围 {scope!r} 还没有分群结果: 请先运行 `crossplay segments fit --scope "
                 "{scope}`"},
    # social influence (crossplay.mining.social, .social_job)
    "err.mining_edge_lengths": {
        "en": "src, dst and strength differ in length",
        "zh-CN": "src、dst 与 strength 的长度不一致"},
    "err.mining_graph_empty": {
        "en": "the social graph is empty: ingest social edges first",
        "zh-CN": "社交网络为空: 请先导入社交关系数据"},
    "err.mining_target_shape": {
        "en": "target must mark every node",
        "zh-CN": "target 须为每个节点给出标记"},
    "err.mining_unknown_node": {
        "en": "node {node} is not in the graph",
        "zh-CN": "节点 {node} 不在社交网络中"},
    "err.mining_unknown_segment": {
        "en": "segment {segment} does not exist in scope {scope!r}; segments are {known}",
        "zh-CN": "范围 {scope!r} 中不存在分群 {segment}; 现有分群: {known}"},
    "err.mining_unknown_platform": {
        "en": "unknown platform {platform!r}; use one of {platforms}",
        "zh-CN": "未知的平台 {platform!r}; 可选: {platforms}"},
    "err.mining_rank_what": {
        "en": "rank streamers, users or all, not {what!r}",
        "zh-CN": "只能对 streamers (主播)、users (用户) 或 all (全部) 排序, 不能是 {what!r}"},
    "err.mining_top": {
        "en": "--top must be at least 1",
        "zh-CN": "--top 至少为 1"},
    "err.mining_no_edges": {
        "en": "no social edges to rank: ingest a social graph first",
        "zh-CN": "没有可排序的社交关系: 请先导入社交网络数据"},
    "err.mining_no_releasable_segment": {
        "en": "no segment holds k = {k} people: no streamers to rank",
        "zh-CN": "没有分群达到 k = {k} 人: 无法为主播排序"},
    # paths and churn (crossplay.mining.paths, .churn, .churn_job)
    "err.mining_paths_counts": {
        "en": "--steps and --top must be at least 1",
        "zh-CN": "--steps 和 --top 至少为 1"},
    "err.mining_paths_target": {
        "en": "--to must be purchase or churn, not {target!r}",
        "zh-CN": "--to 须为 purchase (首次购买) 或 churn (流失), 不能是 {target!r}"},
    "err.mining_churn_days": {
        "en": "--days must be at least 1, got {days}",
        "zh-CN": "--days 至少为 1, 收到 {days}"},
    "err.mining_churn_span": {
        "en": "churn by {days} days needs at least {need} days of events (have {have}): "
              "lower --days",
        "zh-CN": "按 {days} 天定义流失至少需要 {need} 天的事件 (现有 {have} 天): "
                 "请调低 --days"},
    "err.mining_churn_too_few": {
        "en": "the {name} snapshot has too few churned or retained people ({churned} of {n}): "
              "more data or another --days",
        "zh-CN": "{name_zh}快照中流失或留存的人太少 ({n} 人中流失 {churned} 人): "
                 "请增加数据或换一个 --days"},
    "err.mining_no_churn_model": {
        "en": "no churn model: run `crossplay churn fit` first",
        "zh-CN": "还没有流失模型: 请先运行 `crossplay churn fit`"},
    "err.mining_churn_model_version": {
        "en": "the stored churn model is from another version: run `crossplay churn fit` "
              "again",
        "zh-CN": "已保存的流失模型来自其他版本: 请重新运行 `crossplay churn fit`"},
    "err.mining_no_churn_report": {
        "en": "no churn model for scope {scope!r}: run `crossplay churn fit --scope {scope}` "
              "first",
        "zh-CN": "范围 {scope!r} 还没有流失模型: 请先运行 `crossplay churn fit --scope "
                 "{scope}`"},
    # the synthetic world's ground truth (crossplay.mining.truth_eval)
    "err.mining_no_truth_people": {
        "en": "no ground truth under {world}/ground_truth/people",
        "zh-CN": "{world}/ground_truth/people 下没有真值数据"},
    "err.mining_truth_disjoint": {
        "en": "no unit of the segments is in the ground truth",
        "zh-CN": "分群中没有任何人出现在真值数据中"},
    "err.mining_no_truth_file": {
        "en": "no ground truth at {path}",
        "zh-CN": "{path} 处没有真值数据"},
}
