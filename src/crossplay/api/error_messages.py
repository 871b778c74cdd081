"""en and zh-CN texts of the HTTP API's own errors (``err.<code>``), registered by
``crossplay serve``'s command module; the API's problem+json reads the same catalog."""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    "err.api_user_ref": {"en": "give exactly one of user_id (native id) or user_key",
                         "zh-CN": "请只给出 user_id (平台原生 ID) 或 user_key 中的一个"},
    "err.api_user_id": {"en": "user_id must be 1 to {max} characters",
                        "zh-CN": "user_id 的长度必须在 1 到 {max} 个字符之间"},
    # the client (crossplay.client)
    "err.api_refused": {"en": "{what} refused ({answer}): {detail}",
                        "zh-CN": "{what} 拒绝了请求 ({answer}): {detail}"},
    "err.api_unreachable": {"en": "cannot reach {what} at {url}: {detail}",
                            "zh-CN": "无法连接 {what} ({url}): {detail}"},
    "err.api_not_json": {"en": "{what} answered with a body that is not JSON",
                         "zh-CN": "{what} 的应答不是 JSON"},
    "err.serve_listen": {"en": "cannot listen on {host}:{port}: {reason}",
                         "zh-CN": "无法在 {host}:{port} 上监听: {reason}"},
}


def _areas() -> None:
    """Merge each area's catalog: every module ``crossplay.api.errors_<area>`` holds the
    ``ERRORS`` of that area's routes (so areas never edit one shared file)."""
    import importlib
    import pkgutil

    import crossplay.api as package

    for m in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if m.name.startswith("errors_"):
            area: dict[str, dict[Lang, str]] = importlib.import_module(
                f"crossplay.api.{m.name}").ERRORS
            for key, texts in area.items():
                if key in ERRORS and ERRORS[key] != texts:
                    raise ValueError(f"{key} is defined twice")
                ERRORS[key] = texts


_areas()
