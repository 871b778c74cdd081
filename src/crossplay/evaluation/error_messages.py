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
              "{names} (or use --no-header for positional columns user item [rating] "
              "[timestamp])",
        "zh-CN": "{path}:1: 表头 {header!r} 中没有 {column} 列; 可用的列名: {names} (或用 "
                 "--no-header 按位置读取: user item [rating] [timestamp])"},
    "err.bench_header_twice": {"en": "{path}:1: two header columns mean {column}",
                               "zh-CN": "{path}:1: 有两个表头列都表示 {column}"},
    "err.bench_one_field": {
        "en": "{path}:1: one field per line; expected user item [rating] [timestamp]",
        "zh-CN": "{path}:1: 每行只有一个字段; 应为 user item [rating] [timestamp]"},
    "err.bench_fields": {
        "en": "{path}:1: {n} fields without a header; positional files hold user item "
              "[rating] [timestamp] — add a header line naming the columns",
        "zh-CN": "{path}:1: 没有表头却有 {n} 个字段; 按位置读取的文件只含 user item [rating] "
                 "[timestamp] — 请加一行表头写明各列"},
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
