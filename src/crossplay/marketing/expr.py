"""The audience language: a tokenizer and a recursive-descent parser to a typed AST.

Why no parser library (and not Python's ``ast``): the grammar is a dozen lines, every
error must carry the column of the mistake in both languages, and user text must never
reach SQL — a hand-written parser this small is easier to audit than a dependency, and
Python's grammar would accept (and then have to refuse) far more than this one::

    expr     := or_expr
    or_expr  := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | compare
    compare  := operand [ OP operand | ["not"] "in" "(" literal ("," literal)* [","] ")" ]
    operand  := literal | field | call | "(" expr ")"
    call     := NAME "(" [literal ("," literal)*] ")"
    field    := NAME ("." NAME)*
    literal  := NUMBER | "-" NUMBER | STRING | "true" | "false"
    OP       := "==" | "!=" | "<" | "<=" | ">" | ">="

Keywords (``and or not in true false``) are case-insensitive; strings take single or
double quotes (``\\"`` and ``\\\\`` escape inside), any Unicode (Chinese included).
Columns are 1-based character positions in the expression. Every error is a
:class:`~crossplay.core.errors.ConfigError` with a stable ``audience_*`` code and the
column in its params (``col``); nothing else escapes (the fuzz tests hold it to that).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal as TLiteral

from crossplay.core.errors import ConfigError

#: longest expression accepted (characters) and deepest nesting of parentheses / not
MAX_LENGTH = 4_000
MAX_DEPTH = 40
MAX_IN = 1_000

CompareOp = TLiteral["==", "!=", "<", "<=", ">", ">="]
Value = bool | int | float | str


# --- tokens ---------------------------------------------------------------------------

TokenKind = TLiteral["num", "str", "name", "op", "lpar", "rpar", "comma", "kw", "end"]


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    col: int  # 1-based
    value: Value | None = None


_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_DIGITS = frozenset("0123456789")
_OPS = ("==", "!=", "<=", ">=", "<", ">")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token."""
    if len(text) > MAX_LENGTH:
        raise ConfigError(
            f"the expression is longer than {MAX_LENGTH} characters",
            code="audience_too_long",
            params={"col": MAX_LENGTH + 1, "expr": text[:80], "max": MAX_LENGTH},
        )
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        col = i + 1
        if ch.isspace():
            i += 1
        elif ch in "\"'":
            i = _string(text, i, out)
        elif ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i)
            assert m is not None
            raw = m.group(0)
            value: int | float = int(raw) if raw.isdigit() else float(raw)
            if (isinstance(value, float) and not math.isfinite(value)) or abs(value) > 1e15:
                raise ConfigError(
                    f"the number {raw} at column {col} is out of range",
                    code="audience_bad_number",
                    params={"col": col, "expr": text, "number": raw},
                )
            out.append(Token("num", raw, col, value))
            i = m.end()
        elif m := _NAME.match(text, i):
            word = m.group(0)
            low = word.lower()
            if low in _KEYWORDS:
                kw_value: Value | None = {"true": True, "false": False}.get(low)
                out.append(Token("kw", low, col, kw_value))
            else:
                out.append(Token("name", word, col))
            i = m.end()
        elif text.startswith(_OPS, i):
            op = next(o for o in _OPS if text.startswith(o, i))
            out.append(Token("op", op, col))
            i += len(op)
        elif ch == "=":
            raise ConfigError(
                f"'=' at column {col}: write '==' to compare",
                code="audience_single_equals",
                params={"col": col, "expr": text},
            )
        elif ch in "(),-":
            kind: TokenKind = {"(": "lpar", ")": "rpar", ",": "comma", "-": "op"}[ch]  # type: ignore[assignment]
            out.append(Token(kind, ch, col))
            i += 1
        else:
            raise ConfigError(
                f"unexpected character {ch!r} at column {col}",
                code="audience_bad_char",
                params={"col": col, "expr": text, "char": ch},
            )
    out.append(Token("end", "", n + 1))
    return out


def _string(text: str, start: int, out: list[Token]) -> int:
    quote = text[start]
    i, parts = start + 1, []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in (quote, "\\"):
            parts.append(text[i + 1])
            i += 2
        elif ch == quote:
            value = "".join(parts)
            out.append(Token("str", text[start : i + 1], start + 1, value))
            return i + 1
        else:
            parts.append(ch)
            i += 1
    raise ConfigError(
        f"the string opened at column {start + 1} is not closed",
        code="audience_unclosed_string",
        params={"col": start + 1, "expr": text},
    )


# --- the AST --------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    value: Value
    col: int


@dataclass(frozen=True)
class Field:
    name: str
    col: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Lit, ...]
    col: int


@dataclass(frozen=True)
class Compare:
    op: CompareOp
    left: Operand
    right: Operand
    col: int  # the operator's


@dataclass(frozen=True)
class InList:
    operand: Operand
    values: tuple[Lit, ...]
    negated: bool
    col: int  # the ``in``'s


@dataclass(frozen=True)
class BoolOp:
    op: TLiteral["and", "or"]
    items: tuple[Node, ...]
    col: int


@dataclass(frozen=True)
class Not:
    operand: Node
    col: int


Operand = Lit | Field | Call | Compare | InList | BoolOp | Not
Node = Operand


def _describe(tok: Token) -> str:
    return "the end" if tok.kind == "end" else repr(tok.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def at(self, kind: str) -> bool:
        return str(self.tokens[self.pos].kind) == kind

    def at_kw(self, word: str) -> bool:
        return self.at("kw") and self.tok.text == word

    def deeper(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConfigError(
                f"the expression nests deeper than {MAX_DEPTH} levels at column {tok.col}",
                code="audience_too_deep",
                params={"col": tok.col, "expr": self.text, "max": MAX_DEPTH},
            )

    def parse(self) -> Node:
        if self.at("end"):
            raise ConfigError(
                "the expression is empty: write a condition, e.g. game.hours_30d > 10",
                code="audience_empty",
                params={"col": self.tok.col, "expr": self.text},
            )
        node = self.or_expr()
        if not self.at("end"):
            tok = self.tok
            if tok.kind == "rpar":
                raise ConfigError(
                    f"')' at column {tok.col} closes no parenthesis",
                    code="audience_unopened_paren",
                    params={"col": tok.col, "expr": self.text},
                )
            raise ConfigError(
                f"unexpected {tok.text!r} at column "
                f"{tok.col}: the condition before it is complete (a missing "
                "'and' / 'or'?)",
                code="audience_trailing",
                params={"col": tok.col, "expr": self.text, "token": tok.text},
            )
        return node

    def or_expr(self) -> Node:
        first = self.tok
        items = [self.and_expr()]
        while self.at_kw("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items), first.col)

    def and_expr(self) -> Node:
        first = self.tok
        items = [self.not_expr()]
        while self.at_kw("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items), first.col)

    def not_expr(self) -> Node:
        if self.at_kw("not"):
            tok = self.take()
            self.deeper(tok)
            inner = self.not_expr()
            self.depth -= 1
            return Not(inner, tok.col)
        return self.compare()

    def compare(self) -> Node:
        left = self.operand()
        tok = self.tok
        if tok.kind == "op" and tok.text != "-":
            self.take()
            right = self.operand()
            return Compare(tok.text, left, right, tok.col)  # type: ignore[arg-type]
        negated = False
        if (
            self.at_kw("not")
            and self.tokens[self.pos + 1].kind == "kw"
            and self.tokens[self.pos + 1].text == "in"
        ):
            self.take()
            negated = True
        if self.at_kw("in"):
            kw = self.take()
            return InList(left, self.literal_list(kw), negated, kw.col)
        if negated:
            raise ConfigError(
                f"expected 'in' after 'not' at column {tok.col}",
                code="audience_expected_in",
                params={"col": tok.col, "expr": self.text},
            )
        return left

    def literal_list(self, kw: Token) -> tuple[Lit, ...]:
        if not self.at("lpar"):
            raise ConfigError(
                f"expected '(' after 'in' at column {kw.col}, found {_describe(self.tok)}",
                code="audience_expected_list",
                params={"col": self.tok.col, "expr": self.text, "found": _describe(self.tok)},
            )
        open_tok = self.take()
        values: list[Lit] = []
        while True:
            if self.at("rpar") and values:
                self.take()
                return tuple(values)
            values.append(self.literal())
            if len(values) > MAX_IN:
                raise ConfigError(
                    f"more than {MAX_IN} values in the list at column {open_tok.col}",
                    code="audience_list_too_long",
                    params={"col": open_tok.col, "expr": self.text, "max": MAX_IN},
                )
            if self.at("comma"):
                self.take()
            elif not self.at("rpar"):
                if self.at("end"):
                    raise ConfigError(
                        f"the parenthesis opened at column {open_tok.col} is not closed",
                        code="audience_unclosed_paren",
                        params={"col": open_tok.col, "expr": self.text},
                    )
                raise ConfigError(
                    f"expected ',' or ')' at column {self.tok.col}, found {_describe(self.tok)}",
                    code="audience_expected_comma",
                    params={"col": self.tok.col, "expr": self.text, "found": _describe(self.tok)},
                )

    def literal(self) -> Lit:
        tok = self.tok
        if tok.kind in ("num", "str") or (tok.kind == "kw" and tok.value is not None):
            self.take()
            assert tok.value is not None
            return Lit(tok.value, tok.col)
        if tok.kind == "op" and tok.text == "-" and self.tokens[self.pos + 1].kind == "num":
            self.take()
            num = self.take()
            assert isinstance(num.value, int | float)
            return Lit(-num.value, tok.col)
        raise ConfigError(
            f"expected a number, a string or "
            f"true/false at column {tok.col}, found {_describe(tok)}",
            code="audience_expected_literal",
            params={"col": tok.col, "expr": self.text, "found": _describe(tok)},
        )

    def operand(self) -> Node:
        tok = self.tok
        if tok.kind == "lpar":
            self.take()
            self.deeper(tok)
            inner = self.or_expr()
            self.depth -= 1
            if not self.at("rpar"):
                if self.at("end"):
                    raise ConfigError(
                        f"the parenthesis opened at column {tok.col} is not closed",
                        code="audience_unclosed_paren",
                        params={"col": tok.col, "expr": self.text},
                    )
                raise ConfigError(
                    f"unexpected {self.tok.text!r} at "
                    f"column {self.tok.col}: the condition before it is "
                    "complete (a missing 'and' / 'or'?)",
                    code="audience_trailing",
                    params={"col": self.tok.col, "expr": self.text, "token": self.tok.text},
                )
            self.take()
            return inner
        if tok.kind == "name":
            self.take()
            if self.at("lpar"):
                open_tok = self.take()
                args: list[Lit] = []
                while not self.at("rpar"):
                    if self.at("end"):
                        raise ConfigError(
                            f"the parenthesis opened at column {open_tok.col} is not closed",
                            code="audience_unclosed_paren",
                            params={"col": open_tok.col, "expr": self.text},
                        )
                    args.append(self.literal())
                    if self.at("comma"):
                        self.take()
                    elif not self.at("rpar"):
                        raise ConfigError(
                            f"expected ',' or ')' at "
                            f"column {self.tok.col}, found "
                            f"{_describe(self.tok)}",
                            code="audience_expected_comma",
                            params={
                                "col": self.tok.col,
                                "expr": self.text,
                                "found": _describe(self.tok),
                            },
                        )
                self.take()
                return Call(tok.text, tuple(args), tok.col)
            return Field(tok.text, tok.col)
        if (
            tok.kind in ("num", "str")
            or (tok.kind == "kw" and tok.value is not None)
            or (tok.kind == "op" and tok.text == "-")
        ):
            return self.literal()
        raise ConfigError(
            f"expected a field, a number or a string at column {tok.col}, found {_describe(tok)}",
            code="audience_expected_operand",
            params={"col": tok.col, "expr": self.text, "found": _describe(tok)},
        )


def parse(text: str) -> Node:
    """The AST of ``text`` (see the module docstring for the grammar)."""
    if not isinstance(text, str):
        raise ConfigError(
            "the expression is empty: write a condition, e.g. game.hours_30d > 10",
            code="audience_empty",
            params={"col": 1, "expr": ""},
        )
    return _Parser(text).parse()
