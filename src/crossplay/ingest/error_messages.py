"""The ingest errors in English and Simplified Chinese (``err.<code>`` catalog entries).

The English text of each entry is exactly what the raising code says; the CLI's data
commands (``crossplay ingest``, and ``crossplay demo`` through them) register this catalog
and print the zh-CN text from the error's params. A library's own detail (Arrow's,
Python's codec errors, pydantic's) is quoted as it is.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # the PATH argument (crossplay.ingest.sources)
    "err.ingest_path_missing": {"en": "{path} does not exist", "zh-CN": "{path} 不存在"},
    "err.ingest_no_data_files": {
        "en": "{path} holds no data files ({suffixes}, optionally .gz / .zst / .bz2)",
        "zh-CN": "{path} 中没有数据文件 ({suffixes}, 可再加 .gz / .zst / .bz2 压缩后缀)"},
    "err.ingest_no_match": {"en": "no file matches {pattern}",
                            "zh-CN": "没有文件与 {pattern} 匹配"},
    # the bytes of a file (crossplay.ingest.streams)
    "err.ingest_open_failed": {"en": "cannot open {path}: {detail}",
                               "zh-CN": "无法打开 {path}: {detail}"},
    "err.ingest_compressed_corrupt": {
        "en": "{path} is a truncated or corrupt {compression} file ({detail}); export it again",
        "zh-CN": "{path} 是不完整或已损坏的 {compression} 文件 ({detail}); 请重新导出"},
    "err.ingest_read_failed": {"en": "cannot read {path}: {detail}",
                               "zh-CN": "无法读取 {path}: {detail}"},
    # format and encoding (crossplay.ingest.readers, .pipeline)
    "err.ingest_format_unknown": {
        "en": "cannot tell the format of {path} from its name; set `format:` in the mapping "
              "(csv, jsonl or parquet)",
        "zh-CN": "无法从文件名判断 {path} 的格式; 请在映射文件中设置 `format:` "
                 "(csv、jsonl 或 parquet)"},
    "err.ingest_encoding_undetected": {
        "en": "cannot detect the file's text encoding; set `encoding:` in the mapping (e.g. "
              "utf-8, gb18030)",
        "zh-CN": "无法识别文件的文本编码; 请在映射文件中设置 `encoding:` (如 utf-8、gb18030)"},
    "err.ingest_encoding_unknown": {
        "en": "unknown encoding {name!r}; use e.g. utf-8, gb18030, gbk",
        "zh-CN": "未知的编码 {name!r}; 请使用 utf-8、gb18030、gbk 等编码"},
    "err.ingest_unreadable": {"en": "cannot read {path} as {format}: {detail}",
                              "zh-CN": "无法按 {format} 格式读取 {path}: {detail}"},
    # CSV headers (crossplay.ingest.csv_reader)
    "err.ingest_header_too_long": {
        "en": "{path}: the header line is longer than {limit:,} bytes; is this a CSV file "
              "with the right delimiter?",
        "zh-CN": "{path}: 表头行超过 {limit:,} 字节; 这是分隔符正确的 CSV 文件吗?"},
    "err.ingest_header_columns": {
        "en": "{path}: the header has {n:,} columns; the limit is {limit:,} (raise "
              "CROSSPLAY_INGEST_MAX_COLUMNS if the export really is that wide)",
        "zh-CN": "{path}: 表头有 {n:,} 列, 超过上限 {limit:,} (如果导出文件确实有这么多列, "
                 "请调高 CROSSPLAY_INGEST_MAX_COLUMNS)"},
    "err.ingest_header_encoding": {
        "en": "{path}: the header is not valid {encoding}; set `encoding:` in the mapping or "
              "--encoding (e.g. gb18030, utf-16, latin-1)",
        "zh-CN": "{path}: 表头不是有效的 {encoding} 文本; 请在映射文件中设置 `encoding:` "
                 "或使用 --encoding (如 gb18030、utf-16、latin-1)"},
    "err.ingest_header_repeats": {
        "en": "{path}: the header repeats column(s) {columns}; column names must be unique",
        "zh-CN": "{path}: 表头中有重复的列名 {columns}; 列名必须唯一"},
    "err.ingest_header_empty_name": {"en": "{path}: the header has an empty column name",
                                     "zh-CN": "{path}: 表头中有空的列名"},
    "err.ingest_encoding_mismatch": {
        "en": "{path} cannot be read as {encoding} ({detail}); set `encoding:` in the "
              "mapping or --encoding to the file's encoding",
        "zh-CN": "无法按 {encoding} 编码读取 {path} ({detail}); 请在映射文件中设置 "
                 "`encoding:` 或用 --encoding 指定文件的实际编码"},
    # JSON lines (crossplay.ingest.jsonl_reader)
    "err.ingest_jsonl_keys": {
        "en": "{path}: the lines have {n:,} different keys; the limit is {limit:,} "
              "(CROSSPLAY_INGEST_MAX_COLUMNS)",
        "zh-CN": "{path}: 各行共有 {n:,} 个不同的键, 超过上限 {limit:,} "
                 "(CROSSPLAY_INGEST_MAX_COLUMNS)"},
    # Parquet (crossplay.ingest.readers)
    "err.ingest_parquet_unreadable": {"en": "{path} is not a readable Parquet file: {detail}",
                                      "zh-CN": "{path} 不是可读取的 Parquet 文件: {detail}"},
    "err.ingest_parquet_columns": {
        "en": "{path}: the file has {n:,} columns; the limit is {limit:,} "
              "(CROSSPLAY_INGEST_MAX_COLUMNS)",
        "zh-CN": "{path}: 文件有 {n:,} 列, 超过上限 {limit:,} (CROSSPLAY_INGEST_MAX_COLUMNS)"},
    "err.ingest_parquet_repeats": {
        "en": "{path}: the file repeats column(s) {columns}; column names must be unique "
              "(write it again with distinct names)",
        "zh-CN": "{path}: 文件中有重复的列名 {columns}; 列名必须唯一 (请用互不相同的列名"
                 "重新写出该文件)"},
    # the mapping file (crossplay.ingest.mapping through crossplay.core.yamldoc)
    "err.ingest_mapping_missing": {"en": "mapping file {path} does not exist",
                                   "zh-CN": "映射文件 {path} 不存在"},
    "err.ingest_mapping_unreadable": {"en": "cannot read mapping file {path}: {detail}",
                                      "zh-CN": "无法读取映射文件 {path}: {detail}"},
    "err.ingest_mapping_not_yaml": {"en": "{path}: not valid YAML: {detail}",
                                    "zh-CN": "{path}: 不是有效的 YAML: {detail}"},
    "err.ingest_mapping_not_mapping": {
        "en": "{path}: a mapping file must be a YAML mapping of keys to values",
        "zh-CN": "{path}: 映射文件须为键值映射 (YAML mapping)"},
    "err.ingest_mapping_invalid": {"en": "invalid mapping file: {detail}",
                                   "zh-CN": "映射文件无效 ({path}): {detail}"},
    # a mapping that does not fit the table (crossplay.ingest.mapping)
    "err.ingest_mapping_unknown_field": {
        "en": "mapping{origin} does not fit table {table}:\n  {problems}",
        "zh-CN": "映射{origin} 与数据表 {table} 不符: {keys} 指向 {table} 中不存在的字段 "
                 "({table} 的字段: {fields})"},
    "err.ingest_mapping_unit_field": {
        "en": "mapping{origin} does not fit table {table}:\n  {problems}",
        "zh-CN": "映射{origin} 与数据表 {table} 不符: 只有数值字段可以设置单位, "
                 "{units} 不是数值字段"},
    "err.ingest_mapping_misfit": {
        "en": "mapping{origin} does not fit table {table}:\n  {problems}",
        "zh-CN": "映射{origin} 与数据表 {table} 不符: {keys} 指向 {table} 中不存在的字段 "
                 "({table} 的字段: {fields}); 只有数值字段可以设置单位, {units} 不是数值字段"},
    # a mapping for another export (crossplay.ingest.pipeline)
    "err.ingest_mapping_kind": {
        "en": "the mapping {origin} is for kind '{mapping_kind}', but --kind is '{kind}'",
        "zh-CN": "映射 {origin} 用于 '{mapping_kind}' 类数据, 但 --kind 是 '{kind}'"},
    "err.ingest_mapping_partner": {
        "en": "the mapping {origin} is for partner '{mapping_partner}', but --partner is "
              "'{partner}'",
        "zh-CN": "映射 {origin} 属于合作方 '{mapping_partner}', 但 --partner 是 '{partner}'"},
    # the mapping against a file's columns (crossplay.ingest.sqlplan)
    "err.ingest_mapped_column_missing": {
        "en": "{path}: the mapping reads {table} field '{field}' from column '{column}', "
              "which the file does not have (mapping key {key} in {origin}). Columns in the "
              "file: {have}",
        "zh-CN": "{path}: 映射要从列 '{column}' 读取 {table} 的字段 '{field}', 但文件中没有"
                 "这一列 (映射文件 {origin} 中的键 {key})。文件中的列: {have}"},
    "err.ingest_mapped_column_missing_unsaved": {
        "en": "{path}: the mapping reads {table} field '{field}' from column '{column}', "
              "which the file does not have (add `{key}` to a mapping file (--mapping)). "
              "Columns in the file: {have}",
        "zh-CN": "{path}: 映射要从列 '{column}' 读取 {table} 的字段 '{field}', 但文件中没有"
                 "这一列 (请在映射文件中写上 `{key}`, 用 --mapping 指定)。文件中的列: {have}"},
    "err.ingest_required_field": {
        "en": "{path}: required {table} field '{field}' has no source column: the file has "
              "no column '{field}' and the mapping does not name one (mapping key {key} in "
              "{origin}). Columns in the file: {have}",
        "zh-CN": "{path}: {table} 的必填字段 '{field}' 没有来源列: 文件中没有名为 '{field}' "
                 "的列, 映射也没有指定 (映射文件 {origin} 中的键 {key})。文件中的列: {have}"},
    "err.ingest_required_field_unsaved": {
        "en": "{path}: required {table} field '{field}' has no source column: the file has "
              "no column '{field}' and the mapping does not name one (add `{key}` to a "
              "mapping file (--mapping)). Columns in the file: {have}",
        "zh-CN": "{path}: {table} 的必填字段 '{field}' 没有来源列: 文件中没有名为 '{field}' "
                 "的列, 映射也没有指定 (请在映射文件中写上 `{key}`, 用 --mapping 指定)。"
                 "文件中的列: {have}"},
    "err.ingest_property_missing": {
        "en": "{path}: `properties` lists column '{column}', which the file does not have "
              "(mapping key properties in {origin}). Columns: {have}",
        "zh-CN": "{path}: `properties` 列出了列 '{column}', 但文件中没有这一列 "
                 "(映射文件 {origin} 中的键 properties)。文件中的列: {have}"},
    "err.ingest_property_missing_unsaved": {
        "en": "{path}: `properties` lists column '{column}', which the file does not have "
              "(add `properties` to a mapping file (--mapping)). Columns: {have}",
        "zh-CN": "{path}: `properties` 列出了列 '{column}', 但文件中没有这一列 "
                 "(请在映射文件中写上 `properties`, 用 --mapping 指定)。文件中的列: {have}"},
    "err.ingest_constant_user": {
        "en": "mapping key {key} in {origin}: a user id cannot be a constant",
        "zh-CN": "映射文件 {origin} 中的键 {key}: 用户 ID 不能是常量"},
    "err.ingest_constant_user_unsaved": {
        "en": "add `{key}` to a mapping file (--mapping): a user id cannot be a constant",
        "zh-CN": "`{key}`: 用户 ID 不能是常量"},
    # a generated world (crossplay.ingest.world)
    "err.ingest_world_no_manifest": {
        "en": "{world} holds no manifest.json; create a world with `crossplay generate --out "
              "DIR`",
        "zh-CN": "{world} 中没有 manifest.json; 请用 `crossplay generate --out DIR` "
                 "生成双平台模拟数据"},
    "err.ingest_world_manifest_json": {"en": "{path} is not valid JSON: {detail}",
                                       "zh-CN": "{path} 不是有效的 JSON: {detail}"},
}
