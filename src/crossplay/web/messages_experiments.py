"""Texts of the experiments page (``web.experiments.*``), in English and Simplified Chinese.

Read-out labels the measurement commands already have (``m.*``: SRM lines, verdicts,
reasons, column heads, report titles) come from :mod:`crossplay.measure.messages`, errors
of the measurement services (``err.*``) from :mod:`crossplay.measure.error_messages`.
"""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang
from crossplay.measure.error_messages import ERRORS as MEASURE_ERRORS
from crossplay.measure.messages import MESSAGES as MEASURE_MESSAGES
from crossplay.web import messages as _frame  # noqa: F401  (web.partner.*, web.role.*)

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.experiments": {"en": "Experiments", "zh-CN": "实验"},
    "web.experiments.empty": {
        "en": "No experiments yet: create one below, or `crossplay experiment add FILE` (the "
              "demo adds its campaign's experiment).",
        "zh-CN": "还没有实验: 请在下方创建, 或运行 `crossplay experiment add FILE` (演示会添加"
                 "其活动的实验)。"},
    "web.experiments.list": {"en": "Experiments", "zh-CN": "实验列表"},
    "web.experiments.none_in_period": {"en": "No experiment ran in the chosen period.",
                                       "zh-CN": "所选时间段内没有进行中的实验。"},
    "web.experiments.col.control": {"en": "control", "zh-CN": "对照组"},
    "web.experiments.col.layer_range": {"en": "layer slice", "zh-CN": "分层区间"},
    "web.experiments.col.metrics": {"en": "metrics", "zh-CN": "指标"},
    "web.experiments.col.primary": {"en": "primary metric", "zh-CN": "主指标"},
    "web.experiments.col.role": {"en": "role", "zh-CN": "指标类型"},
    "web.experiments.col.n_control": {"en": "n control", "zh-CN": "对照组人数"},
    "web.experiments.col.n_variant": {"en": "n variant", "zh-CN": "实验组人数"},
    "web.experiments.col.control_mean": {"en": "control mean", "zh-CN": "对照组均值"},
    "web.experiments.col.variant_mean": {"en": "variant mean", "zh-CN": "实验组均值"},
    "web.experiments.col.diff": {"en": "difference", "zh-CN": "差异"},
    "web.experiments.col.ci_low": {"en": "CI low", "zh-CN": "置信区间下限"},
    "web.experiments.col.ci_high": {"en": "CI high", "zh-CN": "置信区间上限"},
    "web.experiments.col.rel": {"en": "relative lift", "zh-CN": "相对提升"},
    "web.experiments.col.rel_low": {"en": "relative CI low", "zh-CN": "相对提升下限"},
    "web.experiments.col.rel_high": {"en": "relative CI high", "zh-CN": "相对提升上限"},
    "web.experiments.col.seq_low": {"en": "always-valid low", "zh-CN": "序贯区间下限"},
    "web.experiments.col.seq_high": {"en": "always-valid high", "zh-CN": "序贯区间上限"},
    "web.experiments.col.n_total": {"en": "people so far", "zh-CN": "累计人数"},
    "web.experiments.detail": {"en": "{name} ({exp})", "zh-CN": "{name} ({exp})"},
    "web.experiments.window": {
        "en": "{partner}; runs {start} to before {stop}; variants {variants}, control "
              "{control}; alpha {alpha:g}.",
        "zh-CN": "{partner}; 实验时间 {start} 至 {stop} (不含); 分组 {variants}, 对照组 "
                 "{control}; 显著性水平 {alpha:g}。"},
    "web.experiments.exposed": {"en": "people in {variant}", "zh-CN": "{variant} 组人数"},
    "web.experiments.verdict": {"en": "verdict for {variant}", "zh-CN": "{variant} 的结论"},
    "web.experiments.cannot_analyse": {
        "en": "This experiment cannot be read out yet: {why}",
        "zh-CN": "此实验暂时无法分析: {why}"},
    "web.experiments.results": {"en": "Results", "zh-CN": "结果"},
    "web.experiments.comparisons": {"en": "Every metric against control",
                                    "zh-CN": "各指标与对照组的比较"},
    "web.experiments.forest": {"en": "Relative lift with {level:g}% intervals",
                               "zh-CN": "相对提升及 {level:g}% 置信区间"},
    "web.experiments.axis.lift": {"en": "relative lift vs control",
                                  "zh-CN": "相对对照组的提升"},
    "web.experiments.axis.metric": {"en": "metric", "zh-CN": "指标"},
    "web.experiments.sequential": {"en": "Sequential view", "zh-CN": "序贯分析"},
    "web.experiments.sequential_table": {"en": "Cumulative primary metric by exposure day",
                                         "zh-CN": "按曝光日累计的主指标"},
    "web.experiments.axis.diff": {"en": "difference in {metric}", "zh-CN": "{metric} 的差异"},
    "web.experiments.no_series": {
        "en": "No day-by-day series: the primary metric is a ratio, or too few people per "
              "day yet.",
        "zh-CN": "没有逐日序列: 主指标是比率指标, 或每日人数还太少。"},
    "web.experiments.sequential_note": {
        "en": "The always-valid interval may be watched every day: stop when it excludes "
              "zero. The fixed interval is valid only at the planned end.",
        "zh-CN": "序贯置信区间可以每天查看: 当它不包含零时即可停止。"
                 "固定样本区间只在计划结束时有效。"},
    "web.experiments.uplift": {"en": "Uplift: who is moved (Qini curve)",
                               "zh-CN": "增益模型: 谁会被打动 (Qini 曲线)"},
    "web.experiments.qini_title": {
        "en": "Qini curve: {model}-learner ({base}) on {n:,} held-out people, AUUC {auuc:.4g}",
        "zh-CN": "Qini 曲线: {model}-learner ({base}), 留出 {n:,} 人, AUUC {auuc:.4g}"},
    "web.experiments.axis.incremental": {"en": "incremental {outcome}",
                                         "zh-CN": "增量 {outcome}"},
    "web.experiments.qini_table": {"en": "Uplift model on the hold-out",
                                   "zh-CN": "增益模型在留出集上的表现"},
    "web.experiments.qini_same": {
        "en": "The same figures as `crossplay uplift evaluate --experiment {exp}` (X-learner, "
              "LightGBM, 30% hold-out, top 30%, seed 0).",
        "zh-CN": "与 `crossplay uplift evaluate --experiment {exp}` 的结果相同 (X-learner, "
                 "LightGBM, 30% 留出, 前 30%, 随机种子 0)。"},
    "web.experiments.uplift_large": {
        "en": "{n:,} people were exposed: too many to fit an uplift model while the page "
              "loads. Run `crossplay uplift evaluate --experiment {exp} --report qini.html` "
              "for the Qini curve.",
        "zh-CN": "曝光人数为 {n:,}: 页面加载时拟合增益模型过慢。请运行 `crossplay uplift evaluate "
                 "--experiment {exp} --report qini.html` 查看 Qini 曲线。"},
    "web.experiments.uplift_failed": {
        "en": "No uplift model for this experiment: {why}",
        "zh-CN": "此实验无法拟合增益模型: {why}"},
    "web.experiments.uplift_unfit": {
        "en": "the learner cannot be fitted on these outcomes ({detail})",
        "zh-CN": "无法在这些结果上拟合学习器 ({detail})"},
    "web.experiments.bad_key": {
        "en": "experiment: {value!r} is not an experiment key (letters, digits, _ . -; at "
              "most 64).",
        "zh-CN": "experiment: {value!r} 不是实验键 (字母、数字、_ . -, 最多 64 个字符)。"},
    "web.experiments.unknown": {"en": "There is no experiment {exp!r} for you to see.",
                                "zh-CN": "没有您可查看的实验 {exp!r}。"},
    # the creation form
    "web.experiments.create": {"en": "Create an experiment", "zh-CN": "创建实验"},
    "web.experiments.create_submit": {"en": "Create", "zh-CN": "创建"},
    "web.experiments.f.key": {"en": "key (letters, digits, _ . -)",
                              "zh-CN": "键 (字母、数字、_ . -)"},
    "web.experiments.f.name": {"en": "name", "zh-CN": "名称"},
    "web.experiments.f.partner": {"en": "partner (whose users are the units)",
                                  "zh-CN": "合作方 (实验对象所属平台)"},
    "web.experiments.f.variants": {"en": "variants and split (NAME:WEIGHT, ...)",
                                   "zh-CN": "分组及比例 (名称:权重, ...)"},
    "web.experiments.f.control": {"en": "control / holdout variant",
                                  "zh-CN": "对照组 (留出组)"},
    "web.experiments.f.layer": {"en": "layer (experiments of one layer never share a "
                                      "person; empty: none)",
                                "zh-CN": "分层 (同一分层的实验不会共享用户; 留空则不分层)"},
    "web.experiments.f.layer_start": {"en": "layer slice from (0-1)",
                                      "zh-CN": "分层区间起点 (0-1)"},
    "web.experiments.f.layer_end": {"en": "layer slice to (0-1)", "zh-CN": "分层区间终点 (0-1)"},
    "web.experiments.f.start": {"en": "start", "zh-CN": "开始日期"},
    "web.experiments.f.stop": {"en": "stop (exclusive)", "zh-CN": "结束日期 (不含)"},
    "web.experiments.f.mde": {"en": "minimum detectable effect (relative, optional)",
                              "zh-CN": "最小可检测效应 (相对值, 可选)"},
    "web.experiments.f.alpha": {"en": "significance level alpha", "zh-CN": "显著性水平 alpha"},
    "web.experiments.f.correction": {"en": "multiple-testing correction",
                                     "zh-CN": "多重检验校正"},
    "web.experiments.f.audience": {"en": "audience (description)", "zh-CN": "目标人群 (描述)"},
    "web.experiments.f.metrics": {
        "en": "metrics, one per line: {{key: ..., kind: ..., event_types: [...], role: ...}}",
        "zh-CN": "指标, 每行一个: {{key: ..., kind: ..., event_types: [...], role: ...}}"},
    "web.experiments.created": {
        "en": "Created experiment {exp} (version {v}). Assign people with `crossplay "
              "experiment assign {exp}` and log exposures to read it out here.",
        "zh-CN": "已创建实验 {exp} (版本 {v})。请用 `crossplay experiment assign {exp}` 分配用户并"
                 "记录曝光, 之后即可在此查看结果。"},
    # what is wrong with a field of the form (the field is named first)
    "web.experiments.err.required": {"en": "{field}: required.", "zh-CN": "{field}: 必填。"},
    "web.experiments.err.too_long": {"en": "{field}: at most {max} characters.",
                                     "zh-CN": "{field}: 最多 {max} 个字符。"},
    "web.experiments.err.key": {
        "en": "{field}: {value!r} is not a key: letters, digits, _ . - (at most 64, not "
              "starting with . or -).",
        "zh-CN": "{field}: {value!r} 不是合法的键: 只能用字母、数字、_ . - "
                 "(最多 64 个字符, 不能以 . 或 - 开头)。"},
    "web.experiments.err.exists": {
        "en": "key: an experiment {value!r} exists already: pick another key (a new version "
              "of it is `crossplay experiment add FILE`).",
        "zh-CN": "key: 实验 {value!r} 已存在: 请换一个键 (更新它请用 `crossplay experiment add "
                 "FILE`)。"},
    "web.experiments.err.choice": {"en": "{field}: {value!r} is not one of {choices}.",
                                   "zh-CN": "{field}: {value!r} 不是 {choices} 之一。"},
    "web.experiments.err.partner": {
        "en": "partner: your account may create experiments for {partner} only.",
        "zh-CN": "partner: 您的账号只能为{partner}创建实验。"},
    "web.experiments.err.variants": {
        "en": "variants: write NAME:WEIGHT, NAME:WEIGHT with at least two variants and "
              "positive weights, e.g. holdout:50, treatment:50 (got {value!r}).",
        "zh-CN": "variants: 请写成 名称:权重, 名称:权重, 至少两组且权重为正数, 例如 "
                 "holdout:50, treatment:50 (收到 {value!r})。"},
    "web.experiments.err.variant_twice": {"en": "variants: {value!r} appears twice.",
                                          "zh-CN": "variants: {value!r} 出现了两次。"},
    "web.experiments.err.control": {
        "en": "control: {value!r} is not one of the variants ({variants}).",
        "zh-CN": "control: {value!r} 不是分组之一 ({variants})。"},
    "web.experiments.err.number": {"en": "{field}: {value!r} is not a number.",
                                   "zh-CN": "{field}: {value!r} 不是数字。"},
    "web.experiments.err.range": {"en": "{field}: must lie in {range} (got {value}).",
                                  "zh-CN": "{field}: 须在 {range} 之内 (收到 {value})。"},
    "web.experiments.err.layer_range": {
        "en": "layer_end: the slice must be [from, to) with 0 <= from < to <= 1 (got "
              "[{lo}, {hi})).",
        "zh-CN": "layer_end: 分层区间须为 [起点, 终点) 且 0 <= 起点 < 终点 <= 1 "
                 "(收到 [{lo}, {hi}))。"},
    "web.experiments.err.date": {"en": "{field}: {value!r} is not a date (YYYY-MM-DD).",
                                 "zh-CN": "{field}: {value!r} 不是日期 (YYYY-MM-DD)。"},
    "web.experiments.err.stop": {"en": "stop: must come after start ({start}).",
                                 "zh-CN": "stop: 必须晚于开始日期 ({start})。"},
    "web.experiments.err.metric_line": {"en": "metrics, line {line}: {detail}",
                                        "zh-CN": "metrics 第 {line} 行: {detail}"},
    "web.experiments.err.metric_yaml": {
        "en": "write one mapping such as {{key: revenue, kind: revenue}}",
        "zh-CN": "请写一个映射, 例如 {{key: revenue, kind: revenue}}"},
    "web.experiments.err.metric_event": {
        "en": "event type {value!r} is not one of {partner}'s ({valid})",
        "zh-CN": "事件类型 {value!r} 不属于{partner} ({valid})"},
    "web.experiments.err.metric_item": {"en": "item type {value!r} is not one of {valid}",
                                        "zh-CN": "物品类型 {value!r} 不是 {valid} 之一"},
    "web.experiments.err.metric_platform": {
        "en": "platform {value!r} is not one of {partner}'s ({valid})",
        "zh-CN": "平台 {value!r} 不属于{partner} ({valid})"},
    "web.experiments.err.metric_twice": {"en": "metrics: the key {value!r} appears twice.",
                                         "zh-CN": "metrics: 指标键 {value!r} 出现了两次。"},
    "web.experiments.err.primary": {
        "en": "metrics: exactly one metric needs role: primary (found {n}).",
        "zh-CN": "metrics: 需要恰好一个 role: primary 的指标 (找到 {n} 个)。"},
    "web.experiments.err.too_many": {"en": "metrics: at most {max} lines.",
                                     "zh-CN": "metrics: 最多 {max} 行。"},
    "web.experiments.err.unknown_field": {"en": "{field}: not a key a metric may have.",
                                          "zh-CN": "{field}: 指标没有这个键。"},
    "web.experiments.err.bool": {"en": "{field}: {value!r} is not true or false.",
                                 "zh-CN": "{field}: {value!r} 不是 true 或 false。"},
    "web.experiments.err.list": {"en": "{field}: write a list, e.g. [purchase].",
                                 "zh-CN": "{field}: 请写成列表, 例如 [purchase]。"},
    "web.experiments.err.invalid": {"en": "{field}: {detail}", "zh-CN": "{field}: {detail}"},
    "web.experiments.err.layer": {"en": "layer: {why}", "zh-CN": "layer: {why}"},
}

add_messages(MEASURE_MESSAGES)
add_messages(MEASURE_ERRORS)
add_messages(MESSAGES)
