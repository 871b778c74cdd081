"""en and zh-CN texts of the recommendation routes' own errors (``err.<code>``)."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.api_recommend_no_model": {
        "en": "no trained recommender: run `crossplay recommend train` first",
        "zh-CN": "还没有训练好的推荐模型: 请先运行 `crossplay recommend train`"},
    "err.api_recommend_unknown_item": {
        "en": "item {item!r} of {partner} is not in the trained recommender's items",
        "zh-CN": "{partner} 的物品 {item!r} 不在已训练推荐模型的物品中"},
}
