"""Load a YAML document into a pydantic model with errors that name the line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from crossplay.core.errors import CrossplayError

M = TypeVar("M", bound=BaseModel)


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest node along ``loc`` (None when unknown)."""
    line: int | None = None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for k_node, v_node in node.value:
                if isinstance(k_node, yaml.ScalarNode) and k_node.value == str(key):
                    line = k_node.start_mark.line + 1
                    nxt = v_node
                    break
        elif (isinstance(node, yaml.SequenceNode) and isinstance(key, int)
              and 0 <= key < len(node.value)):
            nxt = node.value[key]
        node = nxt
    if node is not None:
        line = node.start_mark.line + 1
    return line


def read_yaml(path: Path, error: type[CrossplayError], *, what: str,
              code: str | None = None) -> tuple[yaml.Node | None, dict[str, Any]]:
    """The YAML mapping in ``path`` and its node tree (for :func:`line_of`); ``error``
    when the file is missing, unreadable, not YAML or not a mapping. With ``code``, the
    errors carry the codes ``<code>_missing``, ``_unreadable``, ``_not_yaml`` and
    ``_not_mapping`` and the params ``path`` and ``detail`` (for translated messages)."""

    def fail(kind: str, message: str, detail: object = "") -> CrossplayError:
        return error(message, code=f"{code}_{kind}" if code else None,
                     params={"path": str(path), "detail": " ".join(str(detail).split())})

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("missing", f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("unreadable", f"cannot read {what} {path}: {exc}", exc) from None
    try:
        node = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise fail("not_yaml", f"{path}: not valid YAML: {exc}", exc) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail("not_mapping", f"{path}: a {what} must be a YAML mapping of keys to values")
    return node, data


def load_yaml_model(
    path: Path, model: type[M], error: type[CrossplayError], *, what: str,
    code: str | None = None
) -> M:
    """Parse ``path`` as YAML and validate it as ``model``.

    Problems raise ``error`` with one line per problem: ``file:line: key.path: message``.
    With ``code``, the errors carry the codes of :func:`read_yaml` and ``<code>_invalid``
    (params ``path`` and ``detail``, the problems on one line).
    """
    node, data = read_yaml(path, error, what=what, code=code)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = line_of(node, loc)
            where = f"{path}:{line}" if line else str(path)
            lines.append(f"{where}: {key}: {err['msg']}")
        raise error(f"invalid {what}:\n  " + "\n  ".join(lines),
                    code=f"{code}_invalid" if code else None,
                    params={"path": str(path), "detail": "; ".join(lines)}) from None
