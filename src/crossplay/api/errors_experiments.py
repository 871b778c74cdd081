"""en and zh-CN texts of the experiment routes' errors and row outcomes (``err.<code>``)."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.api_experiment_unknown": {
        "en": "no experiment {key!r} of {partner}",
        "zh-CN": "{partner} 没有实验 {key!r}"},
    "err.api_experiment_not_running": {
        "en": "experiment {key} is not running: it runs from {start} to before {stop} "
              "(today is {today}, UTC)",
        "zh-CN": "实验 {key} 不在运行中: 运行期为 {start} 起至 {stop} 之前 (今天是 {today}, UTC)"},
    "err.api_exposure_batch": {
        "en": "send 1 to {max} exposures per call",
        "zh-CN": "每次请求请发送 1 到 {max} 条曝光"},
    "err.api_exposure_needs_user_id": {
        "en": "an exposure is logged through ingest, which pseudonymises the native id: "
              "send user_id, not user_key",
        "zh-CN": "曝光通过导入流程记录, 由导入对原生 ID 做假名化: 请发送 user_id, 而不是 user_key"},
    "err.api_exposure_not_in_experiment": {
        "en": "the user is outside experiment {key}'s layer slice: not in this experiment",
        "zh-CN": "该用户不在实验 {key} 的分层切片内: 不参与此实验"},
    "err.api_exposure_variant_mismatch": {
        "en": "the user is in variant {assigned!r} of {key}, not {variant!r}",
        "zh-CN": "该用户在 {key} 中的分组是 {assigned!r}, 不是 {variant!r}"},
    "err.api_exposure_early": {
        "en": "the exposure time {at} is before experiment {key} started ({start})",
        "zh-CN": "曝光时间 {at} 早于实验 {key} 的开始日期 ({start})"},
    "err.api_exposure_future": {
        "en": "the exposure time {at} is in the future",
        "zh-CN": "曝光时间 {at} 在未来"},
}
