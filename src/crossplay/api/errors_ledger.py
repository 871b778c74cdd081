"""en and zh-CN texts of the ledger area's own API errors (idempotency, redemption state);
the domain errors it answers with are in :mod:`crossplay.campaigns.error_messages`."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.idempotency_key_reused": {
        "en": "the Idempotency-Key {key!r} was used for a different request: use a new key "
              "for a new request",
        "zh-CN": "幂等键 (Idempotency-Key) {key!r} 已用于另一个不同的请求: 新请求请使用新的键"},
    "err.idempotency_key_in_flight": {
        "en": "a request with the Idempotency-Key {key!r} is still running: retry with the "
              "same key",
        "zh-CN": "使用幂等键 (Idempotency-Key) {key!r} 的请求仍在处理中: 请用同一个键重试"},
    "err.ledger_redemption_state": {
        "en": "redemption {id} is {status}, not reserved",
        "zh-CN": "兑换 {id} 的状态是 {status}, 不是 reserved (已预留)"},
}
