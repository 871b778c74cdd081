"""The benchmark errors in English and Simplified Chinese (``err.<code>`` catalog entries).

The English text of each entry is exactly what the raising code says; the CLI
(``crossplay bench``) registers this catalog and prints the zh-CN text from the error's
params.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # crossplay.evaluation.formats
    "err.bench_fold": {
        "en": "fold must be one of {folds} (the 100K folder's u1.base/u1.test … "
              "ub.base/ub.test)",
        "zh-CN": "fold 须为 {folds} 之一 (即 100K 目录中的 u1.base/u1.test … ub.base/ub.test)"},
    "err.bench_fold_folder": {"en": "{path}: a fold needs the MovieLens 100K folder",
                              "zh-CN": "{path}: 指定 fold 时须给出 MovieLens 100K 目录"},
    "err.bench_fold_file": {"en": "{path} is missing: is this the ml-100k folder?",
                            "zh-CN": "缺少 {path}: 这是 ml-100k 目录吗?"},
    "err.bench_no_movielens": {
        "en": "{path} holds none of {files}: point at a MovieLens folder or one of these "
              "files",
        "zh-CN": "{path} 中没有 {files} 中的任何文件: 请指向 MovieLens 目录或其中一个文件"},
    "err.bench_path": {"en": "{path} does not exist", "zh-CN": "{path} 不存在"},
    "err.bench_movielens_fields": {
        "en": "{path}: MovieLens ratings have user, item, rating and timestamp; use --format "
              "uir for other files",
        "zh-CN": "{path}: MovieLens 评分数据须有用户、物品、评分和时间戳四列; 其他文件请用 "
                 "--format uir"},
    "err.bench_no_splits": {
        "en": "{path} holds no train / valid / test files: give one file, or name the split "
              "files train.*, valid.*, test.*",
        "zh-CN": "{path} 中没有 train / valid / test 文件: 请给出单个文件, 或把切分文件命名为 "
                 "train.*、valid.*、test.*"},
    "err.bench_not_folder": {"en": "{path} is not a folder", "zh-CN": "{path} 不是目录"},
    "err.bench_domains": {
        "en": "{path}: found {n} domain(s) ({domains}); a cross-domain folder holds "
              "<domain>/train.txt … or <domain>_train.txt … for two or more domains",
        "zh-CN": "{path}: 找到 {n} 个领域 ({domains}); 跨领域目录须包含两个或更多领域的 "
                 "<domain>/train.txt … 或 <domain>_train.txt …"},
    "err.bench_domain_name": {"en": "{path}: {name!r} is not a usable domain name",
                              "zh-CN": "{path}: {name!r} 不能用作领域名"},
    "err.bench_split_twice": {
        "en": "{path}: two {split} files for domain {domain!r} (one is {file})",
        "zh-CN": "{path}: 领域 {domain!r} 有两个 {split} 文件 (其中一个是 {file})"},
    "err.bench_split_missing": {"en": "{path}: no {need} file (found {found})",
                                "zh-CN": "{path}: 没有 {need} 文件 (找到的是 {found})"},
    "err.bench_format": {"en": "unknown format {fmt!r}: use {formats}",
                         "zh-CN": "未知格式 {fmt!r}: 请使用 {formats}"},
    "err.bench_fold_format": {"en": "--fold applies to --format movielens only",
                              "zh-CN": "--fold 只适用于 --format movielens"},
    # crossplay.evaluation.readers
    "err.bench_encoding": {
        "en": "{path}: not UTF-8 text; convert it first (e.g. iconv -f GB18030 -t UTF-8)",
        "zh-CN": "{path}: 不是 UTF-8 文本; 请先转换编码 (例如 iconv -f GB18030 -t UTF-8)"},
    "err.bench_encoding_at": {"en": "{path}: not UTF-8 text (byte {byte}); convert it first",
                              "zh-CN": "{path}: 不是 UTF-8 文本 (第 {byte} 字节); 请先转换编码"},
    "err.bench_empty": {"en": "{path}: the file is empty", "zh-CN": "{path}: 文件为空"},
    "err.bench_no_rows": {"en": "{path}: no data rows", "zh-CN": "{path}: 没有数据行"},
    "err.bench_header": {
        "en": "{path}:1: the header {header!r} names no {column} column; accepted names: "
              "{names} (or choose the columns: --columns user=1,item=2,... by position or "
              "header name; --no-header reads line 1 as data: user item [rating] "
              "[timestamp])",
        "zh-CN": "{path}:1: 表头 {header!r} 中没有 {column} 列; 可用的列名: {names} (或用 "
                 "--columns user=1,item=2,... 按位置或表头名指定各列; --no-header 把第 1 行"
                 "当作数据: user item [rating] [timestamp])"},
    "err.bench_header_twice": {"en": "{path}:1: two header columns mean {column}",
                               "zh-CN": "{path}:1: 有两个表头列都表示 {column}"},
    "err.bench_one_field": {
        "en": "{path}:1: one field per line; expected user item [rating] [timestamp]",
        "zh-CN": "{path}:1: 每行只有一个字段; 应为 user item [rating] [timestamp]"},
    "err.bench_fields": {
        "en": "{path}:1: {n} fields without a header; say which is what with --columns, "
              "e.g. --columns user=1,item=2,rating=4 (positional files hold user item "
              "[rating] [timestamp])",
        "zh-CN": "{path}:1: 没有表头却有 {n} 个字段; 请用 --columns 指明各列, 例如 --columns "
                 "user=1,item=2,rating=4 (按位置读取的文件只含 user item [rating] "
                 "[timestamp])"},
    "err.bench_read": {"en": "{path}: cannot read ({reason})",
                       "zh-CN": "{path}: 无法读取 ({reason})"},
    "err.bench_row_fields": {
        "en": "{path}:{line}: {found} fields where the first line has {n}",
        "zh-CN": "{path}:{line}: 有 {found} 个字段, 而第一行有 {n} 个"},
    "err.bench_row_parse": {"en": "{path}:{line}: wrong number of fields (expected {n})",
                            "zh-CN": "{path}:{line}: 字段数量错误 (应为 {n} 个)"},
    "err.bench_row_split": {
        "en": "{path}: could not split the lines into {n} fields (unbalanced quotes?)",
        "zh-CN": "{path}: 无法把各行拆成 {n} 个字段 (引号不成对?)"},
    "err.bench_row_no_id": {"en": "{path}:{line}: no {column} id",
                            "zh-CN": "{path}:{line}: 缺少 {column} ID"},
    "err.bench_row_number": {"en": "{path}:{line}: {column} {value!r} is not a number",
                             "zh-CN": "{path}:{line}: {column} 的值 {value!r} 不是数字"},
    "err.bench_row_timestamp": {
        "en": "{path}:{line}: timestamp {value!r} is not an integer (seconds)",
        "zh-CN": "{path}:{line}: 时间戳 {value!r} 不是整数 (秒)"},
    # crossplay.evaluation.columns, .readers (chosen columns, filters, values)
    "err.bench_columns_spec": {
        "en": "--columns {text!r}: write ROLE=COLUMN pairs separated by commas, e.g. "
              "user=1,item=2,rating=4 (roles: {roles}; a column is a 1-based position or a "
              "header name)",
        "zh-CN": "--columns {text!r}: 请写成以逗号分隔的 ROLE=COLUMN, 例如 "
                 "user=1,item=2,rating=4 (角色: {roles}; 列可以是从 1 开始的位置或表头名)"},
    "err.bench_columns_role": {
        "en": "--columns: unknown role {role!r}; use {roles} (value is another name for "
              "rating)",
        "zh-CN": "--columns: 未知角色 {role!r}; 请使用 {roles} (value 与 rating 同义)"},
    "err.bench_columns_twice": {"en": "--columns names the {role} column twice",
                                "zh-CN": "--columns 两次指定了 {role} 列"},
    "err.bench_columns_need": {
        "en": "--columns must say which column holds the {role} (e.g. {role}=1)",
        "zh-CN": "--columns 须指明哪一列是 {role} (例如 {role}=1)"},
    "err.bench_where_spec": {
        "en": "--where {value!r}: write COLUMN=VALUE (keep those rows) or COLUMN!=VALUE "
              "(drop them), e.g. --where behaviour=play",
        "zh-CN": "--where {value!r}: 请写成 COLUMN=VALUE (保留这些行) 或 COLUMN!=VALUE "
                 "(去掉这些行), 例如 --where behaviour=play"},
    "err.bench_column_position": {
        "en": "{path}: column {column} does not exist: the first line has {n} fields "
              "(positions count from 1)",
        "zh-CN": "{path}: 第 {column} 列不存在: 第一行只有 {n} 个字段 (位置从 1 开始数)"},
    "err.bench_column_no_header": {
        "en": "{path}: column {column!r} is a name, and the file is read without a header: "
              "give its position (1, 2, ...) or drop --no-header",
        "zh-CN": "{path}: 列 {column!r} 是列名, 但该文件按无表头读取: 请给出它的位置 "
                 "(1, 2, ...) 或去掉 --no-header"},
    "err.bench_column_unknown": {
        "en": "{path}: no column {column!r} in the header (columns: {have}); name one of "
              "them or give a position (1, 2, ...)",
        "zh-CN": "{path}: 表头中没有列 {column!r} (现有列: {have}); 请用其中之一, 或给出位置 "
                 "(1, 2, ...)"},
    "err.bench_column_shared": {
        "en": "{path}: column {column} is chosen as {first} and as {second}",
        "zh-CN": "{path}: 第 {column} 列同时被指定为 {first} 和 {second}"},
    "err.bench_row_finite": {"en": "{path}:{line}: rating {value!r} is not a finite number",
                             "zh-CN": "{path}:{line}: rating 的值 {value!r} 不是有限数"},
    "err.bench_row_no_value": {
        "en": "{path}:{line}: no value to weigh: --weight {weight} reads the rating column "
              "(choose it: --columns ...,rating=N)",
        "zh-CN": "{path}:{line}: 没有可用作权重的值: --weight {weight} 读取 rating 列 "
                 "(请用 --columns ...,rating=N 指定)"},
    "err.bench_row_negative": {
        "en": "{path}:{line}: value {value!r} is negative; --weight {weight} needs values "
              "of 0 or more",
        "zh-CN": "{path}:{line}: 值 {value!r} 为负; --weight {weight} 要求值不小于 0"},
    "err.bench_row_timestamp_range": {
        "en": "{path}:{line}: timestamp {value!r} does not fit a 64-bit integer",
        "zh-CN": "{path}:{line}: 时间戳 {value!r} 超出 64 位整数范围"},
    "err.bench_where_nothing": {
        "en": "--where {condition}: no row of {path} has {value!r} in column {column} (its "
              "most common values: {common})",
        "zh-CN": "--where {condition}: {path} 中没有任何行的第 {column} 列为 {value!r} "
                 "(该列最常见的值: {common})"},
    "err.bench_where_empty": {"en": "--where keeps no row of {path} ({read} rows read)",
                              "zh-CN": "--where 过滤后 {path} 一行不剩 (共读到 {read} 行)"},
    # crossplay.evaluation.weights
    "err.bench_weight": {"en": "unknown weight transform {name!r}: use {weights}",
                         "zh-CN": "未知权重变换 {name!r}: 请使用 {weights}"},
    "err.bench_alpha": {
        "en": "--alpha {alpha}: ALS's confidence scale must be a number above 0",
        "zh-CN": "--alpha {alpha}: ALS 的置信度系数须为大于 0 的数"},
    "err.bench_weight_missing": {
        "en": "--weight {weight} needs a value on every training row; {n} pairs have none "
              "(import with the value column chosen, or use --weight binary)",
        "zh-CN": "--weight {weight} 要求每个训练行都有值; 有 {n} 个用户-物品对没有值 "
                 "(导入时请指定值所在列, 或改用 --weight binary)"},
    "err.bench_weight_negative": {
        "en": "--weight {weight} needs values of 0 or more; {n} pairs sum to less",
        "zh-CN": "--weight {weight} 要求值不小于 0; 有 {n} 个用户-物品对的值之和为负"},
    "err.bench_weight_large": {
        "en": "--weight {weight} gives weights up to {top:g}, beyond {limit:g}: use "
              "--weight log1p",
        "zh-CN": "--weight {weight} 得到的权重最大为 {top:g}, 超过上限 {limit:g}: 请改用 "
                 "--weight log1p"},
    # crossplay.evaluation.overlap, .cdr
    "err.bench_overlap_file": {"en": "--overlap map:{path}: no such file",
                               "zh-CN": "--overlap map:{path}: 文件不存在"},
    "err.bench_overlap_spec": {
        "en": "--overlap {text!r}: use all, none, below:N (ids below N are shared) or "
              "map:FILE (the shared ids, or pairs under a header naming two domains)",
        "zh-CN": "--overlap {text!r}: 请使用 all、none、below:N (小于 N 的 ID 为共享用户) 或 "
                 "map:FILE (共享 ID 列表, 或以两个领域名为表头的 ID 对)"},
    "err.bench_overlap_map_header": {
        "en": "{path}: an overlap map holds one id per line, or a header naming two domains "
              "of the set ({domains}) and then pairs of ids",
        "zh-CN": "{path}: 重叠映射文件须每行一个 ID, 或首行写明本数据集的两个领域 "
                 "({domains}) 之后每行一对 ID"},
    "err.bench_overlap_map_row": {"en": "{path}:{line}: expected two ids",
                                  "zh-CN": "{path}:{line}: 应为两个 ID"},
    "err.bench_overlap_map_twice": {"en": "{path}:{line}: an id is paired twice",
                                    "zh-CN": "{path}:{line}: 有 ID 被配对了两次"},
    "err.bench_overlap_collision": {
        "en": "{path}: the domain-local id {id!r} (written <id>@<domain>) is also a shared "
              "id: rename that user, or use another --overlap",
        "zh-CN": "{path}: 领域内 ID {id!r} (写作 <id>@<domain>) 与某个共享 ID 相同: "
                 "请改名该用户, 或换用其他 --overlap"},
    "err.bench_overlap_format": {
        "en": "--overlap and --pair apply to --format cdr-folder only",
        "zh-CN": "--overlap 和 --pair 只适用于 --format cdr-folder"},
    "err.bench_pairs_choose": {
        "en": "{path} holds {n} domain pairs ({pairs}): choose one with --pair",
        "zh-CN": "{path} 含有 {n} 组领域对 ({pairs}): 请用 --pair 选择一组"},
    "err.bench_domain_files": {
        "en": "{path}: several files ({files}) and none named train / valid / test: keep "
              "one ratings file per domain",
        "zh-CN": "{path}: 有多个文件 ({files}) 且都不叫 train / valid / test: 每个领域只保留"
                 "一个评分文件"},
    "err.bench_domain_mixed": {
        "en": "{path}: domain {domain!r} has split files and an unsplit file ({file})",
        "zh-CN": "{path}: 领域 {domain!r} 既有切分文件又有未切分文件 ({file})"},
    "err.bench_pair_single": {
        "en": "{path} is one set of domains, not a root of pairs: drop --pair",
        "zh-CN": "{path} 是单个多领域数据集, 不是领域对的根目录: 请去掉 --pair"},
    "err.bench_pairs_mixed": {
        "en": "{path} mixes folders of domain pairs ({pairs}) with other data ({others}): "
              "keep one layout",
        "zh-CN": "{path} 同时含有领域对目录 ({pairs}) 和其他数据 ({others}): 请只用一种布局"},
    "err.bench_pair_unknown": {
        "en": "{path}: no pair folder {pair!r} (pairs: {pairs})",
        "zh-CN": "{path}: 没有领域对目录 {pair!r} (已有: {pairs})"},
    # crossplay.evaluation.protocols
    "err.bench_target": {"en": "no rows in domain {target!r} (domains: {have})",
                         "zh-CN": "领域 {target!r} 中没有数据行 (已有领域: {have})"},
    "err.bench_ratio": {"en": "ratio {ratio} must be between 0 and 1 (the training share)",
                        "zh-CN": "ratio {ratio} 须在 0 和 1 之间 (训练集占比)"},
    "err.bench_split_empty": {
        "en": "the {protocol} split leaves {train} training and {test} test rows: too "
              "little data for this protocol",
        "zh-CN": "按 {protocol} 协议切分后只剩 {train} 行训练、{test} 行测试: 数据太少, "
                 "不适用该协议"},
    "err.bench_no_split": {
        "en": "this benchmark ships no train/test files: use --protocol stratified, chrono, "
              "loo or cold",
        "zh-CN": "该基准数据集没有自带 train/test 文件: 请用 --protocol stratified、chrono、"
                 "loo 或 cold"},
    "err.bench_no_time": {
        "en": "the {protocol} protocol orders rows by time, and {n} rows have no timestamp: "
              "use stratified or provided",
        "zh-CN": "{protocol} 协议按时间排序, 但有 {n} 行没有时间戳: 请用 stratified 或 "
                 "provided"},
    "err.bench_cold_target": {
        "en": "the cold protocol needs --target DOMAIN (the domain whose rows are withheld)",
        "zh-CN": "cold 协议需要 --target DOMAIN (被留出的目标领域)"},
    "err.bench_fraction": {"en": "the cold-start fraction must be between 0 and 1",
                           "zh-CN": "冷启动用户占比须在 0 和 1 之间"},
    "err.bench_overlap": {
        "en": "fewer than two users have rows in {target!r} and in another domain: nothing "
              "to evaluate cold start on",
        "zh-CN": "同时在 {target!r} 和其他领域有数据的用户不足两人: 无法评测冷启动"},
    "err.bench_protocol": {"en": "unknown protocol {protocol!r}: use {protocols}",
                           "zh-CN": "未知协议 {protocol!r}: 请使用 {protocols}"},
    # crossplay.evaluation.runner, .tuning, .store, .worldgen and `bench run --param`
    "err.bench_k": {"en": "k must be at least 1", "zh-CN": "k 至少为 1"},
    "err.bench_no_model": {"en": "choose at least one model", "zh-CN": "请至少选择一个模型"},
    "err.bench_text_model": {
        "en": "{model} needs item text or categories, which benchmark files do not carry: "
              "use {models}",
        "zh-CN": "{model} 需要物品文本或类别, 而基准文件不含这些: 请使用 {models}"},
    "err.bench_model": {"en": "unknown model {model!r}: use {models}",
                        "zh-CN": "未知模型 {model!r}: 请使用 {models}"},
    "err.bench_emcdr_target": {
        "en": "emcdr maps a source domain to a target: pass --target",
        "zh-CN": "emcdr 把源领域映射到目标领域: 请给出 --target"},
    "err.bench_sampled": {"en": "--sampled needs at least one negative per user",
                          "zh-CN": "--sampled 要求每位用户至少一个负样本"},
    "err.bench_relevance": {
        "en": "a relevance threshold needs ratings, and some test rows have none",
        "zh-CN": "相关性阈值需要评分, 但部分测试行没有评分"},
    "err.bench_no_test_users": {
        "en": "no test user has a relevant item left (check --relevance and --target)",
        "zh-CN": "没有测试用户还剩相关物品 (请检查 --relevance 和 --target)"},
    "err.bench_model_param": {"en": "{model}: {detail}",
                              "zh-CN": "模型 {model} 的参数有误: {detail}"},
    "err.bench_param": {"en": "--param {value!r}: write MODEL.NAME=VALUE, e.g. als.factors=64",
                        "zh-CN": "--param {value!r}: 请写成 MODEL.NAME=VALUE, 例如 "
                                 "als.factors=64"},
    "err.bench_tuning": {
        "en": "no setting of {model} could be fitted on the validation split: {detail}",
        "zh-CN": "{model} 的所有参数组合都无法在验证集上训练: {detail}"},
    "err.bench_name": {
        "en": "benchmark name {name!r}: use letters, digits, '_', '-' or '.' (at most 64, "
              "starting with a letter or digit)",
        "zh-CN": "基准名称 {name!r}: 只能用字母、数字、'_'、'-' 或 '.' (最多 64 个字符, "
                 "以字母或数字开头)"},
    "err.bench_exists": {
        "en": "benchmark {name!r} exists: choose another --name or pass --replace",
        "zh-CN": "基准数据集 {name!r} 已存在: 请换一个 --name, 或加 --replace 覆盖"},
    "err.bench_not_found": {
        "en": "no benchmark {name!r} (imported: {known}); run `crossplay bench import PATH "
              "--format ... --name NAME`",
        "zh-CN": "没有基准数据集 {name!r} (已导入: {known}); 请运行 `crossplay bench import "
                 "PATH --format ... --name NAME`"},
    "err.bench_remove_unknown": {"en": "no benchmark {name!r}",
                                 "zh-CN": "没有基准数据集 {name!r}"},
    "err.bench_world": {
        "en": "{world} is not a crossplay synthetic world (no ground_truth/people)",
        "zh-CN": "{world} 不是 crossplay 模拟世界 (没有 ground_truth/people)"},
    "err.bench_out": {"en": "{out} exists and is not empty: choose a new folder",
                      "zh-CN": "{out} 已存在且不为空: 请换一个新目录"},
}
