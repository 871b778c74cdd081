"""CLI messages of the measurement commands, in English and Simplified Chinese."""

from __future__ import annotations

from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "m.exp.title": {"en": "Experiment {name}: {variants} variants, control {control}",
                    "zh-CN": "实验 {name}: {variants} 个组, 对照组 {control}"},
    "m.srm.ok": {"en": "Sample ratio: OK (chi-square p = {p:.3g})",
                 "zh-CN": "样本比例: 正常 (卡方检验 p = {p:.3g})"},
    "m.srm.bad": {"en": "!!! SAMPLE RATIO MISMATCH (p = {p:.2g}): observed {obs}, expected "
                        "{exp}. Assignment or logging is broken; do not trust these lifts.",
                  "zh-CN": "!!! 样本比例失衡 (p = {p:.2g}): 实际 {obs}, 预期 {exp}。"
                           "分流或日志有问题, 请勿相信以下提升结果。"},
    "m.srm.warn": {"en": "! Sample ratio suspicious (p = {p:.2g} < 0.01): observed {obs}, "
                         "expected {exp}. Not yet a mismatch at the threshold {threshold:g}, "
                         "but check assignment and logging before acting on these lifts.",
                   "zh-CN": "! 样本比例可疑 (p = {p:.2g} < 0.01): 实际 {obs}, 预期 {exp}。"
                            "尚未低于阈值 {threshold:g}, 但请先检查分流和日志再据此决策。"},
    "m.srm.pair": {"en": "  {variant} vs control: {obs} (p = {p:.2g}) {state}",
                   "zh-CN": "  {variant} 对比对照组: {obs} (p = {p:.2g}) {state}"},
    "m.srm.state.ok": {"en": "OK", "zh-CN": "正常"},
    "m.srm.state.warn": {"en": "suspicious", "zh-CN": "可疑"},
    "m.srm.state.bad": {"en": "MISMATCH", "zh-CN": "失衡"},
    "m.col.metric": {"en": "metric", "zh-CN": "指标"},
    "m.col.variant": {"en": "variant", "zh-CN": "组"},
    "m.col.n": {"en": "n", "zh-CN": "人数"},
    "m.col.control": {"en": "control", "zh-CN": "对照"},
    "m.col.mean": {"en": "mean", "zh-CN": "均值"},
    "m.col.lift": {"en": "lift [95% CI]", "zh-CN": "提升 [95% 置信区间]"},
    "m.col.rel": {"en": "relative [95% CI]", "zh-CN": "相对提升 [95% 置信区间]"},
    "m.col.p": {"en": "p", "zh-CN": "p 值"},
    "m.col.padj": {"en": "p adj.", "zh-CN": "校正后 p"},
    "m.col.seq": {"en": "always-valid CI", "zh-CN": "序贯置信区间"},
    "m.col.pbeat": {"en": "P(beat ctrl)", "zh-CN": "胜过对照概率"},
    "m.col.pbeat_rel": {"en": "P(beat, rel.)", "zh-CN": "胜过对照概率(相对)"},
    "m.col.outcome": {"en": "outcome", "zh-CN": "结论"},
    "m.role.primary": {"en": "primary", "zh-CN": "主指标"},
    "m.role.secondary": {"en": "secondary", "zh-CN": "次要指标"},
    "m.role.guardrail": {"en": "guardrail", "zh-CN": "护栏指标"},
    "m.out.better": {"en": "better", "zh-CN": "更好"},
    "m.out.worse": {"en": "worse", "zh-CN": "更差"},
    "m.out.flat": {"en": "no significant change", "zh-CN": "无显著变化"},
    "m.cuped": {"en": "CUPED on {metric}: variance reduced by {pct:.1f}% (theta = {theta:.4g})",
                "zh-CN": "{metric} 使用 CUPED: 方差降低 {pct:.1f}% (theta = {theta:.4g})"},
    "m.correction": {"en": "Multiple testing: {method} across {k} primary/secondary "
                           "comparisons; guardrails uncorrected.",
                     "zh-CN": "多重检验校正: {method}, 共 {k} 个主/次要比较; 护栏指标不校正。"},
    "m.verdict": {"en": "Verdict for {variant}: {verdict} ({why})",
                  "zh-CN": "{variant} 的结论: {verdict} ({why})"},
    "m.v.ship": {"en": "SHIP", "zh-CN": "上线"},
    "m.v.do_not_ship": {"en": "DO NOT SHIP", "zh-CN": "不上线"},
    "m.v.inconclusive": {"en": "INCONCLUSIVE", "zh-CN": "尚无定论"},
    "m.v.broken": {"en": "BROKEN EXPERIMENT", "zh-CN": "实验无效"},
    "m.report": {"en": "HTML report: {path}", "zh-CN": "HTML 报告: {path}"},
    "m.plan.title": {"en": "Sample size ({kind} metric)", "zh-CN": "样本量 ({kind}指标)"},
    "m.exp.saved": {"en": "Saved experiment {exp} (version {v})",
                    "zh-CN": "已保存实验 {exp} (版本 {v})"},
    "m.exp.none": {"en": "No experiments yet: `crossplay experiment add FILE`.",
                   "zh-CN": "还没有实验: 请运行 `crossplay experiment add FILE`。"},
    "m.assign.out": {"en": "(not in the experiment)", "zh-CN": "(不在实验中)"},
    "m.assign.audience": {"en": "Assigned the audience to {path}: {counts}",
                          "zh-CN": "已分配受众并写入 {path}: {counts}"},
    "m.exposures": {"en": "Logged {n} exposure(s) of {exp} ({already} already in the lake)",
                    "zh-CN": "已记录实验 {exp} 的 {n} 次曝光 (其中 {already} 次已在数据湖中)"},
    "m.plan.line": {
        "en": "To detect {mde_abs:.4g} ({mde_rel:+.1%}) over {baseline:.4g} with power "
              "{power:.0%} at alpha {alpha:g}: {n_control:,} in control, {n_variant:,} per "
              "other variant, {n_total:,} in total.",
        "zh-CN": "在基线 {baseline:.4g} 上检测 {mde_abs:.4g} ({mde_rel:+.1%}) 的变化, "
                 "功效 {power:.0%}, 显著性水平 {alpha:g}: 对照组 {n_control:,} 人, "
                 "每个实验组 {n_variant:,} 人, 共 {n_total:,} 人。"},
    "m.plan.days": {"en": "At {traffic:,.0f} people a day: {days:.1f} days.",
                    "zh-CN": "按每天 {traffic:,.0f} 人计算: 需 {days:.1f} 天。"},
    "m.funnel.title": {"en": "Funnel (within {within} days, counting {unit}s; segments under "
                             "{k} people hidden)",
                       "zh-CN": "漏斗 ({within} 天内, 以{unit}计; 少于 {k} 人的分组不显示)"},
    "m.funnel.empty": {"en": "No segment reaches {k} people at the first step.",
                       "zh-CN": "没有分组在第一步达到 {k} 人。"},
    "m.unit.user": {"en": "user", "zh-CN": "用户"},
    "m.unit.person": {"en": "linked person", "zh-CN": "已关联用户"},
    "m.col.step": {"en": "step", "zh-CN": "步骤"},
    "m.col.people": {"en": "people", "zh-CN": "人数"},
    "m.col.conv": {"en": "of step 1", "zh-CN": "占第一步"},
    "m.col.stepconv": {"en": "of previous", "zh-CN": "占上一步"},
    "m.col.drop": {"en": "dropped", "zh-CN": "流失"},
    "m.col.cohort": {"en": "cohort", "zh-CN": "同期群"},
    "m.suppressed": {"en": "{n} group(s) under {k} people not shown.",
                     "zh-CN": "{n} 个少于 {k} 人的分组未显示。"},
    "m.ret.title": {"en": "Retention on {platform} by {grain} of first activity",
                    "zh-CN": "{platform} 平台按首次活跃{grain}划分的留存"},
    "m.ret.all": {"en": "all cohorts", "zh-CN": "全部"},
    "m.grain.day": {"en": "day", "zh-CN": "日"},
    "m.grain.week": {"en": "week", "zh-CN": "周"},
    "m.grain.month": {"en": "month", "zh-CN": "月"},
    "m.kpi.title": {"en": "The seeds' KPIs", "zh-CN": "核心指标"},
    "m.col.value": {"en": "value", "zh-CN": "数值"},
    "m.col.def": {"en": "definition", "zh-CN": "定义"},
    "m.kpi.C_k": {"en": "paid conversion on the knowledge platform",
                  "zh-CN": "知识平台付费转化率"},
    "m.kpi.R_k": {"en": "knowledge D7 retention", "zh-CN": "知识平台 7 日留存"},
    "m.kpi.R_g": {"en": "game D7 retention", "zh-CN": "游戏平台 7 日留存"},
    "m.kpi.I": {"en": "interaction index (C_k·R_k·R_g)^(1/3)",
                "zh-CN": "互动指数 (C_k·R_k·R_g)^(1/3)"},
    "m.roi": {"en": "ROI of {campaign}: incremental revenue {inc:,.2f} [{lo:,.2f}, {hi:,.2f}] "
                    "yuan over {nt:,} treated vs {nh:,} holdout; cost {cost:,.2f}; ROI "
                    "{roi:.2f} [{rlo:.2f}, {rhi:.2f}]",
              "zh-CN": "{campaign} 的投资回报: 增量收入 {inc:,.2f} [{lo:,.2f}, {hi:,.2f}] 元 "
                       "(实验组 {nt:,} 人, 对照组 {nh:,} 人); 成本 {cost:,.2f}; ROI "
                       "{roi:.2f} [{rlo:.2f}, {rhi:.2f}]"},
    "m.roi.ns": {"en": "The incremental revenue is not significantly different from zero.",
                 "zh-CN": "增量收入与零无显著差异。"},
    "m.up.title": {"en": "Uplift {model} ({base}): trained on {n:,}, judged on "
                         "{h:,} held-out people, {f} features",
                   "zh-CN": "增益模型 {model} ({base}): 训练 {n:,} 人, 留出评估 {h:,} 人, "
                            "{f} 个特征"},
    "m.up.model.t": {"en": "T-learner", "zh-CN": "T-learner (双模型)"},
    "m.up.model.x": {"en": "X-learner", "zh-CN": "X-learner"},
    "m.up.model.s": {"en": "S-learner", "zh-CN": "S-learner (单模型)"},
    "m.up.model.ct": {"en": "class transformation", "zh-CN": "类别转换法 (class transformation)"},
    "m.up.split": {"en": "Split by the file's column {column}: trained on its {train:,} train "
                         "rows, judged on its {test:,} test rows",
                   "zh-CN": "按文件中的列 {column} 划分: 用其中 {train:,} 行 train 训练, "
                            "{test:,} 行 test 评估"},
    "m.up.categorical": {"en": "Categorical features, one-hot encoded (levels): {columns}",
                         "zh-CN": "类别特征, 已独热编码 (水平数): {columns}"},
    "m.up.other_arms": {"en": "{n:,} rows of other arms of {column} left out",
                        "zh-CN": "{column} 中其他组的 {n:,} 行未参与"},
    "m.up.predictions": {"en": "hold-out predictions: {path}",
                         "zh-CN": "留出样本的预测增益: {path}"},
    "m.col.measure": {"en": "measure", "zh-CN": "度量"},
    "m.up.policy": {"en": "incremental outcomes, top {q} by uplift",
                    "zh-CN": "按增益排序前 {q} 的增量结果"},
    "m.up.random": {"en": "incremental outcomes, random targeting of as many",
                    "zh-CN": "随机投放同等人数的增量结果"},
    "m.up.ratio": {"en": "policy / random", "zh-CN": "策略 / 随机"},
    "m.up.truth": {"en": "policy / random on the true effects", "zh-CN": "按真实效应: 策略 / 随机"},
    "m.up.oracle": {"en": "oracle (ranked by the true effect) / random",
                    "zh-CN": "理想排序(按真实效应) / 随机"},
    "m.demo.title": {"en": "A/B test of the sample campaign against its holdout",
                     "zh-CN": "示例活动与对照组的 A/B 测试"},
    "m.demo.campaign": {"en": "{name}: {t:,} treated vs {h:,} in the holdout",
                        "zh-CN": "{name}: 实验组 {t:,} 人, 对照组 {h:,} 人"},
    "m.demo.planted.found": {
        "en": "Ground truth (hidden from the analysis): the world planted {planted} pp on "
              "{metric} ({induced} extra purchases among {treated:,} treated people); the "
              "read-out finds {observed} pp and calls it significant: it matches.",
        "zh-CN": "对照真值 (分析过程不可见): 模拟世界在 {metric} 上预设了 {planted} 个百分点的"
                 "提升 ({treated:,} 名实验组用户中多出 {induced} 次购买); 分析结果为 {observed} "
                 "个百分点且显著: 与预设一致。"},
    "m.demo.planted.underpowered": {
        "en": "Ground truth (hidden from the analysis): the world planted {planted} pp on "
              "{metric} ({induced} extra purchases among {treated:,} treated people); the "
              "read-out saw {observed} pp. With {n:,} people per arm this test had {power:.0%} "
              "power to detect the planted lift; 80% power needs {need:,} per arm (a world of "
              "about {people:,} people: `crossplay demo --people {people}`). Inconclusive "
              "here means too few people, not no effect.",
        "zh-CN": "对照真值 (分析过程不可见): 模拟世界在 {metric} 上预设了 {planted} 个百分点的"
                 "提升 ({treated:,} 名实验组用户中多出 {induced} 次购买); 实际观测为 {observed} "
                 "个百分点。每组 {n:,} 人时, 检出该提升的功效只有 {power:.0%}; 要达到 80% 功效"
                 "需每组 {need:,} 人 (约 {people:,} 人的模拟世界: `crossplay demo --people "
                 "{people}`)。此处“尚无定论”意味着人数不够, 而不是没有效果。"},
    "m.demo.planted.missed": {
        "en": "Ground truth (hidden from the analysis): the world planted {planted} pp on "
              "{metric} ({induced} extra purchases among {treated:,} treated people); the "
              "read-out saw {observed} pp and, with {power:.0%} power, still missed it: at "
              "alpha 0.05 about one such test in five does.",
        "zh-CN": "对照真值 (分析过程不可见): 模拟世界在 {metric} 上预设了 {planted} 个百分点的"
                 "提升 ({treated:,} 名实验组用户中多出 {induced} 次购买); 实际观测为 {observed} "
                 "个百分点, 功效 {power:.0%} 仍未检出: 在 alpha 0.05 下约五次中会有一次如此。"},
    "m.demo.planted.unsized": {
        "en": "Ground truth (hidden from the analysis): the world planted {planted} pp on "
              "{metric} ({induced} extra purchases among {treated:,} treated people); the "
              "read-out saw {observed} pp, and the holdout has too few purchases to size a "
              "test: run the demo on a larger world (e.g. --people 20000).",
        "zh-CN": "对照真值 (分析过程不可见): 模拟世界在 {metric} 上预设了 {planted} 个百分点的"
                 "提升 ({treated:,} 名实验组用户中多出 {induced} 次购买); 实际观测为 {observed} "
                 "个百分点, 对照组购买太少, 无法估算所需样本: 请用更大的模拟世界 "
                 "(例如 --people 20000)。"},
    "m.demo.note": {
        "en": "Trust check on this world: {sims:,} A/A splits of {n:,} knowledge users gave a "
              "false-positive rate of {fpr:.1%} at alpha 0.05 and 95% intervals covering the "
              "truth {cover:.1%} of the time; looking {looks} times, the always-valid "
              "interval raised {seq:.1%} false alarms (fixed intervals: {fixed:.1%}). Speed: "
              "{rows:,} exposures, 3 metrics: pandas took {ratio:.1f}x crossplay's time (10M "
              "figures: benchmarks/README.md).",
        "zh-CN": "可信度检查: 在本数据的 {n:,} 名知识用户上做 {sims:,} 次 A/A 随机分组, "
                 "alpha 0.05 下假阳性率 {fpr:.1%}, 95% 置信区间覆盖真值 {cover:.1%}; 查看 "
                 "{looks} 次时序贯区间误报 {seq:.1%} (固定区间 {fixed:.1%})。速度: "
                 "{rows:,} 条曝光、3 个指标, pandas 耗时为 crossplay 的 {ratio:.1f} 倍 (1000 万行"
                 "结果见 benchmarks/README.md)。"},
    "m.why.srm": {"en": "sample ratio mismatch (p = {p:.2g})",
                  "zh-CN": "样本比例失衡 (p = {p:.2g})"},
    "m.why.guardrail": {"en": "guardrail harmed: {metrics}", "zh-CN": "护栏指标受损: {metrics}"},
    "m.why.primary_worse": {"en": "primary metric worse", "zh-CN": "主指标变差"},
    "m.why.primary_better": {"en": "primary metric better, guardrails hold",
                             "zh-CN": "主指标提升, 护栏指标正常"},
    "m.why.no_change": {"en": "no significant change in the primary metric",
                        "zh-CN": "主指标无显著变化"},
    "m.exp.excluded": {"en": "{n:,} people were logged in more than one variant and are left out.",
                       "zh-CN": "{n:,} 人被记录在多个组中, 已排除。"},
    # Headings and labels of the HTML reports (measure/report.py).
    "m.html.lift": {"en": "Relative lift with 95% intervals",
                    "zh-CN": "相对提升及 95% 置信区间"},
    "m.html.seq": {"en": "Cumulative difference with always-valid intervals (primary metric)",
                   "zh-CN": "主指标的累计差异及序贯 (随时有效) 置信区间"},
    "m.html.fixed": {"en": "fixed-horizon 95% CI", "zh-CN": "固定样本 95% 置信区间"},
    "m.html.always": {"en": "always-valid CI", "zh-CN": "序贯置信区间"},
    "m.html.diff": {"en": "difference", "zh-CN": "差异"},
    "m.html.table": {"en": "Results", "zh-CN": "结果"},
    "m.html.verdict": {"en": "Verdict", "zh-CN": "结论"},
    "m.html.srm_ok": {"en": "Sample ratio OK", "zh-CN": "样本比例正常"},
    "m.html.srm_warn": {"en": "Sample ratio suspicious (p < 0.01): check assignment and "
                              "logging before acting", "zh-CN": "样本比例可疑 (p < 0.01): "
                              "请先检查分流和日志"},
    "m.html.srm_bad": {"en": "SAMPLE RATIO MISMATCH: assignment or logging is broken",
                       "zh-CN": "样本比例失衡: 分流或日志有问题"},
    "m.html.day": {"en": "exposure day", "zh-CN": "曝光日期"},
    "m.html.generated": {"en": "Generated by crossplay", "zh-CN": "由 crossplay 生成"},
    "m.html.funnel": {"en": "Funnel", "zh-CN": "漏斗"},
    "m.html.retention": {"en": "Retention by cohort", "zh-CN": "同期群留存"},
    "m.html.qini": {"en": "Qini curve", "zh-CN": "Qini 曲线"},
    "m.html.random": {"en": "random targeting", "zh-CN": "随机投放"},
    "m.html.model": {"en": "model", "zh-CN": "模型"},
    "m.html.share": {"en": "share targeted", "zh-CN": "投放比例"},
    "m.html.incremental": {"en": "incremental conversions", "zh-CN": "增量转化"},
    "m.html.kpi": {"en": "The seeds' KPIs with 95% intervals",
                   "zh-CN": "核心指标及 95% 置信区间"},
    "m.html.roi": {"en": "Campaign ROI", "zh-CN": "活动投资回报"},
    "m.html.plan": {"en": "Power by people per arm", "zh-CN": "每组人数与统计功效"},
    "m.html.power": {"en": "power", "zh-CN": "功效"},
    "m.html.per_arm": {"en": "people in control", "zh-CN": "对照组人数"},
    # table headers and labels of `experiment list / assign`, `kpi`, `uplift evaluate`
    "m.col.key": {"en": "key", "zh-CN": "键"},
    "m.col.name": {"en": "name", "zh-CN": "名称"},
    "m.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "m.col.layer": {"en": "layer", "zh-CN": "分层"},
    "m.col.variants": {"en": "variants", "zh-CN": "组 (权重)"},
    "m.col.start": {"en": "start", "zh-CN": "开始"},
    "m.col.stop": {"en": "stop", "zh-CN": "结束"},
    "m.col.unit": {"en": "unit", "zh-CN": "用户"},
    "m.col.user_key": {"en": "user_key", "zh-CN": "假名化标识"},
    "m.col.ci95": {"en": "95% CI", "zh-CN": "95% 置信区间"},
    "m.kind.proportion": {"en": "proportion", "zh-CN": "比例"},
    "m.kind.mean": {"en": "mean", "zh-CN": "均值"},
    "m.up.note.no_positive_effect": {
        "en": "the hold-out shows no positive overall effect: the ratio to random targeting "
              "is undefined",
        "zh-CN": "留出集整体没有正向效果: 与随机投放之比无定义"},
    "m.up.note.truth_sums_to_zero": {
        "en": "the true effects of the hold-out sum to zero: no truth ratio",
        "zh-CN": "留出集的真实效应合计为零: 无法计算真值比"},
    "m.up.audience": {"en": "audience: {path}", "zh-CN": "投放人群: {path}"},
    "m.up.report": {"en": "report: {path}", "zh-CN": "报告: {path}"},
}
