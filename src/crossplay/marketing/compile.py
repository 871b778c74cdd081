"""Type-check an audience AST and compile it to a parameterised SQL condition.

Every literal becomes a ``?`` parameter; every field becomes the fixed SQL of its
:class:`~crossplay.marketing.fields.FieldDef` (or of a windowed column whose name is
built from whitelisted parts only); ``has`` and ``rule`` become ``EXISTS`` over the
token relation with the token as a parameter. Segment names and rule numbers are
resolved here against what is stored (:class:`Lookups`), so a wrong one is an error
with its column, not an empty audience.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from crossplay.core.errors import ConfigError
from crossplay.marketing.expr import (
    BoolOp,
    Call,
    Compare,
    Field,
    InList,
    Lit,
    Node,
    Not,
    Value,
)
from crossplay.marketing.fields import (
    MODEL_FIELDS,
    PROFILE_FIELDS,
    TYPE_NAMES,
    FieldType,
    Windowed,
    known_names,
    windowed,
)

_TOKEN = re.compile(r"^[kgs]:(cat|item):.{1,200}$", re.S)


@dataclass(frozen=True)
class Lookups:
    """What names resolve against: segment names -> ids, rules -> (if tokens, then tokens)."""

    segments: dict[str, int] | None = None  # None: no segments stored
    rules: list[tuple[tuple[str, ...], tuple[str, ...]]] | None = None


@dataclass
class Compiled:
    """A condition over the base relation ``b`` and its parameters, in order."""

    sql: str
    params: list[Value]
    windowed: dict[str, Windowed] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)  # profile, window, segment, churn, tokens


def _type_word(t: FieldType) -> str:
    return TYPE_NAMES[t]["en"]


class _Compiler:
    def __init__(self, text: str, lookups: Lookups) -> None:
        self.text = text
        self.lookups = lookups
        self.params: list[Value] = []
        self.out = Compiled("", self.params)

    def param(self, value: Value) -> str:
        self.params.append(value)
        return "?"

    # -- operands ---------------------------------------------------------------------
    def field_of(self, node: Field) -> tuple[str, FieldType]:
        f = PROFILE_FIELDS.get(node.name) or MODEL_FIELDS.get(node.name)
        if f is not None:
            if f.source == "segment" and self.lookups.segments is None:
                raise ConfigError(
                    f"'segment' at column {node.col}: "
                    "no joint segments are stored; run `crossplay segments fit` "
                    "first",
                    code="audience_no_segments",
                    params={"col": node.col, "expr": self.text},
                )
            self.out.sources.add(f.source)
            return f.sql, f.type
        w = windowed(node.name)
        if w is not None:
            self.out.windowed[w.column] = w
            self.out.sources.add("window")
            return f"b.{w.column}", "number"
        close = difflib.get_close_matches(node.name, known_names(), n=3, cutoff=0.5)
        hint = ", ".join(close) if close else "game.hours_30d, knowledge.purchases_90d, segment"
        raise ConfigError(
            f"unknown field {node.name!r} at column "
            f"{node.col}; did you mean: {hint}? (`crossplay audience fields` "
            "lists them)",
            code="audience_unknown_field",
            params={"col": node.col, "expr": self.text, "field": node.name, "hint": hint},
        )

    def operand(self, node: Node) -> tuple[str, FieldType, Node]:
        if isinstance(node, Lit):
            return self.param(node.value), _lit_type(node.value), node
        if isinstance(node, Field):
            sql, typ = self.field_of(node)
            return sql, typ, node
        return self.predicate(node), "bool", node

    # -- conditions -------------------------------------------------------------------
    def predicate(self, node: Node) -> str:
        if isinstance(node, BoolOp):
            joiner = f" {node.op.upper()} "
            return "(" + joiner.join(self.condition(n) for n in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT coalesce({self.condition(node.operand)}, false))"
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(node)

    def condition(self, node: Node) -> str:
        """SQL of ``node`` as a true/false condition (a bare field must be a predicate)."""
        if isinstance(node, Lit | Field):
            sql, typ, _ = self.operand(node)
            if typ != "bool":
                what = node.name if isinstance(node, Field) else repr(node.value)
                raise ConfigError(
                    f"{what} at column {node.col} is a "
                    f"{_type_word(typ)}, not a condition: compare it (e.g. "
                    f"{what} > 0)",
                    code="audience_not_condition",
                    params={
                        "col": node.col,
                        "expr": self.text,
                        "what": what,
                        "type": _type_word(typ),
                        "type_zh": TYPE_NAMES[typ]["zh-CN"],
                    },
                )
            return sql
        return self.predicate(node)

    def compare(self, node: Compare) -> str:
        if (isinstance(node.left, Field) and self._segment(node.left)) or (
            isinstance(node.right, Field) and self._segment(node.right)
        ):
            return self.segment_compare(node)
        lsql, ltype, lnode = self.operand(node.left)
        rsql, rtype, rnode = self.operand(node.right)
        if ltype != rtype:
            raise self._mismatch(node.col, lnode, ltype, rnode, rtype)
        if ltype in ("string", "bool") and node.op not in ("==", "!="):
            raise ConfigError(
                f"operator {node.op} at column {node.col} "
                f"does not apply to {_type_word(ltype)} values: use == or !=",
                code="audience_bad_operator",
                params={
                    "col": node.col,
                    "expr": self.text,
                    "op": node.op,
                    "type": _type_word(ltype),
                    "type_zh": TYPE_NAMES[ltype]["zh-CN"],
                },
            )
        op = "=" if node.op == "==" else "<>" if node.op == "!=" else node.op
        return f"({lsql} {op} {rsql})"

    def _segment(self, node: Field) -> bool:
        return node.name == "segment"

    def segment_ids(self, lit: Node, col: int) -> int:
        if not isinstance(lit, Lit):
            raise ConfigError(
                f"compare segment at column {col} "
                'with a number or a name, e.g. segment == "策略玩家"',
                code="audience_segment_literal",
                params={"col": col, "expr": self.text},
            )
        v = lit.value
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise self._mismatch(col, Field("segment", col), "segment", lit, _lit_type(v))
        if isinstance(v, int | float):
            return int(v)
        names = self.lookups.segments or {}
        if v in names:
            return names[v]
        listed = ", ".join(sorted(names)) or "-"
        raise ConfigError(
            f"no segment named {v!r} at column {lit.col}; the segments are: {listed}",
            code="audience_unknown_segment",
            params={"col": lit.col, "expr": self.text, "name": v, "names": listed},
        )

    def segment_compare(self, node: Compare) -> str:
        seg, other = (
            (node.left, node.right)
            if isinstance(node.left, Field) and node.left.name == "segment"
            else (node.right, node.left)
        )
        assert isinstance(seg, Field)
        sql, _ = self.field_of(seg)
        seg_word = "segment"
        if node.op not in ("==", "!="):
            raise ConfigError(
                f"operator {node.op} at column "
                f"{node.col} does not apply to {seg_word} values: use == or !=",
                code="audience_bad_operator",
                params={
                    "col": node.col,
                    "expr": self.text,
                    "op": node.op,
                    "type": seg_word,
                    "type_zh": "人群分群",
                },
            )
        ident = self.segment_ids(other, node.col)
        return f"({sql} {'=' if node.op == '==' else '<>'} {self.param(ident)})"

    def in_list(self, node: InList) -> str:
        neg = "NOT " if node.negated else ""
        if isinstance(node.operand, Field) and self._segment(node.operand):
            sql, _ = self.field_of(node.operand)
            ids = [self.segment_ids(v, node.col) for v in node.values]
            return f"({sql} {neg}IN ({', '.join(self.param(i) for i in ids)}))"
        sql, typ, onode = self.operand(node.operand)
        marks = []
        for v in node.values:
            vtype = _lit_type(v.value)
            if vtype != typ:
                raise self._mismatch(v.col, onode, typ, v, vtype)
            marks.append(self.param(v.value))
        return f"({sql} {neg}IN ({', '.join(marks)}))"

    def call(self, node: Call) -> str:
        name = node.name.lower()
        if name == "has":
            if (
                len(node.args) != 1
                or not isinstance(node.args[0].value, str)
                or not _TOKEN.match(node.args[0].value)
            ):
                raise ConfigError(
                    f"has(...) at column {node.col} takes "
                    'one token such as "k:cat:编程", "g:cat:MOBA" or '
                    '"s:item:S12"',
                    code="audience_bad_token",
                    params={"col": node.col, "expr": self.text},
                )
            self.out.sources.add("tokens")
            return self._holds(node.args[0].value)
        if name == "rule":
            arg = node.args[0].value if len(node.args) == 1 else None
            if isinstance(arg, bool) or not isinstance(arg, int):
                raise ConfigError(
                    f"rule(...) at column {node.col} takes one rule number, e.g. rule(3)",
                    code="audience_bad_rule",
                    params={"col": node.col, "expr": self.text},
                )
            rules = self.lookups.rules
            if rules is None:
                raise ConfigError(
                    f"rule({arg}) at column {node.col}: no "
                    "joint category rules are stored; run `crossplay rules mine "
                    "--scope joint --level category` first",
                    code="audience_no_rules",
                    params={"col": node.col, "expr": self.text, "n": arg},
                )
            if not 1 <= arg <= len(rules):
                raise ConfigError(
                    f"rule({arg}) at column {node.col}: "
                    f"the stored rules are numbered 1..{len(rules)}",
                    code="audience_rule_number",
                    params={"col": node.col, "expr": self.text, "n": arg, "count": len(rules)},
                )
            self.out.sources.add("tokens")
            ants, cons = rules[arg - 1]
            holds_if = " AND ".join(self._holds(t) for t in ants)
            holds_then = " AND ".join(self._holds(t) for t in cons)
            return f"({holds_if} AND NOT ({holds_then}))"
        raise ConfigError(
            f"unknown function {node.name!r} at "
            f'column {node.col}: use has("k:cat:编程") or rule(N)',
            code="audience_unknown_function",
            params={"col": node.col, "expr": self.text, "function": node.name},
        )

    def _holds(self, token: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM aud_tokens t WHERE t.unit = b.person_id "
            f"AND t.token = {self.param(token)})"
        )

    def _mismatch(
        self, col: int, left: Node, ltype: FieldType, right: Node, rtype: FieldType
    ) -> ConfigError:
        def show(n: Node) -> str:
            return (
                n.name
                if isinstance(n, Field)
                else (repr(n.value) if isinstance(n, Lit) else "(condition)")
            )

        return ConfigError(
            f"type mismatch at column {col}: "
            f"{show(left)} is a {_type_word(ltype)}, {show(right)} is a "
            f"{_type_word(rtype)}",
            code="audience_type_mismatch",
            params={
                "col": col,
                "expr": self.text,
                "left": show(left),
                "right": show(right),
                "ltype": _type_word(ltype),
                "rtype": _type_word(rtype),
                "ltype_zh": TYPE_NAMES[ltype]["zh-CN"],
                "rtype_zh": TYPE_NAMES[rtype]["zh-CN"],
            },
        )


def _lit_type(v: Value) -> FieldType:
    if isinstance(v, bool):
        return "bool"
    return "string" if isinstance(v, str) else "number"


def compile_condition(tree: Node, text: str, lookups: Lookups) -> Compiled:
    """The SQL condition of ``tree`` (parsed from ``text``) and its parameters."""
    c = _Compiler(text, lookups)
    c.out.sql = c.condition(tree)
    return c.out
