"""CLI messages in English and Simplified Chinese.

The language comes from ``--lang``, else ``CROSSPLAY_LANG``, else ``LANG`` (zh* -> zh-CN).
Reason codes in quarantine are translated here too; the stored message stays English.

Every text a person reads comes from a catalog: labels and headers from :class:`Messages`
(``MESSAGES`` plus each feature's catalog, added with :func:`add_messages`), errors from the
entry ``err.<code>`` of the error's code, formatted with the error's params. A lookup that
cannot give the text in the invocation's language falls back (to English, or to the key)
and is recorded as a :class:`Miss`: tests read :func:`misses` to find untranslated text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from crossplay.core.errors import CrossplayError
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "error": {"en": "error", "zh-CN": "错误"},
    "ingest.title": {"en": "Ingested {table} from {partner}",
                     "zh-CN": "已导入 {partner} 的 {table}"},
    "ingest.reading": {"en": "Reading {n} file(s)", "zh-CN": "正在读取 {n} 个文件"},
    "col.file": {"en": "file", "zh-CN": "文件"},
    "col.format": {"en": "format", "zh-CN": "格式"},
    "col.rows": {"en": "rows", "zh-CN": "行数"},
    "col.quarantined": {"en": "quarantined", "zh-CN": "隔离"},
    "col.note": {"en": "note", "zh-CN": "备注"},
    "col.reason": {"en": "reason", "zh-CN": "原因"},
    "col.count": {"en": "count", "zh-CN": "数量"},
    "sum.read": {"en": "read", "zh-CN": "读取"},
    "sum.accepted": {"en": "accepted", "zh-CN": "接收"},
    "sum.duplicates": {"en": "duplicates in this run", "zh-CN": "本次重复"},
    "sum.already": {"en": "already in the lake", "zh-CN": "已在数据湖中"},
    "sum.quarantined": {"en": "quarantined", "zh-CN": "已隔离"},
    "sum.seconds": {"en": "seconds", "zh-CN": "耗时(秒)"},
    "sum.rate": {"en": "rows/s", "zh-CN": "行/秒"},
    "sum.hint": {"en": "See rejected rows with `crossplay quarantine show --run {run}`.",
                 "zh-CN": "查看被拒绝的行: `crossplay quarantine show --run {run}`"},
    "q.empty": {"en": "The quarantine is empty.", "zh-CN": "隔离区为空。"},
    "stats.empty": {"en": "The lake is empty: run `crossplay ingest` or `crossplay demo`.",
                    "zh-CN": "数据湖为空: 请运行 `crossplay ingest` 或 `crossplay demo`。"},
    "stats.tables": {"en": "Tables", "zh-CN": "数据表"},
    "stats.partners": {"en": "Partners", "zh-CN": "合作方"},
    "stats.events": {"en": "Events by type", "zh-CN": "按类型统计的事件"},
    "gen.done": {"en": "Generated the two-platform world in {out} ({s:.1f} s)",
                 "zh-CN": "已在 {out} 生成双平台模拟数据 ({s:.1f} 秒)"},
    "gen.progress": {"en": "Generating people", "zh-CN": "正在生成用户"},
    "keys.created": {"en": "Created {path} (keep it secret; back it up)",
                     "zh-CN": "已创建 {path} (请妥善保密并备份)"},
    "demo.step": {"en": "Step {i}/{n}: {what}", "zh-CN": "步骤 {i}/{n}: {what}"},
    "demo.generate": {"en": "generate a synthetic two-platform world",
                      "zh-CN": "生成双平台模拟数据"},
    "demo.keys": {"en": "create partner secrets", "zh-CN": "创建合作方密钥"},
    "demo.ingest": {"en": "ingest both partners' exports", "zh-CN": "导入双方的导出数据"},
    "demo.loaded": {"en": "Loaded into {lake}", "zh-CN": "已载入 {lake}"},
    "demo.next": {
        "en": "Next: `crossplay stats`, `crossplay sql \"SELECT ...\"`, "
              "`crossplay quarantine list`.",
        "zh-CN": "下一步: `crossplay stats`、`crossplay sql \"SELECT ...\"`、"
                 "`crossplay quarantine list`。"},
}

REASONS: dict[str, dict[Lang, str]] = {
    "missing_value": {"en": "missing value", "zh-CN": "缺少必填值"},
    "too_long": {"en": "value too long", "zh-CN": "值过长"},
    "unknown_value": {"en": "unknown value", "zh-CN": "未知取值"},
    "not_a_number": {"en": "not a number", "zh-CN": "不是数字"},
    "negative_value": {"en": "negative value", "zh-CN": "负值"},
    "bad_timestamp": {"en": "invalid timestamp", "zh-CN": "时间戳无效"},
    "ambiguous_timestamp": {"en": "ambiguous date", "zh-CN": "日期有歧义"},
    "nonexistent_local_time": {"en": "local time does not exist", "zh-CN": "本地时间不存在"},
    "ambiguous_local_time": {"en": "local time happens twice", "zh-CN": "本地时间重复"},
    "timestamp_out_of_range": {"en": "timestamp out of range", "zh-CN": "时间超出范围"},
    "not_a_boolean": {"en": "not true/false", "zh-CN": "不是布尔值"},
    "bad_json": {"en": "invalid JSON object", "zh-CN": "JSON 对象无效"},
    "wrong_platform": {"en": "platform of another partner", "zh-CN": "平台不属于该合作方"},
    "event_type_platform_mismatch": {"en": "event type not of this platform",
                                     "zh-CN": "事件类型与平台不符"},
    "wrong_field_count": {"en": "wrong number of fields", "zh-CN": "字段数量错误"},
    "malformed_json": {"en": "malformed JSON line", "zh-CN": "JSON 行格式错误"},
    "bad_encoding": {"en": "invalid bytes for the encoding", "zh-CN": "编码无效"},
    "conflicting_duplicate": {"en": "same id, different content", "zh-CN": "相同 ID 内容冲突"},
    "conflicts_with_lake": {"en": "id already in the lake with other content",
                            "zh-CN": "ID 已在数据湖中且内容不同"},
    "control_character": {"en": "control character (e.g. NUL)", "zh-CN": "含控制字符(如 NUL)"},
    "number_out_of_range": {"en": "number out of range", "zh-CN": "数值超出范围"},
    "offset_out_of_range": {"en": "UTC offset beyond ±14:00", "zh-CN": "UTC 时差超出 ±14:00"},
    "row_too_long": {"en": "row too long", "zh-CN": "行过长"},
    "nested_too_deep": {"en": "JSON nested too deep", "zh-CN": "JSON 嵌套过深"},
    "too_many_fields": {"en": "too many keys in a JSON line", "zh-CN": "JSON 行的键过多"},
    "malformed_csv": {"en": "row not readable as CSV", "zh-CN": "CSV 行无法解析"},
}


def add_messages(catalog: dict[str, dict[Lang, str]]) -> None:
    """Add a feature's messages (each feature keeps its own catalog beside its commands).

    A key may be added once; every message needs both languages.
    """
    for key, texts in catalog.items():
        if key in MESSAGES and MESSAGES[key] != texts:
            raise ValueError(f"message key {key!r} is defined twice")
        if set(texts) != {"en", "zh-CN"}:
            raise ValueError(f"message {key!r} needs both en and zh-CN")
        MESSAGES[key] = texts


#: imports every feature's catalog; the CLI's command index installs it, since a command
#: module (and its catalog) is imported only when one of its commands runs
_CATALOG_LOADERS: list[Callable[[], None]] = []


def on_missing_catalog(loader: Callable[[], None]) -> None:
    """Run ``loader`` (once) the first time a message key or error code is not found."""
    _CATALOG_LOADERS.append(loader)


def load_catalogs() -> None:
    while _CATALOG_LOADERS:
        _CATALOG_LOADERS.pop()()


MissKind = Literal["error", "error_params", "message", "reason", "usage"]


@dataclass(frozen=True)
class Miss:
    """A text that could not be given in the language asked for.

    ``kind``: ``error`` (no ``err.<code>`` entry), ``error_params`` (the entry quotes a
    param the error does not carry), ``message`` (a catalog key, or its language, missing),
    ``reason`` (a quarantine reason code without text), ``usage`` (a command-line usage
    error this CLI cannot translate, see :mod:`crossplay.cli.usage`). ``origin`` is the
    module that raised the error or asked for the text (``crossplay.measure.funnel``).
    """

    kind: MissKind
    key: str
    lang: Lang
    origin: str
    detail: str = ""


_MISSES: list[Miss] = []


def record_miss(kind: MissKind, key: str, lang: Lang, origin: str, detail: str = "") -> None:
    _MISSES.append(Miss(kind, key, lang, origin, detail))


def misses() -> tuple[Miss, ...]:
    """Every miss recorded since the last :func:`clear_misses`."""
    return tuple(_MISSES)


def clear_misses() -> None:
    _MISSES.clear()


def origin_of(exc: BaseException) -> str:
    """The module whose code raised ``exc`` (the innermost frame of its traceback)."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return str(tb.tb_frame.f_globals.get("__name__", ""))


def _caller() -> str:
    return str(sys._getframe(2).f_globals.get("__name__", ""))


def detect_lang(explicit: str | None = None) -> Lang:
    value = explicit or os.environ.get("CROSSPLAY_LANG") or os.environ.get("LANG", "")
    return "zh-CN" if value.lower().startswith("zh") else "en"


#: the language of the running invocation, for errors printed after its command ended
_ACTIVE: dict[str, Lang] = {}


def use_language(lang: Lang) -> None:
    """Remember the language chosen for this invocation (see :func:`error_text`)."""
    _ACTIVE["lang"] = lang


def active_language() -> Lang:
    """The language of the running invocation (before ``--lang`` is parsed: the env's)."""
    return _ACTIVE.get("lang") or detect_lang()


def error_text(exc: CrossplayError) -> str:
    """``exc``'s message in the invocation's language.

    English is the message as raised; another language uses the catalog entry
    ``err.<code>`` formatted with ``exc.params``, falling back to the raised message when
    there is no entry or it quotes a value the error does not carry.
    """
    return coded_text(exc.code, exc.params, exc.message, origin_of(exc))


def coded_text(code: str, params: Mapping[str, object], message: str,
               origin: str = "", lang: Lang | None = None) -> str:
    """An error kept as data (its code, params and English message, e.g. in a saved
    result) in ``lang`` (default: the invocation's language), as :func:`error_text`
    renders a raised one; the HTTP API passes the request's language."""
    lang = lang or _ACTIVE.get("lang") or detect_lang()
    if lang == "en":
        return message
    if f"err.{code}" not in MESSAGES:
        load_catalogs()
    entry = MESSAGES.get(f"err.{code}")
    if entry is None:
        record_miss("error", f"err.{code}", lang, origin)
        return message
    try:
        return entry[lang].format(**params)
    except (KeyError, IndexError, ValueError) as why:
        record_miss("error_params", f"err.{code}", lang, origin, repr(why))
        return message


class Messages:
    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang

    def __call__(self, key: str, **kwargs: object) -> str:
        if key not in MESSAGES:
            load_catalogs()
        texts = MESSAGES.get(key)
        if texts is None or self.lang not in texts:
            record_miss("message", key, self.lang, _caller())
            if texts is None:
                return key
            return texts["en"].format(**kwargs)
        return texts[self.lang].format(**kwargs)

    def reason(self, code: str) -> str:
        entry = REASONS.get(code)
        if entry is None:
            record_miss("reason", code, self.lang, _caller())
            return code
        return entry[self.lang]
