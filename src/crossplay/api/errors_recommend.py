"""en and zh-CN texts of the recommendation routes' own errors (``err.<code>``); the live
recommender's errors (``crossplay.recommend.live``) are in crossplay.recommend.error_messages."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
}
