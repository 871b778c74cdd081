"""The privacy errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; the CLI's privacy
commands register this catalog and print the zh-CN text from the error's params. Values
a message quotes as they are stored (paths, partners, modes, API key ids, settings names)
stay as written in both languages; so does a detail an OS, a driver or the other PSI side
wrote in English.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # the audit log (crossplay.privacy.audit, `crossplay audit verify --expect`)
    "err.audit_identifier": {
        "en": "audit details must not hold direct identifiers: {keys}; pass pseudonymous "
              "keys or digests",
        "zh-CN": "审计详情不得包含直接标识符: {keys}; 请改传假名化标识或摘要"},
    "err.audit_details_json": {"en": "audit details are not JSON-able: {detail}",
                               "zh-CN": "审计详情无法转换为 JSON: {detail}"},
    "err.audit_entry_incomplete": {"en": "an audit entry needs an action and an actor",
                                   "zh-CN": "审计条目需要操作和执行者"},
    "err.audit_append_failed": {"en": "could not append to the audit log after 50 attempts",
                                "zh-CN": "尝试 50 次后仍无法写入审计日志"},
    "err.audit_expect_format": {
        "en": "--expect takes SEQ:HASH as printed by `crossplay audit verify`",
        "zh-CN": "--expect 的格式为 SEQ:HASH, 即 `crossplay audit verify` 打印的链头"},
    # live consent decisions (crossplay.privacy.consent)
    "err.consent_purpose": {"en": "unknown purpose {value!r}: use one of {purposes}",
                            "zh-CN": "未知的用途 {value!r}: 请使用 {purposes} 之一"},
    "err.consent_partner": {"en": "unknown partner {partner!r}: use knowledge or game",
                            "zh-CN": "未知的合作方 {partner!r}: 请使用 knowledge 或 game"},
    "err.consent_one_id": {"en": "give exactly one of user_key and native_id",
                           "zh-CN": "user_key 与 native_id 须给出且只给出一个"},
    "err.consent_blank_id": {"en": "the native id is blank", "zh-CN": "原始用户 ID 为空"},
    "err.consent_naive_time": {"en": "the decision time needs a time zone",
                               "zh-CN": "决定时间须带时区"},
    # account links (crossplay.privacy.links, .live)
    "err.link_bad_key": {
        "en": "{side} must be a 32-hex-character user_key (pseudonymous), got {length} "
              "characters",
        "zh-CN": "{side} 必须是 32 位十六进制的 user_key (假名化标识), 收到 {length} 个字符"},
    "err.same_partner_link": {
        "en": "{crossed} of {pairs} PSI pairs join two users of the same partner: both sides "
              "of the run were one partner. Nothing was recorded; run PSI against the other "
              "partner's server",
        "zh-CN": "{pairs} 个 PSI 配对中有 {crossed} 个连接的是同一合作方的两个用户: 本次运行的"
                 "双方是同一个合作方。未记录任何账号关联; 请对另一合作方的服务端运行 PSI"},
    "err.privacy_live_unreadable": {"en": "cannot read the live consents and links: {detail}",
                                    "zh-CN": "无法读取实时的同意与账号关联记录: {detail}"},
    # erasure and re-keying (crossplay.privacy.erasure)
    "err.erasure_partner": {"en": "unknown partner {partner!r}: use knowledge or game",
                            "zh-CN": "未知的合作方 {partner!r}: 请使用 knowledge 或 game"},
    "err.bad_user": {"en": "the user id is blank", "zh-CN": "用户 ID 为空"},
    "err.erasure_table_module": {
        "en": "cannot import {module} ({detail}); erasing or re-keying without its tables "
              "would be incomplete, so nothing was changed",
        "zh-CN": "无法导入 {module} ({detail}); 缺少它的表, 删除或重新生成假名化标识将不完整, "
                 "因此未做任何更改"},
    "err.erasure_forget_keys": {
        "en": "cannot import {module} ({detail}); its row-indexed files would be left holding "
              "the person, so the erasure stopped after the lake and database steps: fix it "
              "and run forget again",
        "zh-CN": "无法导入 {module} ({detail}); 它按行索引的文件会继续保留此人的数据, 因此删除"
                 "在完成数据湖和数据库两步后停止: 请修复后重新运行 forget"},
    # contact files (crossplay.privacy.contacts)
    "err.psi_contacts_columns": {
        "en": "{path}: a contact file needs a user id column (one of {id_columns}) and a "
              "phone and/or email column; found {found}",
        "zh-CN": "{path}: 联系方式文件需要一个用户 ID 列 ({id_columns} 之一) 以及 phone 和/或 "
                 "email 列; 实际的列: {found}"},
    "err.psi_contacts_no_header": {
        "en": "{path}: a contact file needs a user id column (one of {id_columns}) and a "
              "phone and/or email column; found no header",
        "zh-CN": "{path}: 联系方式文件需要一个用户 ID 列 ({id_columns} 之一) 以及 phone 和/或 "
                 "email 列; 该文件没有表头"},
    "err.psi_contacts_missing": {
        "en": "cannot read the contact file {path}: No such file or directory",
        "zh-CN": "联系方式文件 {path} 不存在"},
    "err.psi_contacts_unreadable": {"en": "cannot read the contact file {path}: {reason}",
                                    "zh-CN": "无法读取联系方式文件 {path}: {reason}"},
    "err.psi_contacts_encoding": {"en": "{path} is not a UTF-8 CSV file: {detail}",
                                  "zh-CN": "{path} 不是 UTF-8 编码的 CSV 文件: {detail}"},
    # PSI messages and runs (crossplay.privacy.psi)
    "err.psi_bad_tags": {"en": "malformed tag list: {size} bytes is not a multiple of "
                               "{tag_bytes}",
                         "zh-CN": "标签列表格式错误: {size} 字节不是 {tag_bytes} 的整数倍"},
    "err.psi_bad_keys": {"en": "expected {expected} keys in the answer, got {got:g}",
                         "zh-CN": "应答中应有 {expected} 个假名化标识, 实际为 {got:g} 个"},
    "err.psi_truncated": {"en": "truncated PSI message", "zh-CN": "PSI 消息不完整 (被截断)"},
    "err.psi_malformed": {"en": "malformed PSI message", "zh-CN": "PSI 消息格式错误"},
    "err.psi_trailing_bytes": {"en": "malformed PSI message (trailing bytes)",
                               "zh-CN": "PSI 消息格式错误 (末尾有多余字节)"},
    "err.psi_other_mode": {"en": "the request was made for the other mode",
                           "zh-CN": "该请求是为另一种模式生成的"},
    "err.psi_bad_setup_response": {"en": "malformed PSI setup or response: {detail}",
                                   "zh-CN": "PSI 初始化消息或响应格式错误: {detail}"},
    "err.psi_bad_response": {"en": "malformed PSI response: {detail}",
                             "zh-CN": "PSI 响应格式错误: {detail}"},
    "err.psi_response_count": {"en": "the response answers {answered} items, not the {sent} "
                                     "sent",
                               "zh-CN": "响应回答了 {answered} 项, 而发送的是 {sent} 项"},
    "err.psi_bad_setup": {"en": "malformed PSI setup", "zh-CN": "PSI 初始化消息格式错误"},
    "err.psi_shard_count": {
        "en": "expected {shards} setups and responses, got {setups} and {responses}",
        "zh-CN": "应有初始化消息和响应各 {shards} 个, 实际为 {setups} 个和 {responses} 个"},
    "err.psi_shard_sizes": {"en": "expected {shards} non-negative shard sizes",
                            "zh-CN": "应有 {shards} 个非负的分片大小"},
    "err.psi_setup_started": {"en": "the setup of this run has already started",
                              "zh-CN": "本次运行的初始化已经开始"},
    "err.psi_setup_not_started": {"en": "the setup has not started: send the shard sizes first",
                                  "zh-CN": "初始化尚未开始: 请先发送分片大小"},
    "err.psi_request_count": {"en": "expected {shards} requests, got {got}",
                              "zh-CN": "应有 {shards} 个请求, 实际为 {got} 个"},
    "err.psi_bad_request": {"en": "malformed PSI request: {detail}",
                            "zh-CN": "PSI 请求格式错误: {detail}"},
    "err.psi_request_sizes": {"en": "the requests do not have the announced sizes",
                              "zh-CN": "请求的大小与事先声明的不符"},
    "err.psi_no_pairing": {
        "en": "no pairing in this run: it is not an intersection run, or its setup never "
              "started",
        "zh-CN": "本次运行没有配对: 它不是 intersection 模式的运行, 或其初始化从未开始"},
    # PSI by files (crossplay.privacy.psi_files)
    "err.psi_file_not_json": {"en": "{path} is not JSON", "zh-CN": "{path} 不是 JSON"},
    "err.psi_file_header_not_json": {"en": "the header of {path} is not JSON",
                                     "zh-CN": "{path} 的头部不是 JSON"},
    "err.psi_file_not_object": {"en": "{path} must be a JSON object",
                                "zh-CN": "{path} 必须是 JSON 对象"},
    "err.psi_file_header_not_object": {"en": "the header of {path} must be a JSON object",
                                       "zh-CN": "{path} 的头部必须是 JSON 对象"},
    "err.psi_file_missing": {"en": "cannot read {path}: No such file or directory",
                             "zh-CN": "文件 {path} 不存在"},
    "err.psi_file_unreadable": {"en": "cannot read {path}: {reason}",
                                "zh-CN": "无法读取 {path}: {reason}"},
    "err.psi_file_empty": {"en": "{path} is empty", "zh-CN": "{path} 是空的"},
    "err.psi_file_protocol": {
        "en": "{path} is not a {protocol} request: the other side must update crossplay",
        "zh-CN": "{path} 不是 {protocol} 请求: 对方须更新 crossplay"},
    "err.psi_file_mode": {"en": "unknown mode {mode!r} in {path}",
                          "zh-CN": "{path} 中的模式 {mode!r} 未知"},
    "err.psi_file_shards": {"en": "{path}: shards must be an integer from 1 to {max_shards}",
                            "zh-CN": "{path}: 分片数须为 1 到 {max_shards} 之间的整数"},
    "err.psi_file_salt": {"en": "{path}: malformed salt", "zh-CN": "{path}: 盐值格式错误"},
    "err.psi_file_no_partner": {"en": "{path} does not say which partner made it",
                                "zh-CN": "{path} 没有说明由哪个合作方生成"},
    "err.psi_file_same_partner": {
        "en": "{path} was made by {partner}, the partner this side is: PSI runs between the "
              "two partners",
        "zh-CN": "{path} 由 {partner} 生成, 与本方是同一个合作方: PSI 在两个合作方之间进行"},
    "err.psi_file_wrong_mode": {"en": "{path} is a {mode} request; this step needs {needed}",
                                "zh-CN": "{path} 是 {mode} 模式的请求; 这一步需要 {needed} 模式"},
    "err.psi_state_file": {"en": "{path} is not a {protocol} client state file",
                           "zh-CN": "{path} 不是 {protocol} 客户端状态文件"},
    "err.psi_tags_file": {"en": "{path} is not a tag file of `crossplay psi finish` "
                                "({protocol})",
                          "zh-CN": "{path} 不是 `crossplay psi finish` 生成的标签文件 "
                                   "({protocol})"},
    "err.psi_too_many_tags": {"en": "{tags:,} tags for a request of {items:,} items: refused",
                              "zh-CN": "请求只有 {items:,} 项, 却发来 {tags:,} 个标签: 已拒绝"},
    "err.psi_finish_first": {"en": "run `crossplay psi finish` first",
                             "zh-CN": "请先运行 `crossplay psi finish`"},
    "err.psi_pairs_file": {"en": "{path} is not a pairs file of `crossplay psi pairs` "
                                 "({protocol})",
                           "zh-CN": "{path} 不是 `crossplay psi pairs` 生成的配对文件 "
                                    "({protocol})"},
    "err.psi_pairs_malformed": {"en": "{path} is malformed", "zh-CN": "{path} 格式错误"},
    "err.psi_pairs_other_run": {"en": "{path} answers another request than this state's",
                                "zh-CN": "{path} 回答的不是该状态文件对应的请求"},
    # PSI over HTTP (crossplay.privacy.psi_http, .psi_service, .psi_sides)
    "err.psi_body_not_json": {"en": "the body is not JSON", "zh-CN": "消息体不是 JSON"},
    "err.psi_body_not_object": {"en": "the body must be a JSON object",
                                "zh-CN": "消息体必须是 JSON 对象"},
    "err.psi_listen": {"en": "cannot listen on {host}:{port}: {reason}",
                       "zh-CN": "无法在 {host}:{port} 上监听: {reason}"},
    "err.psi_unreachable": {"en": "cannot reach the PSI server at {url}: {detail}",
                            "zh-CN": "无法连接 {url} 上的 PSI 服务端: {detail}"},
    "err.psi_refused": {"en": "the PSI server refused ({status}): {detail}",
                        "zh-CN": "PSI 服务端拒绝了请求 ({status}): {detail}"},
    "err.psi_server_refused": {"en": "the PSI server refused ({status} {server_code}): {detail}",
                               "zh-CN": "PSI 服务端拒绝了请求 ({status} {server_code}): "
                                        "{detail}"},
    "err.psi_bad_sizes": {
        "en": "sizes must be a list of {shards} non-negative integers, one per shard",
        "zh-CN": "sizes 必须是由 {shards} 个非负整数组成的列表, 每个分片一个"},
    "err.psi_too_many_items": {
        "en": "{total:,} items announced; this side accepts at most {limit:,} per run "
              "(psi_max_items, and psi_max_size_ratio x its own {server_items:,} items)",
        "zh-CN": "声明了 {total:,} 项; 本方每次运行最多接受 {limit:,} 项 (psi_max_items, 且不超过 "
                 "psi_max_size_ratio 乘以本方自己的 {server_items:,} 项)"},
    "err.psi_mode_unknown": {"en": "mode must be one of {modes}",
                             "zh-CN": "模式必须是 {modes} 之一"},
    "err.same_partner": {
        "en": "API key {key_id} belongs to {partner}, the partner this server serves: PSI runs "
              "between the two partners, so use a key of the other partner",
        "zh-CN": "API 密钥 {key_id} 属于 {partner}, 正是本服务端所服务的合作方: PSI 在两个合作方"
                 "之间进行, 请使用另一合作方的密钥"},
    "err.psi_no_session": {"en": "unknown, expired or finished PSI session: open a new one",
                           "zh-CN": "PSI 会话不存在、已过期或已结束: 请新开一个会话"},
    "err.psi_protocol": {"en": "protocol {got!r} is not {protocol}: update crossplay on the "
                               "joining side",
                         "zh-CN": "协议 {got!r} 不是 {protocol}: 请在加入方更新 crossplay"},
    "err.psi_mode": {"en": "this side serves {mode} only, not {got!r}",
                     "zh-CN": "本方只提供 {mode} 模式, 不提供 {got!r}"},
    "err.psi_bad_partner": {
        "en": "say which partner is joining: partner must be knowledge or game",
        "zh-CN": "请说明加入的是哪个合作方: partner 必须是 knowledge 或 game"},
    "err.key_partner_mismatch": {"en": "API key {key_id} belongs to {partner}, not {claimed}",
                                 "zh-CN": "API 密钥 {key_id} 属于 {partner}, 而不是 {claimed}"},
    "err.psi_server_full": {
        "en": "this PSI server holds too many open sessions; try again in a minute",
        "zh-CN": "此 PSI 服务端打开的会话过多; 请一分钟后重试"},
    "err.psi_out_of_order": {
        "en": "out of order: this session is at step {step!r}; the protocol is session, "
              "sizes, request, pairs — open a new session",
        "zh-CN": "步骤顺序错误: 该会话处于 {step!r} 步骤; 协议顺序为 session、sizes、request、"
                 "pairs — 请新开一个会话"},
    "err.psi_busy": {"en": "another step of this session is running",
                     "zh-CN": "该会话的另一个步骤正在运行"},
    "err.psi_no_pairs": {"en": "pairs exist only in intersection mode",
                         "zh-CN": "只有 intersection 模式才有配对"},
    "err.psi_key_file_unreadable": {"en": "cannot read the API key file {path}: {detail}",
                                    "zh-CN": "无法读取 API 密钥文件 {path}: {detail}"},
    "err.psi_key_file_empty": {"en": "the API key file {path} is empty",
                               "zh-CN": "API 密钥文件 {path} 是空的"},
    "err.missing_api_key": {
        "en": "psi join needs the API key the other partner created for you: put it in a "
              "file (mode 0600) and pass --api-key-file FILE, or set {var}",
        "zh-CN": "psi join 需要另一合作方为你创建的 API 密钥: 请把它存入文件 (权限 0600) 并传入 "
                 "--api-key-file FILE, 或设置 {var}"},
    "err.psi_server_no_partner": {"en": "the PSI server did not say which partner it serves",
                                  "zh-CN": "PSI 服务端没有说明它服务于哪个合作方"},
    "err.psi_server_same_partner": {
        "en": "the server at {url} serves {partner}, the same partner as this side: PSI links "
              "a knowledge user and a game user; join the other partner's server",
        "zh-CN": "{url} 上的服务端服务于 {partner}, 与本方是同一个合作方: PSI 关联的是知识付费"
                 "用户与游戏用户; 请加入另一合作方的服务端"},
    "err.psi_links_same_partner": {
        "en": "both sides of this run are {partner}: PSI links join a knowledge user and a "
              "game user; nothing was recorded",
        "zh-CN": "本次运行的双方都是 {partner}: PSI 账号关联连接的是知识付费用户与游戏用户; "
                 "未记录任何内容"},
    "err.psi_answer_mismatch": {"en": "the answer does not match the tags sent",
                                "zh-CN": "应答与发送的标签不对应"},
    # releases (crossplay.privacy.release, .release_periods, .noise)
    "err.unknown_aggregate": {"en": "no aggregate named {name!r}; choose from {names}",
                              "zh-CN": "没有名为 {name!r} 的聚合; 可选: {names}"},
    "err.release_partner": {"en": "unknown partner {partner!r}: use knowledge or game",
                            "zh-CN": "未知的合作方 {partner!r}: 请使用 knowledge 或 game"},
    "err.bad_epsilon": {
        "en": "ε must be a number from {low:g} to the privacy budget {budget:g} (got "
              "{got!r}); nothing was spent. Use e.g. --epsilon 0.5",
        "zh-CN": "ε 必须是 {low:g} 到隐私预算 {budget:g} 之间的数 (收到 {got!r}); 未花费任何"
                 "预算。例如使用 --epsilon 0.5"},
    "err.budget_exhausted": {
        "en": "{partner} has spent ε={used:g} of its budget ε={budget:g}; this release needs "
              "ε={needed:g}. Use exact (k-suppressed) releases, a smaller ε, or raise "
              "privacy_epsilon_budget with the other partner's agreement",
        "zh-CN": "{partner} 已花费隐私预算 ε={budget:g} 中的 ε={used:g}; 本次发布需要 "
                 "ε={needed:g}。请改用精确 (k 匿名隐藏) 发布或更小的 ε, 或经另一合作方同意后"
                 "提高 privacy_epsilon_budget"},
    "err.release_definition": {
        "en": "metric {metric} is summed over {over!r}, which is not a count of the query",
        "zh-CN": "指标 {metric} 按 {over!r} 求和, 但它不是该查询的计数指标"},
    "err.bad_noise_scale": {
        "en": "ε={epsilon!r} gives no finite noise scale: no budget was spent; use e.g. "
              "--epsilon 0.5",
        "zh-CN": "ε={epsilon!r} 得不到有限的噪声尺度: 未花费任何预算; 例如使用 --epsilon 0.5"},
    "err.release_noise_overspend": {
        "en": "the Laplace mechanism does not meet the requested ε: no budget was spent; try "
              "another ε",
        "zh-CN": "拉普拉斯机制达不到所要求的 ε: 未花费任何预算; 请换一个 ε"},
    "err.release_noise": {
        "en": "OpenDP could not add the noise ({variant}): no budget was spent; try another ε",
        "zh-CN": "OpenDP 无法添加噪声 ({variant}): 未花费任何预算; 请换一个 ε"},
    "err.release_withheld_changes": {
        "en": "{query}: only {changed} linked person(s) changed since the exact table of {ref} "
              "(fewer than k = {k}): a new exact table would describe them, so none is "
              "released for {period}. Ask for a noisy release (--epsilon), which the privacy "
              "budget protects, or wait for the next period",
        "zh-CN": "{query}: 自 {ref} 的精确表以来只有 {changed} 位已关联的人发生变化 (少于 "
                 "k = {k}): 新的精确表会描述这几个人, 因此 {period} 不发布精确表。请改为申请"
                 "加噪发布 (--epsilon, 受隐私预算保护), 或等待下一个周期"},
    "err.release_withheld_departed": {
        "en": "{query}: {gone} person(s) counted in the exact table of {period} have left the "
              "linked population since (consent refused, unlinked or erased); the table is "
              "withdrawn until the next period. Ask for a noisy release (--epsilon), which "
              "the privacy budget protects, or wait for the next period",
        "zh-CN": "{query}: {period} 精确表中计入的 {gone} 人此后已离开关联人群 (拒绝同意、"
                 "解除关联或被删除); 该表撤回至下一个周期。请改为申请加噪发布 (--epsilon, "
                 "受隐私预算保护), 或等待下一个周期"},
    "err.release_withheld_period": {
        "en": "{query}: the exact table of {period} is withheld. Ask for a noisy release "
              "(--epsilon), which the privacy budget protects, or wait for the next period",
        "zh-CN": "{query}: {period} 的精确表不予发布。请改为申请加噪发布 (--epsilon, "
                 "受隐私预算保护), 或等待下一个周期"},
}
