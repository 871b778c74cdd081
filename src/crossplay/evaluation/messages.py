"""CLI messages of ``crossplay bench``, in English and Simplified Chinese.

``bench.warn.*`` are the warnings an import stores in ``meta.json`` (key, params and the
English text, :func:`crossplay.evaluation.overlap.overlap_warning`); the CLI prints them
in the invocation's language on import and on every run of that benchmark.
"""

from __future__ import annotations

from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "bench.imported": {"en": "Imported benchmark {name} ({fmt}): {rows:,} rows, {users:,} "
                             "users, {items:,} items",
                       "zh-CN": "已导入基准数据集 {name}（{fmt}）：{rows:,} 行，{users:,} 个用户，"
                                "{items:,} 个物品"},
    "bench.none": {"en": "No benchmark imported yet: `crossplay bench import PATH --format "
                         "movielens|uir|cdr-folder --name NAME`.",
                   "zh-CN": "尚未导入基准数据集：`crossplay bench import PATH --format "
                            "movielens|uir|cdr-folder --name NAME`。"},
    "bench.list": {"en": "Imported benchmarks", "zh-CN": "已导入的基准数据集"},
    "bench.running": {"en": "Training and scoring", "zh-CN": "正在训练与评估"},
    "bench.title": {"en": "{name}: protocol {protocol} {params}, {ranking} ranking, K={k}, "
                          "{users:,} test users (mean ± standard error over users)",
                    "zh-CN": "{name}：协议 {protocol} {params}，{ranking}排序，K={k}，"
                             "测试用户 {users:,} 人（用户均值 ± 标准误）"},
    "bench.full": {"en": "full", "zh-CN": "全量"},
    "bench.sampled": {"en": "SAMPLED ({n} negatives per user)",
                      "zh-CN": "负采样（每位用户 {n} 个负样本）"},
    "bench.fingerprint": {"en": "Split fingerprint {fp} (train {train:,} rows, test "
                                "{test:,} rows; docs/evaluation.md says how to recompute it)",
                          "zh-CN": "切分指纹 {fp}（训练 {train:,} 行，测试 {test:,} 行；"
                                   "复算方法见 docs/evaluation.md）"},
    "bench.unscored": {"en": "{n:,} test users had no relevant unseen item and were not "
                             "scored; {seen:,} test pairs were already in training; "
                             "{untrained:,} relevant test pairs are items no training row "
                             "holds (counted, never rankable).",
                       "zh-CN": "{n:,} 位测试用户没有可评估的新相关物品，未计分；"
                                "{seen:,} 个测试交互已出现在训练集中；{untrained:,} 个相关测试"
                                "交互的物品不在训练集中（计入分母，无法被推荐）。"},
    "bench.saved": {"en": "Saved to {path}", "zh-CN": "已保存到 {path}"},
    "bench.warning": {"en": "WARNING: {text}", "zh-CN": "警告: {text}"},
    "bench.warn.overlap_assumed": {
        "en": "user ids are ASSUMED to be the same person in every domain: {n:,} ids occur "
              "in two or more of {domains} and were merged. If only some of them are, "
              "import again with --overlap below:N, map:FILE or none (--overlap all "
              "declares that they all are).",
        "zh-CN": "假定各领域中相同的用户 ID 是同一个人: 有 {n:,} 个 ID 出现在 {domains} 中"
                 "两个或更多领域, 已被合并。如果只有部分是同一人, 请用 --overlap below:N、"
                 "map:FILE 或 none 重新导入 (--overlap all 表示确认全部是同一人)。"},
    "bench.filtered": {"en": "--where kept {kept:,} of {read:,} rows ({dropped:,} dropped: "
                             "{where})",
                       "zh-CN": "--where 保留了 {read:,} 行中的 {kept:,} 行 (去掉 {dropped:,}"
                                " 行: {where})"},
    "bench.overlap": {"en": "Overlap {rule}: {persons:,} persons have rows in two or more "
                            "domains ({equal:,} user ids occur in several domains; {local:,} "
                            "domain-local ids are written <id>@<domain>)",
                      "zh-CN": "用户重叠规则 {rule}: {persons:,} 人在两个或更多领域有数据 "
                               "({equal:,} 个用户 ID 出现在多个领域; {local:,} 个领域内 ID "
                               "写作 <id>@<domain>)"},
    "bench.overlap_all": {"en": "Overlap all (declared): {persons:,} persons have rows in two "
                                "or more domains",
                          "zh-CN": "用户重叠规则 all (已声明): {persons:,} 人在两个或更多领域"
                                   "有数据"},
    "bench.spaces": {"en": "{n:,} {column} ids begin or end with spaces and are kept as "
                           "written; {merge:,} of them differ from another id only by those "
                           "spaces (stripping would have merged them)",
                     "zh-CN": "{n:,} 个 {column} ID 首尾带空格, 已按原样保留; 其中 {merge:,} "
                              "个除空格外与另一个 ID 相同 (若去掉空格会被合并)"},
    "bench.weight": {"en": "Pair weight: {weight} of the summed value column",
                     "zh-CN": "用户-物品对权重: 对值列求和后取 {weight}"},
    "bench.weight_alpha": {"en": "Pair weight: {weight} of the summed value column; ALS "
                                 "confidence 1 + {alpha} x weight",
                           "zh-CN": "用户-物品对权重: 对值列求和后取 {weight}; ALS 置信度为 "
                                    "1 + {alpha} x 权重"},
    "bench.generated": {"en": "Wrote a cross-domain benchmark folder to {out}",
                        "zh-CN": "已将跨领域基准数据目录写入 {out}"},
    "bench.split_written": {"en": "Wrote the canonical train/test rows to {out}",
                            "zh-CN": "已将规范化的训练/测试行写入 {out}"},
    "bench.recs_written": {"en": "Wrote each model's ranked lists to {out}",
                           "zh-CN": "已将各模型的推荐列表写入 {out}"},
    "bench.col.setting": {"en": "setting", "zh-CN": "参数"},
    "bench.col.name": {"en": "name", "zh-CN": "名称"},
    "bench.col.format": {"en": "format", "zh-CN": "格式"},
    "bench.col.domains": {"en": "domains", "zh-CN": "领域"},
    "bench.col.split": {"en": "provided split", "zh-CN": "自带切分"},
    "bench.col.domain": {"en": "domain", "zh-CN": "领域"},
    "bench.col.part": {"en": "split", "zh-CN": "切分"},
    "bench.col.users": {"en": "users", "zh-CN": "用户数"},
    "bench.col.items": {"en": "items", "zh-CN": "物品数"},
    "bench.col.train": {"en": "train", "zh-CN": "训练"},
    "bench.col.valid": {"en": "valid", "zh-CN": "验证"},
    "bench.col.test": {"en": "test", "zh-CN": "测试"},
    "bench.col.model": {"en": "model", "zh-CN": "模型"},
    "bench.col.fit_s": {"en": "fit s", "zh-CN": "训练秒数"},
    "bench.col.fit_mb": {"en": "fit MB", "zh-CN": "训练峰值 MB"},
    "bench.yes": {"en": "yes", "zh-CN": "是"},
    "bench.no": {"en": "no", "zh-CN": "否"},
    "bench.tuned": {"en": "(tuned on valid, {n} tried)",
                    "zh-CN": "(在验证集上调参, 共试 {n} 组)"},
    "demo.bench": {"en": "benchmark protocol: the world as a cross-domain benchmark folder, "
                         "cold start on knowledge",
                   "zh-CN": "基准评测协议：把模拟世界写成跨领域基准目录，评测知识领域冷启动"},
    "bench.demo.noworld": {"en": "No synthetic world in {path}: step skipped.",
                           "zh-CN": "{path} 中没有模拟世界：跳过此步骤。"},
    "bench.demo.small": {"en": "This world is too small for a cold-start benchmark (step "
                               "skipped; try --people 2000 or more): {why}",
                         "zh-CN": "该模拟世界太小，无法做冷启动基准评测（跳过此步骤；请用 "
                                  "--people 2000 或更大）：{why}"},
}
