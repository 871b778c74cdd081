"""en and zh-CN texts of the consent area's own errors (``/v1/consent``, ``/v1/links``,
``/v1/erasure``); the privacy package's errors (``consent_purpose`` ...) are in
:mod:`crossplay.privacy.error_messages`."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.consent_unknown_user": {
        "en": "no {partner} user has this user_key: a key addresses only the caller's own "
              "users (send the user's user_id, or a user_key crossplay holds for {partner})",
        "zh-CN": "{partner} 没有持有此 user_key 的用户: 密钥只能指向调用方自己的用户 "
                 "(请发送该用户的 user_id, 或 crossplay 已为 {partner} 保存的 user_key)"},
    "err.erasure_unknown_request": {
        "en": "no erasure {erasure_id} was requested with a key of {partner}",
        "zh-CN": "{partner} 的密钥没有发起过删除请求 {erasure_id}"},
}
