"""Messages of errors any command can meet: settings, secrets, the clock, the operational
database, and the command line itself (imported by :mod:`crossplay.cli.app` at start).

Each ``err.<code>`` entry's English text is exactly what the code raising it says.
"""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang

CATALOG: dict[str, dict[Lang, str]] = {
    "cli.aborted": {"en": "aborted", "zh-CN": "已中止"},
    "err.bad_lang": {"en": "--lang {lang!r}: use en or zh-CN",
                     "zh-CN": "--lang {lang!r}: 请使用 en 或 zh-CN"},
    # crossplay.core.settings
    "err.bad_settings": {"en": "invalid settings: {detail}",
                         "zh-CN": "设置无效: {detail}"},
    # crossplay.core.clock
    "err.bad_clock": {
        "en": "{var}={value!r} is not an ISO-8601 instant; use e.g. 2031-06-15T12:00:00Z or "
              "unset it to use the machine's clock",
        "zh-CN": "{var}={value!r} 不是 ISO-8601 时刻; 请写成例如 2031-06-15T12:00:00Z, "
                 "或删除该变量以使用本机时钟"},
    # crossplay.core.secrets
    "err.bad_secret": {
        "en": "the key file {path} is too short; delete it and run `crossplay keys init "
              "--partner {partner}`",
        "zh-CN": "密钥文件 {path} 太短; 请删除它并运行 `crossplay keys init --partner "
                 "{partner}`"},
    "err.missing_secret": {
        "en": "no secret for partner '{partner}': set {var} (at least 16 characters) or run "
              "`crossplay keys init --partner {partner}` to create {path}",
        "zh-CN": "合作方 '{partner}' 没有密钥: 请设置 {var} (至少 16 个字符), 或运行 "
                 "`crossplay keys init --partner {partner}` 创建 {path}"},
    "err.missing_key_version": {
        "en": "key version {version} of '{partner}' is missing from {keys}: restore it from "
              "the backup",
        "zh-CN": "{keys} 中缺少 '{partner}' 的第 {version} 版密钥: 请从备份恢复"},
    "err.bad_rotated_secret": {
        "en": "the key file for version {version} of '{partner}' is too short",
        "zh-CN": "'{partner}' 第 {version} 版的密钥文件太短"},
    "err.rotated_secret_exists": {"en": "{path} already exists",
                                  "zh-CN": "{path} 已存在"},
    "err.secret_exists": {
        "en": "{path} already exists; replacing it would orphan every pseudonymous key "
              "already in the lake",
        "zh-CN": "{path} 已存在; 替换它会使数据湖中已有的全部假名化标识失去对应"},
    # crossplay.opdb
    "err.opdb_unusable": {"en": "cannot use the operational database {url!r}: {detail}",
                          "zh-CN": "无法使用业务数据库 {url!r}: {detail}"},
    "err.opdb_schema": {"en": "cannot create the operational tables: {detail}",
                        "zh-CN": "无法创建业务数据库的表: {detail}"},
    # crossplay.opdb.schema_version: a database not at this crossplay's schema revision
    "err.opdb_too_new": {
        "en": "the operational database {url} is at schema revision {current}, which this "
              "crossplay does not know (it knows up to {head}): this store was made by a newer "
              "crossplay. Install that version or newer; do not run an older one on it",
        "zh-CN": "业务数据库 {url} 处于结构版本 {current}, 本版 crossplay 不认识 (最高只认识 "
                 "{head}): 该数据库由更新版本的 crossplay 创建。请安装该版本或更新的版本; "
                 "不要用旧版本运行它"},
    "err.opdb_unversioned": {
        "en": "the operational database {url} was made before schema migrations (its tables "
              "carry no revision): run `crossplay db upgrade` to record it as revision {first} "
              "and upgrade it to {head} (back it up first)",
        "zh-CN": "业务数据库 {url} 由引入结构迁移之前的 crossplay 创建 (其表未记录版本): 请运行 "
                 "`crossplay db upgrade`, 将其记录为版本 {first} 并升级到 {head} (请先备份)"},
    "err.opdb_outdated": {
        "en": "the operational database {url} is at schema revision {current}; this crossplay "
              "needs {head}: run `crossplay db upgrade` (back it up first)",
        "zh-CN": "业务数据库 {url} 处于结构版本 {current}; 本版 crossplay 需要 {head}: 请运行 "
                 "`crossplay db upgrade` (请先备份)"},
    "err.opdb_unversioned_mismatch": {
        "en": "the operational database {url} has no schema revision and its tables differ "
              "from revision {first} ({differences}), so crossplay cannot tell what made it: "
              "restore it from a backup made by crossplay, or move it aside and let crossplay "
              "create a new one",
        "zh-CN": "业务数据库 {url} 没有结构版本, 且其表与版本 {first} 不同 ({differences}), "
                 "crossplay 无法判断它由哪个版本创建: 请从 crossplay 生成的备份恢复, 或把它移开"
                 "后让 crossplay 新建一个"},
    "err.opdb_no_downgrade": {
        "en": "the operational database {url} is at revision {current}, past {target}: "
              "crossplay does not downgrade",
        "zh-CN": "业务数据库 {url} 已处于版本 {current}, 比 {target} 更新: crossplay 不做降级"},
    "err.opdb_upgrade_failed": {
        "en": "cannot upgrade the operational database {url}: {detail}",
        "zh-CN": "无法升级业务数据库 {url}: {detail}"},
    "err.opdb_unknown_revision": {
        "en": "unknown schema revision {revision!r}: `crossplay db history` lists them",
        "zh-CN": "未知的结构版本 {revision!r}: `crossplay db history` 会列出全部版本"},
}
add_messages(CATALOG)
