"""Command-line usage errors (a missing option, a bad value, an unknown command) in Chinese.

Typer parses the command line and raises its own usage errors, whose text is English.
``crossplay --lang en`` prints them as Typer does; another language prints the same three
parts -- usage line, help hint, error -- from this module's catalog. The error is rebuilt
from what the exception carries (its class, parameter, option name) and, for a value the
parameter's type refused, from the structured validation error behind it (its ``type`` and
limits), never by translating English sentences word by word. An error this module cannot
rebuild is printed in English and recorded as an i18n miss (``kind="usage"``), so a test
walking every command finds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from crossplay.cli.i18n import Messages, add_messages, origin_of, record_miss
from crossplay.core.types import Lang

CATALOG: dict[str, dict[Lang, str]] = {
    "usage.line": {"en": "Usage: {usage}", "zh-CN": "用法: {usage}"},
    "usage.try": {"en": "Try '{command} --help' for help.",
                  "zh-CN": "查看帮助: `{command} --help`"},
    "usage.error": {"en": "Error: {message}", "zh-CN": "错误: {message}"},
    "usage.missing.option": {"en": "Missing option {hint}.", "zh-CN": "缺少选项 {hint}。"},
    "usage.missing.argument": {"en": "Missing argument {hint}.", "zh-CN": "缺少参数 {hint}。"},
    "usage.missing.parameter": {"en": "Missing parameter {hint}.",
                                "zh-CN": "缺少参数 {hint}。"},
    "usage.choose": {"en": "{missing} Choose from: {choices}",
                     "zh-CN": "{missing}可选值: {choices}"},
    "usage.invalid": {"en": "Invalid value for {hint}: {detail}",
                      "zh-CN": "{hint} 的取值无效: {detail}"},
    "usage.invalid.bare": {"en": "Invalid value: {detail}", "zh-CN": "取值无效: {detail}"},
    "usage.no_option": {"en": "No such option: {name}", "zh-CN": "没有选项 {name}"},
    "usage.possible": {"en": "(Possible options: {names})", "zh-CN": "(可能是: {names})"},
    "usage.needs_value": {"en": "Option {opt} requires an argument.",
                          "zh-CN": "选项 {opt} 后面需要一个值。"},
    "usage.needs_values": {"en": "Option {opt} requires {n} arguments.",
                           "zh-CN": "选项 {opt} 后面需要 {n} 个值。"},
    "usage.takes_no_value": {"en": "Option {opt} does not take a value.",
                             "zh-CN": "选项 {opt} 不接受取值。"},
    "usage.argument_values": {"en": "Argument {dest} takes {n} values.",
                              "zh-CN": "参数 {dest} 需要 {n} 个值。"},
    "usage.extra": {"en": "Got unexpected extra argument(s) ({args})",
                    "zh-CN": "多余的参数: {args}"},
    "usage.no_command": {"en": "No such command {name}.", "zh-CN": "没有命令 {name}。"},
    "usage.missing_command": {"en": "Missing command.", "zh-CN": "缺少子命令。"},
    # a value the parameter's type refused (pydantic error types)
    "usage.v.greater_than_equal": {"en": "Input should be greater than or equal to {ge}",
                                   "zh-CN": "须大于或等于 {ge}"},
    "usage.v.greater_than": {"en": "Input should be greater than {gt}",
                             "zh-CN": "须大于 {gt}"},
    "usage.v.less_than_equal": {"en": "Input should be less than or equal to {le}",
                                "zh-CN": "须小于或等于 {le}"},
    "usage.v.less_than": {"en": "Input should be less than {lt}", "zh-CN": "须小于 {lt}"},
    "usage.v.int_parsing": {"en": "Input should be a valid integer",
                            "zh-CN": "须为整数, 收到 {value}"},
    "usage.v.int_from_float": {"en": "Input should be a valid integer",
                               "zh-CN": "须为整数, 收到 {value}"},
    "usage.v.float_parsing": {"en": "Input should be a valid number",
                              "zh-CN": "须为数字, 收到 {value}"},
    "usage.v.finite_number": {"en": "Input should be a finite number",
                              "zh-CN": "须为有限的数字, 收到 {value}"},
    "usage.v.bool_parsing": {"en": "Input should be a valid boolean",
                             "zh-CN": "须为 true 或 false, 收到 {value}"},
    "usage.v.choice": {"en": "{value} is not one of {choices}.",
                       "zh-CN": "{value} 不是可选值之一, 可选值: {choices}"},
    "usage.v.date": {"en": "{value} does not match the formats {formats}.",
                     "zh-CN": "{value} 不符合日期格式 {formats}"},
    "usage.v.iterable": {"en": "Value must be an iterable.", "zh-CN": "须为多个值"},
    "usage.v.not_valid": {"en": "Value {value} is not a valid {label}.",
                          "zh-CN": "{value} 不是有效的 {label}"},
    "usage.path.missing": {"en": "{label} {path} does not exist.",
                           "zh-CN": "{label} {path} 不存在。"},
    "usage.path.is_file": {"en": "{label} {path} is a file.",
                           "zh-CN": "{label} {path} 是文件, 需要目录。"},
    "usage.path.is_dir": {"en": "{label} {path} is a directory.",
                          "zh-CN": "{label} {path} 是目录, 需要文件。"},
    "usage.path.unreadable": {"en": "{label} {path} is not readable.",
                              "zh-CN": "{label} {path} 不可读。"},
    "usage.path.unwritable": {"en": "{label} {path} is not writable.",
                              "zh-CN": "{label} {path} 不可写。"},
    "usage.path.label.File": {"en": "File", "zh-CN": "文件"},
    "usage.path.label.Directory": {"en": "Directory", "zh-CN": "目录"},
    "usage.path.label.Path": {"en": "Path", "zh-CN": "路径"},
    "usage.path.open": {"en": "{path}: {reason}", "zh-CN": "无法打开 {path}: {reason}"},
}
add_messages(CATALOG)

#: English texts Typer builds, and the catalog key that says the same (named groups are
#: the key's fields)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("usage.v.choice", re.compile(r"(?:Value error, )?(?P<value>.+) is not one of "
                                  r"(?P<choices>.+)\.", re.S)),
    ("usage.v.date", re.compile(r"(?:Value error, )?(?P<value>.+) does not match the "
                                r"formats (?P<formats>.+)\.", re.S)),
    ("usage.v.iterable", re.compile(r"Value must be an iterable\.")),
    ("usage.v.not_valid", re.compile(r"Value (?P<value>.+) is not a valid (?P<label>\S+)\.")),
    ("usage.path.missing", re.compile(r"(?P<label>File|Directory|Path) (?P<path>'.*') does "
                                      r"not exist\.", re.S)),
    ("usage.path.is_file", re.compile(r"(?P<label>File|Directory|Path) (?P<path>'.*') is a "
                                      r"file\.", re.S)),
    ("usage.path.is_dir", re.compile(r"(?P<label>File|Directory|Path) (?P<path>'.*') is a "
                                     r"directory\.", re.S)),
    ("usage.path.unreadable", re.compile(r"(?P<label>File|Directory|Path) (?P<path>'.*') "
                                         r"is not readable\.", re.S)),
    ("usage.path.unwritable", re.compile(r"(?P<label>File|Directory|Path) (?P<path>'.*') "
                                         r"is not writable\.", re.S)),
    ("usage.path.open", re.compile(r"(?P<path>'.*'): (?P<reason>[^']+)", re.S)),
    ("usage.needs_value", re.compile(r"Option (?P<opt>.+) requires an argument\.")),
    ("usage.needs_values", re.compile(r"Option (?P<opt>.+) requires (?P<n>\d+) arguments\.")),
    ("usage.takes_no_value", re.compile(r"Option (?P<opt>.+) does not take a value\.")),
    ("usage.argument_values", re.compile(r"Argument (?P<dest>.+) takes (?P<n>\d+) values\.")),
    ("usage.extra", re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)",
                               re.S)),
    ("usage.no_command", re.compile(r"No such command (?P<name>.+)\.")),
    ("usage.missing_command", re.compile(r"Missing command\.")),
)

#: pydantic error types whose text this catalog has (``usage.v.<type>``)
_VALUE_TYPES = frozenset(k.removeprefix("usage.v.") for k in CATALOG if k.startswith("usage.v."))


def _kinds(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _hint(exc: Any) -> str | None:
    """The parameter an error is about, as Typer names it (``'--limit'``)."""
    hint: str | Sequence[str] | None = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    if hint is None and param is not None:
        hint = param.get_error_hint()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(repr(x) for x in hint)
    return hint


def _matched(msg: Messages, text: str) -> str | None:
    for key, pattern in _PATTERNS:
        m = pattern.fullmatch(text.strip())
        if m is not None:
            fields = m.groupdict()
            if "label" in fields and key.startswith("usage.path."):
                fields["label"] = msg(f"usage.path.label.{fields['label']}")
            return msg(key, **fields)
    return None


def _value_detail(msg: Messages, exc: BaseException) -> str | None:
    """A refused value from the structured validation error behind ``exc``."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return None
    found = errors()
    if not found:
        return None
    first = found[0]
    kind, ctx = str(first.get("type", "")), dict(first.get("ctx") or {})
    if kind == "value_error":
        return _matched(msg, str(ctx.get("error", first.get("msg", ""))))
    if kind not in _VALUE_TYPES:
        return None
    return msg(f"usage.v.{kind}", value=repr(first.get("input")), **ctx)


def _missing(msg: Messages, exc: Any) -> str:
    param = getattr(exc, "param", None)
    kind = getattr(exc, "param_type", None) or getattr(param, "param_type_name", "parameter")
    if kind not in ("option", "argument"):
        kind = "parameter"
    text = msg(f"usage.missing.{kind}", hint=_hint(exc) or "")
    extra = param.get_missing_message(ctx=exc.ctx) if param is not None else None
    if extra and extra.startswith("Choose from:"):
        choices = [c.strip().rstrip(",") for c in extra.removeprefix("Choose from:").split()]
        text = msg("usage.choose", missing=text, choices=", ".join(c for c in choices if c))
    return text


def _message(msg: Messages, exc: Any) -> str | None:
    """The error part of ``exc`` in ``msg``'s language; None when it cannot be rebuilt."""
    kinds = _kinds(exc)
    if "MissingParameter" in kinds:
        return _missing(msg, exc)
    if "NoSuchOption" in kinds:
        text = msg("usage.no_option", name=exc.option_name)
        if exc.possibilities:
            text += " " + msg("usage.possible", names=", ".join(sorted(exc.possibilities)))
        return text
    if "BadParameter" in kinds:
        detail = _value_detail(msg, exc) or _matched(msg, exc.message)
        if detail is None:
            return None
        hint = _hint(exc)
        return (msg("usage.invalid", hint=hint, detail=detail) if hint
                else msg("usage.invalid.bare", detail=detail))
    return _matched(msg, exc.message)


def usage_lines(exc: Any, msg: Messages) -> list[str]:
    """What Typer prints for the usage error ``exc``, in ``msg``'s language.

    English is Typer's own text. Another language rebuilds the usage line, the help hint
    and the error from the catalog; an error it cannot rebuild stays English and is
    recorded as a miss."""
    ctx = getattr(exc, "ctx", None)
    message = None if msg.lang == "en" else _message(msg, exc)
    if message is None:
        message = exc.format_message()
        if msg.lang != "en":
            record_miss("usage", type(exc).__name__, msg.lang, origin_of(exc), message)
    lines = []
    if ctx is not None:
        usage = ctx.get_usage().removeprefix("Usage:").strip()
        lines.append(msg("usage.line", usage=usage))
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(msg("usage.try", command=ctx.command_path))
        lines.append("")
    lines.append(msg("usage.error", message=message))
    return lines
