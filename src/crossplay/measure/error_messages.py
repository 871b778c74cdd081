"""The measurement errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; the CLI's
measurement commands register this catalog and print the zh-CN text from the error's
params. A column's role (metric, covariate, feature ...) is English data in the params,
so the Chinese texts name the column alone.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # files given with --from-file (crossplay.measure.fileinput, .uplift_file)
    "err.measure_ratio_spec": {"en": "ratio metric {text!r}: write NAME=NUMERATOR/DENOMINATOR",
                               "zh-CN": "比率指标 {text!r}: 请写成 NAME=NUMERATOR/DENOMINATOR"},
    "err.measure_file_missing": {"en": "file {path} does not exist",
                                 "zh-CN": "文件 {path} 不存在"},
    "err.measure_file_type": {"en": "{path}: use a .csv, .parquet or .jsonl file",
                              "zh-CN": "{path}: 请使用 .csv、.parquet 或 .jsonl 文件"},
    "err.measure_file_unreadable": {"en": "cannot read {path}: {detail}",
                                    "zh-CN": "无法读取 {path}: {detail}"},
    "err.measure_column_missing": {
        "en": "{role} column {column!r} is not in the file; columns: {columns}",
        "zh-CN": "文件中没有列 {column!r}; 文件的列: {columns}"},
    "err.measure_column_type": {
        "en": "{role} column {column!r} holds {type}, not numbers: give a numeric column (0/1 "
              "or true/false for a conversion)",
        "zh-CN": "列 {column!r} 的类型是 {type}, 不是数字: 请给出数值列 (转化类指标用 0/1 或 "
                 "true/false)"},
    "err.measure_not_a_number": {
        "en": "{role} column {column!r} holds {value!r}, not numbers: give numbers (true/false "
              "or yes/no count as 1/0); fix or remove the rows holding such values",
        "zh-CN": "列 {column!r} 含有 {value!r}, 不是数字: 请给出数字 (true/false 或 yes/no 按 "
                 "1/0 计); 请修正或删除含这类值的行"},
    "err.measure_column_absent": {"en": "column {column!r} is not in the file; columns: {columns}",
                                  "zh-CN": "文件中没有列 {column!r}; 文件的列: {columns}"},
    "err.measure_empty_values": {
        "en": "column {column!r} has {n:,} empty value(s): fill them (0 when nothing "
              "happened) or remove those rows before analysing",
        "zh-CN": "列 {column!r} 有 {n:,} 个空值: 分析前请填上 (没有发生时填 0) 或删除这些行"},
    "err.measure_read_failed": {"en": "cannot read the file: {detail}",
                                "zh-CN": "无法读取文件: {detail}"},
    "err.measure_overflow": {
        "en": "values in variant {variant!r} are too large to analyse (their squares "
              "overflow): check the metric columns for values such as 1e308",
        "zh-CN": "组 {variant!r} 中的数值太大, 无法分析 (平方后溢出): 请检查指标列中是否有 "
                 "1e308 之类的值"},
    "err.measure_variant_column": {
        "en": "variant column {column!r} is not in the file; columns: {columns}",
        "zh-CN": "文件中没有分组列 {column!r}; 文件的列: {columns}"},
    "err.measure_no_metric": {"en": "name at least one --metric (or --ratio)",
                              "zh-CN": "请至少指定一个 --metric (或 --ratio)"},
    "err.measure_ratio_zero": {
        "en": "ratio {name}: the denominator {denominator!r} sums to 0 in variant {variant!r}",
        "zh-CN": "比率指标 {name}: 分母 {denominator!r} 在组 {variant!r} 中合计为 0"},
    "err.uplift_no_features": {"en": "name at least one feature with --features or --categorical",
                               "zh-CN": "请用 --features 或 --categorical 至少指定一个特征列"},
    "err.uplift_treatment_column": {
        "en": "treatment column {column!r} is not in the file; columns: {columns}",
        "zh-CN": "文件中没有实验分组列 {column!r}; 文件的列: {columns}"},
    "err.uplift_id_column": {"en": "id column {column!r} is not in the file",
                             "zh-CN": "文件中没有 ID 列 {column!r}"},
    "err.uplift_arm_missing": {"en": "no rows with {column} = {value!r}; values seen: {seen}",
                               "zh-CN": "没有 {column} = {value!r} 的行; 实际出现的值: {seen}"},
    # the analysis (crossplay.measure.analysis)
    "err.analysis_no_metric": {"en": "name at least one metric to analyse",
                               "zh-CN": "请至少指定一个要分析的指标"},
    "err.analysis_control": {
        "en": "control variant {control!r} is not in the data; variants seen: {seen}",
        "zh-CN": "数据中没有对照组 {control!r}; 实际出现的组: {seen}"},
    "err.analysis_one_variant": {"en": "the data hold only one variant: nothing to compare",
                                 "zh-CN": "数据中只有一个组: 无从比较"},
    "err.analysis_weights": {"en": "no weight for variant(s) {variants}",
                             "zh-CN": "以下组没有分流权重: {variants}"},
    "err.analysis_srm_threshold": {
        "en": "the SRM threshold must lie between 0 and 1 (got {threshold})",
        "zh-CN": "SRM 阈值须在 0 和 1 之间 (收到 {threshold})"},
    "err.analysis_too_few": {"en": "variant {variant!r} or control has fewer than 2 people",
                             "zh-CN": "组 {variant!r} 或对照组不足 2 人"},
    "err.analysis_ratio_no_denominator": {
        "en": "ratio metric {metric!r}: the denominator sums to 0 in group {group!r}, so "
              "the ratio is undefined there; check the metric's denominator events or "
              "analyse it once the group has some",
        "zh-CN": "比率指标 {metric!r}: 分母在组 {group!r} 中合计为 0, 比率无定义; 请检查该"
                 "指标的分母事件, 或等该组有数据后再分析"},
    # experiment documents (crossplay.measure.experiment through crossplay.core.yamldoc)
    "err.experiment_doc_missing": {"en": "experiment document {path} does not exist",
                                   "zh-CN": "实验文档 {path} 不存在"},
    "err.experiment_doc_unreadable": {"en": "cannot read experiment document {path}: {detail}",
                                      "zh-CN": "无法读取实验文档 {path}: {detail}"},
    "err.experiment_doc_not_yaml": {"en": "{path}: not valid YAML: {detail}",
                                    "zh-CN": "{path}: 不是有效的 YAML: {detail}"},
    "err.experiment_doc_not_mapping": {
        "en": "{path}: a experiment document must be a YAML mapping of keys to values",
        "zh-CN": "{path}: 实验文档须为键值映射 (YAML mapping)"},
    "err.experiment_doc_invalid": {"en": "invalid experiment document: {detail}",
                                   "zh-CN": "实验文档无效 ({path}): {detail}"},
    # experiments in the lake (crossplay.measure.registry, .lakemetrics, .lakeanalysis ...)
    "err.experiment_read": {"en": "cannot read experiments: {detail}",
                            "zh-CN": "无法读取实验: {detail}"},
    "err.experiment_unknown": {
        "en": "no experiment {key!r} (known: {known}); add one with `crossplay experiment add "
              "FILE`",
        "zh-CN": "没有实验 {key!r} (已有: {known}); 请用 `crossplay experiment add FILE` 添加"},
    "err.experiment_no_metrics": {"en": "experiment {key} defines no metrics",
                                  "zh-CN": "实验 {key} 没有定义指标"},
    "err.experiment_nested_ratio": {"en": "ratio {key}: {ref} is itself a ratio",
                                    "zh-CN": "比率指标 {key}: {ref} 本身也是比率指标"},
    "err.experiment_variant_unexposed": {
        "en": "experiment {key}: no exposures logged for variant(s) {variants} between "
              "{start} and {stop}",
        "zh-CN": "实验 {key}: {start} 至 {stop} 之间没有记录到以下组的曝光: {variants}"},
    "err.experiment_no_exposures": {
        "en": "no exposures of experiment {key} in the lake between {start} and {stop}: log "
              "them with `crossplay experiment log-exposures`",
        "zh-CN": "数据湖中没有实验 {key} 在 {start} 至 {stop} 之间的曝光: 请用 "
                 "`crossplay experiment log-exposures` 记录"},
    "err.measure_layer_overlap": {
        "en": "experiments {a!r} and {b!r} overlap in layer {layer!r} ({a_range} and "
              "{b_range}): give them disjoint layer_range slices",
        "zh-CN": "实验 {a!r} 和 {b!r} 在分层 {layer!r} 中重叠 ({a_range} 与 {b_range}): "
                 "请给它们互不重叠的 layer_range"},
    "err.exposure_variant": {"en": "variant {variant!r} is not one of experiment {key}'s "
                                   "variants {variants}",
                             "zh-CN": "{variant!r} 不是实验 {key} 的组 {variants} 之一"},
    "err.exposure_none": {"en": "no exposures to log", "zh-CN": "没有可记录的曝光"},
    "err.exposure_row": {"en": "{path}:{line}: need user_id, variant and an ISO ts ({detail})",
                         "zh-CN": "{path}:{line}: 需要 user_id、variant 和 ISO 格式的 ts "
                                  "({detail})"},
    "err.exposure_row_empty": {"en": "{path}:{line}: empty user_id or variant",
                               "zh-CN": "{path}:{line}: user_id 或 variant 为空"},
    "err.exposure_file": {"en": "cannot read {path}: {detail}",
                          "zh-CN": "无法读取 {path}: {detail}"},
    "err.assign_no_units": {"en": "give units to assign, or --audience-out FILE",
                            "zh-CN": "请给出要分配的用户, 或用 --audience-out FILE"},
    # options of the measurement commands
    "err.measure_weights": {"en": "--weights: write VARIANT=WEIGHT,... (got {part!r})",
                            "zh-CN": "--weights: 请写成 VARIANT=WEIGHT,... (收到 {part!r})"},
    "err.measure_correction": {"en": "--correction: use holm, bh or none",
                               "zh-CN": "--correction: 请使用 holm、bh 或 none"},
    "err.measure_cuped_slope": {"en": "--cuped-slope: use per-comparison or pooled",
                                "zh-CN": "--cuped-slope: 请使用 per-comparison 或 pooled"},
    "err.measure_analyze_input": {"en": "give an experiment KEY or --from-file FILE",
                                  "zh-CN": "请给出实验 KEY 或 --from-file FILE"},
    "err.measure_control_needed": {"en": "--control VALUE is required with --from-file",
                                   "zh-CN": "使用 --from-file 时必须给出 --control VALUE"},
    "err.measure_date": {"en": "{option}: write a date as YYYY-MM-DD (got {text!r})",
                         "zh-CN": "{option}: 日期请写成 YYYY-MM-DD (收到 {text!r})"},
    # sample sizes (crossplay.measure.power)
    "err.plan_inputs": {"en": "need a non-zero effect, 0 < alpha < power < 1 and sd >= 0",
                        "zh-CN": "需要非零的效应、0 < alpha < 功效 < 1 且 sd >= 0"},
    "err.plan_effect_tiny": {"en": "the effect is too small to detect with any realistic sample",
                             "zh-CN": "效应太小, 任何现实的样本量都无法检出"},
    "err.plan_variants": {"en": "an experiment needs at least two variants (control and one "
                                "more)",
                          "zh-CN": "实验至少需要两个组 (对照组和另一个组)"},
    "err.plan_ratio": {"en": "--ratio must be positive", "zh-CN": "--ratio 须为正数"},
    "err.plan_mde_zero": {"en": "the minimum detectable effect must not be zero",
                          "zh-CN": "最小可检测效应不能为零"},
    "err.plan_baseline": {
        "en": "a conversion baseline and baseline + MDE must lie in (0, 1); give --sd for a "
              "mean metric",
        "zh-CN": "转化率基线及基线 + MDE 须在 (0, 1) 之间; 均值类指标请给出 --sd"},
    "err.plan_sd": {"en": "--sd must be positive", "zh-CN": "--sd 须为正数"},
    # funnels and retention
    "err.funnel_event": {"en": "funnel step {step!r}: unknown event type {event!r}",
                         "zh-CN": "漏斗步骤 {step!r}: 未知事件类型 {event!r}"},
    "err.funnel_platform": {"en": "funnel step {step!r}: platform must be knowledge, game or "
                                  "stream",
                            "zh-CN": "漏斗步骤 {step!r}: 平台须为 knowledge、game 或 stream"},
    "err.funnel_event_platform": {
        "en": "funnel step {step!r}: {event} does not happen on {platform}",
        "zh-CN": "漏斗步骤 {step!r}: {platform} 平台上没有 {event} 事件"},
    "err.funnel_ambiguous": {
        "en": "funnel step {step!r}: {event} happens on {platforms}; write e.g. "
              "{first}:{event}",
        "zh-CN": "漏斗步骤 {step!r}: {event} 在多个平台上都有 ({platforms}); 请写明平台, "
                 "例如 {first}:{event}"},
    "err.funnel_steps": {"en": "a funnel needs at least two steps",
                         "zh-CN": "漏斗至少需要两个步骤"},
    "err.funnel_by": {"en": "--by: use one of {fields}", "zh-CN": "--by: 请使用 {fields} 之一"},
    "err.funnel_within": {"en": "--within must be at least 1 day",
                          "zh-CN": "--within 至少为 1 天"},
    "err.retention_days": {"en": "--days: write whole days separated by commas (got {text!r})",
                           "zh-CN": "--days: 请写用逗号分隔的整数天数 (收到 {text!r})"},
    "err.retention_day_min": {"en": "--days: give days >= 1, e.g. 1,7,30",
                              "zh-CN": "--days: 天数须 >= 1, 例如 1,7,30"},
    "err.retention_platform": {"en": "--platform: use knowledge, game or stream",
                               "zh-CN": "--platform: 请使用 knowledge、game 或 stream"},
    "err.retention_cohort": {"en": "--cohort: use day, week or month",
                             "zh-CN": "--cohort: 请使用 day、week 或 month"},
    # ROI (crossplay.measure.kpi)
    "err.roi_no_revenue": {"en": "experiment {campaign} has no revenue metric {metric!r}",
                           "zh-CN": "实验 {campaign} 没有收入指标 {metric!r}"},
    "err.roi_cost": {"en": "campaign {campaign}: the cost must be positive (got {cost:g}); give "
                           "--cost AMOUNT (yuan)",
                     "zh-CN": "活动 {campaign}: 成本须为正数 (收到 {cost:g}); 请给出 --cost "
                              "金额 (元)"},
    "err.roi_variants": {"en": "ROI needs exactly one treatment variant and the holdout",
                         "zh-CN": "计算 ROI 需要恰好一个实验组和一个对照组"},
    "err.roi_no_ledger_cost": {
        "en": "campaign {campaign}: no cost in the ledger ({reason}); give --cost AMOUNT "
              "(yuan)",
        "zh-CN": "活动 {campaign}: 账本中没有成本 ({reason}); 请给出 --cost 金额 (元)"},
    # uplift models
    "err.uplift_shape": {"en": "uplift: X must be 2-D with one row per treatment and outcome "
                               "value",
                         "zh-CN": "增益模型: X 须为二维, 每行对应一个分组值和一个结果值"},
    "err.uplift_not_finite": {"en": "uplift: features and outcomes must be finite numbers",
                              "zh-CN": "增益模型: 特征和结果须为有限的数字"},
    "err.uplift_too_few": {"en": "uplift: need at least 5 treated and 5 control people",
                           "zh-CN": "增益模型: 实验组和对照组各至少需要 5 人"},
    "err.uplift_not_fitted": {"en": "this uplift model is not fitted yet: call fit first",
                              "zh-CN": "该增益模型尚未训练: 请先调用 fit"},
    "err.uplift_q_share": {"en": "the targeted share q must be in (0, 1]",
                           "zh-CN": "投放占比 q 须在 (0, 1] 之间"},
    "err.uplift_holdout": {"en": "--holdout must be a share in (0, 1)",
                           "zh-CN": "--holdout 须为 (0, 1) 之间的占比"},
    "err.uplift_q": {"en": "--q must be a share in (0, 1]",
                     "zh-CN": "--q 须为 (0, 1] 之间的占比"},
    "err.uplift_true_effects": {"en": "true effects: one finite number per person",
                                "zh-CN": "真实效应: 每人须有一个有限的数字"},
    "err.uplift_model_base": {"en": "--model t|x|s|ct and --base lightgbm|hgb|linear",
                              "zh-CN": "--model 须为 t、x、s 或 ct, --base 须为 lightgbm、hgb 或 "
                                       "linear"},
    "err.uplift_truth_file": {
        "en": "--truth reads a synthetic world's ground truth for --experiment; with "
              "--from-file use --true-effect-col",
        "zh-CN": "--truth 读取模拟世界的真值, 只能与 --experiment 一起用; 使用 --from-file "
                 "时请用 --true-effect-col"},
    "err.uplift_file_options": {
        "en": "--from-file needs --treatment, --control, --outcome and --features or "
              "--categorical",
        "zh-CN": "--from-file 需要同时给出 --treatment、--control、--outcome, 以及 --features "
                 "或 --categorical"},
    # uplift evaluate --from-file: categorical features, the split column, the arm
    # (crossplay.measure.uplift_file, .uplift_eval)
    "err.uplift_feature_twice": {
        "en": "feature column {column!r} is named twice (in --features and --categorical "
              "together): name it once",
        "zh-CN": "特征列 {column!r} 被指定了两次 (--features 与 --categorical 中重复): "
                 "请只指定一次"},
    "err.uplift_feature_text": {
        "en": "feature column {column!r} holds text such as {value!r}: name it with "
              "--categorical to one-hot encode it, or give numbers",
        "zh-CN": "特征列 {column!r} 含有文本, 例如 {value!r}: 请用 --categorical 指定它以"
                 "进行独热编码, 或给出数字"},
    "err.uplift_split_column": {
        "en": "split column {column!r} is not in the file; columns: {columns}",
        "zh-CN": "文件中没有划分列 {column!r}; 文件的列: {columns}"},
    "err.uplift_split_values": {
        "en": "split column {column!r} must say train or test in every row: {n:,} rows hold "
              "other values ({values})",
        "zh-CN": "划分列 {column!r} 的每一行都须为 train 或 test: 有 {n:,} 行是其他值 "
                 "({values})"},
    "err.uplift_split_holdout": {
        "en": "--holdout draws a random hold-out; with --split-col the file's test rows are "
              "the hold-out: give one of them",
        "zh-CN": "--holdout 随机抽取留出样本, 而 --split-col 以文件中的 test 行作为留出样本: "
                 "二者只能给一个"},
    "err.uplift_split_arms": {
        "en": "the {part} rows of split column {column!r} hold {treated:,} treated and "
              "{control:,} control people: each part needs at least 5 of each",
        "zh-CN": "划分列 {column!r} 中 {part} 部分有实验组 {treated:,} 人、对照组 {control:,} "
                 "人: 每部分的两组各至少需要 5 人"},
    "err.uplift_categorical_levels": {
        "en": "categorical column {column!r} has {levels:,} levels, more than --max-levels "
              "{max}: an id or free text is not a category; leave it out, group rare levels, "
              "or raise --max-levels",
        "zh-CN": "类别列 {column!r} 有 {levels:,} 个水平, 超过 --max-levels {max}: ID 或自由"
                 "文本不是类别; 请去掉该列、合并少见的水平, 或调高 --max-levels"},
    "err.uplift_treatment_empty": {
        "en": "treatment column {column!r} has {n:,} empty or NaN value(s): fill them or "
              "remove those rows",
        "zh-CN": "实验分组列 {column!r} 有 {n:,} 个空值或 NaN: 请填上或删除这些行"},
    "err.uplift_file_only": {
        "en": "--categorical, --split-col and --predictions-out read a file: use them with "
              "--from-file",
        "zh-CN": "--categorical、--split-col 和 --predictions-out 用于读取文件: 请与 "
                 "--from-file 一起使用"},
    "err.uplift_predictions_type": {
        "en": "write predictions to a .parquet or .csv file, not {name!r}",
        "zh-CN": "预测结果只能写入 .parquet 或 .csv 文件, 不能写入 {name!r}"},
    "err.uplift_input": {"en": "give --from-file FILE or --experiment KEY",
                         "zh-CN": "请给出 --from-file FILE 或 --experiment KEY"},
    "err.uplift_no_truth": {"en": "no ground truth under {people}: is {world} a generated world?",
                            "zh-CN": "{people} 下没有真值: {world} 是生成的模拟世界吗?"},
    "err.uplift_truth_mismatch": {
        "en": "{missing:,} of {n:,} people of the experiment are not eligible people of the "
              "world at {world}: was the lake loaded from this world with the current "
              "partner secrets?",
        "zh-CN": "实验中 {n:,} 人里有 {missing:,} 人不是 {world} 模拟世界中符合条件的人: "
                 "数据湖是用当前合作方密钥从这个模拟世界导入的吗?"},
    # the synthetic world's sample campaign
    "err.world_truth_missing": {"en": "{path} does not exist: is {world} a generated world?",
                                "zh-CN": "{path} 不存在: {world} 是生成的模拟世界吗?"},
    "err.world_not_found": {
        "en": "no generated world found for this data directory: run `crossplay demo` (or "
              "`crossplay generate`, then ingest)",
        "zh-CN": "该数据目录没有对应的模拟世界: 请运行 `crossplay demo` (或先 "
                 "`crossplay generate` 再导入)"},
    "err.measure_no_planted": {"en": "{path} holds no planted campaign: is {world} a generated "
                                     "world?",
                               "zh-CN": "{path} 中没有预设的活动效果: {world} 是生成的模拟世界吗?"},
}
