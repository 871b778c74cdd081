"""en and zh-CN texts of the events area's own errors (``POST /v1/events``); a batch's
bad rows are not errors but per-row outcomes with the ingest reason codes
(docs/ingestion.md)."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.events_too_many": {
        "en": "the batch has {n} events; at most {max} are accepted in one request: send "
              "them in several batches",
        "zh-CN": "该批次有 {n} 个事件, 单次请求最多接受 {max} 个: 请分批发送"},
    "err.events_user_both": {
        "en": "event {index}: give user_id or user_key, not both",
        "zh-CN": "第 {index} 个事件: 请只给出 user_id 或 user_key 中的一个"},
    "err.events_user_key": {
        "en": "event {index}: user_key must be 32 hexadecimal characters (0-9, a-f), the key "
              "crossplay stores; send a native id as user_id",
        "zh-CN": "第 {index} 个事件: user_key 必须是 32 个十六进制字符 (0-9, a-f), 即 "
                 "crossplay 保存的密钥; 平台原生 ID 请用 user_id 发送"},
}
