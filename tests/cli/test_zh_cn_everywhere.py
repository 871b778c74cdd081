"""zh-CN everywhere: every error, message and table header of every command has Chinese.

Two checks, and one allow-list for the packages whose conversion is still to come.

1. **Static** (no command runs). Every module under ``src/crossplay`` is parsed with
   ``ast``; every construction ``X(...)`` of a ``CrossplayError`` subclass (subclasses are
   found from the class definitions) must pass a literal ``code=`` whose catalog entry
   ``err.<code>`` exists in en and zh-CN once every command module is imported; the
   ``{fields}`` both templates use must be keys of the literal ``params={...}`` dict at
   that site; where the raised message is a literal or f-string its shape (text with
   ``{}`` for each value) must equal the English entry's; and one code means one message
   (every site raising a code has the same shape).

2. **Walker**. Every leaf command of the Typer tree runs with ``--lang zh-CN`` on a copy of
   the shared synthetic world (``fresh_world``): cheap valid runs, and at least one
   invalid input each (a missing option, an unknown id, a value out of range). A run fails
   the test when it records an i18n miss (:func:`crossplay.cli.i18n.misses`: an error
   without ``err.<code>``, a zh template quoting a param the error lacks, a catalog key
   without text, a usage error the CLI cannot rebuild), when it crashes, or when it prints
   a line of English prose. Training runs that cost seconds are left out where a failing
   validation path reaches the same catalog.

**English prose**, the heuristic: after removing table borders, text in backticks
(command examples) and tokens that are data -- anything with a digit, ``_``, ``/``,
``.``, ``=``, ``@``, ``-`` or ``:`` inside (ids, numbers, paths, options, ``key=value``),
the vocabulary of the data model written in lower case (partners, platforms, event and
item types, tables, purposes, model and protocol names) and product names and acronyms
(``DuckDB``, ``CUPED``, ``SRM`` ...) -- a line with no CJK character that still holds three
or more English words is prose; a table's header row (drawn with ``┃``) holds only labels,
so one English word in any of its cells is enough. An untranslated header such as ``segment people
buyers spend`` has four, a title such as ``Events by type`` three.

**Data, not labels**: values printed as they are stored (ids, keys, names of experiments,
variants, metrics, columns of the user's own files, file paths, JSON) are data. The
output of ``crossplay sql`` is the user's query result: its column names are the query's
and are not checked (its errors are). ``--json`` output is for scripts and not checked.

**Pending**: packages whose text a second pass converts are listed in :data:`PENDING`.
Their problems (static sites, and walker findings of their commands or of errors they
raise) are reported, not failed; every other package must be clean. A package listed in
``PENDING`` that has become clean fails the test, so the list only shrinks.
"""

from __future__ import annotations

import ast
import re
import string
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from crossplay.cli import i18n
from crossplay.cli.app import app
from crossplay.cli.i18n import MESSAGES
from tests.conftest import CliRunner, LoadedWorld, write

SRC = Path(__file__).resolve().parents[2] / "src" / "crossplay"

#: packages (and the command modules exposing them) whose messages are still English;
#: the second pass empties this tuple
PENDING: tuple[str, ...] = ()

#: CLI modules that expose another package's commands: their text belongs to that package
COMMAND_PACKAGE: dict[str, str] = {
    "cli/commands_privacy.py": "privacy",
    "cli/commands_recommend.py": "recommend",
    "cli/mix_view.py": "recommend",
    "cli/commands_mining.py": "mining",
    "cli/commands_world.py": "synth",
    "cli/demo_steps.py": "synth",
    "cli/commands_campaign.py": "campaigns",
}


def package_of(rel: str) -> str:
    """``measure/funnel.py`` -> ``measure``; a command module -> the package it exposes."""
    return COMMAND_PACKAGE.get(rel, rel.split("/", 1)[0] if "/" in rel else rel)


def module_rel(module: str) -> str:
    """``crossplay.measure.funnel`` -> ``measure/funnel.py`` ('' outside crossplay)."""
    parts = module.split(".")
    if parts[0] != "crossplay" or len(parts) < 2:
        return ""
    return "/".join(parts[1:]) + ".py"


def all_catalogs() -> dict[str, dict[str, str]]:
    """Every catalog, as after every command module was imported."""
    import crossplay.cli.usage  # noqa: F401  (usage errors' catalog)

    i18n.load_catalogs()
    from crossplay.cli.command_index import load_all

    load_all()
    return dict(MESSAGES)  # type: ignore[arg-type]


# --- 1. static: every raise site ------------------------------------------------------------

Shape = tuple[object, ...]  # literal text and None for each formatted value


def _merge(parts: list[object]) -> Shape:
    out: list[object] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        elif p != "":
            out.append(p)
    return tuple(out)


def fstring_shape(node: ast.expr) -> Shape | None:
    """The shape of a literal / f-string message (None when it is built otherwise)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _merge([node.value])
    if isinstance(node, ast.JoinedStr):
        parts: list[object] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            else:
                parts.append(None)
        return _merge(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = fstring_shape(node.left), fstring_shape(node.right)
        if left is None or right is None:
            return None
        return _merge([*left, *right])
    return None


def template_shape(text: str) -> Shape:
    parts: list[object] = []
    for literal, name, _spec, _conv in string.Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            parts.append(None)
    return _merge(parts)


def template_fields(text: str) -> set[str]:
    return {re.split(r"[.\[]", name, maxsplit=1)[0]
            for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Site:
    rel: str
    line: int
    cls: str
    code: str | None
    params: frozenset[str] | None  # None: not a literal dict with literal keys
    shape: Shape | None

    @property
    def package(self) -> str:
        return package_of(self.rel)

    def __str__(self) -> str:
        return f"{self.rel}:{self.line} {self.cls}"


def _parse_modules() -> dict[str, ast.Module]:
    return {p.relative_to(SRC).as_posix(): ast.parse(p.read_text(encoding="utf-8"), str(p))
            for p in sorted(SRC.rglob("*.py"))}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def error_classes(modules: dict[str, ast.Module]) -> set[str]:
    """``CrossplayError`` and every class deriving from it, by name."""
    found = {"CrossplayError"}
    grew = True
    while grew:
        grew = False
        for tree in modules.values():
            for node in ast.walk(tree):
                if (isinstance(node, ast.ClassDef) and node.name not in found
                        and any(_name(b) in found for b in node.bases)):
                    found.add(node.name)
                    grew = True
    return found


def _params(node: ast.expr | None) -> frozenset[str] | None:
    if node is None:
        return frozenset()
    if isinstance(node, ast.Dict) and all(
            isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return frozenset(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return None


def raise_sites() -> list[Site]:
    modules = _parse_modules()
    classes = error_classes(modules)
    sites = []
    for rel, tree in modules.items():
        for node in ast.walk(tree):
            bare = (isinstance(node, ast.Raise) and node.exc is not None
                    and _name(node.exc) in classes and not isinstance(node.exc, ast.Call))
            if bare:  # ``raise NotFoundError``: no message, no code
                assert node.exc is not None
                sites.append(Site(rel, node.lineno, str(_name(node.exc)), None, None, None))
            if not isinstance(node, ast.Call) or _name(node.func) not in classes:
                continue
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            code = kw.get("code")
            message = node.args[0] if node.args else kw.get("message")
            sites.append(Site(
                rel, node.lineno, str(_name(node.func)),
                code.value if isinstance(code, ast.Constant) and isinstance(code.value, str)
                else None,
                _params(kw.get("params")),
                fstring_shape(message) if message is not None else None))
    return sites


def site_problems(site: Site, catalogs: dict[str, dict[str, str]]) -> list[str]:
    if site.code is None:
        return [f"{site}: no literal code= (give each message its own stable code)"]
    entry = catalogs.get(f"err.{site.code}")
    if entry is None or set(entry) != {"en", "zh-CN"}:
        return [f"{site}: no catalog entry err.{site.code} in en and zh-CN"]
    if site.params is None:
        return [f"{site}: params= is not a literal dict with literal keys"]
    problems = []
    for lang in ("en", "zh-CN"):
        extra = template_fields(entry[lang]) - site.params
        if extra:
            problems.append(f"{site}: err.{site.code} ({lang}) quotes {sorted(extra)}, "
                            f"which params= does not carry")
    if site.shape is not None and site.shape != template_shape(entry["en"]):
        problems.append(f"{site}: the English entry err.{site.code} does not say what the "
                        f"raised message says")
    if not re.search(r"[\u4e00-\u9fff]", entry["zh-CN"]):
        problems.append(f"{site}: err.{site.code} (zh-CN) has no Chinese")
    return problems


#: helpers that raise a caller's error class with codes ``<code>_<kind>`` (params ``path``
#: and ``detail``): each call must give a literal ``code=`` whose entries all exist
YAML_HELPERS: dict[str, tuple[str, ...]] = {
    "read_yaml": ("missing", "unreadable", "not_yaml", "not_mapping"),
    "load_yaml_model": ("missing", "unreadable", "not_yaml", "not_mapping", "invalid"),
}


def yaml_problems(catalogs: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for rel, tree in _parse_modules().items():
        if rel == "core/yamldoc.py":  # the helpers themselves pass ``code`` on
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in YAML_HELPERS):
                continue
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            code = kw.get("code")
            where = f"{rel}:{node.lineno} {_name(node.func)}"
            if code is None:
                found[package_of(rel)].append(f"{where}: no code= (its errors have none)")
                continue
            if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
                found[package_of(rel)].append(f"{where}: code= is not a literal")
                continue
            for kind in YAML_HELPERS[str(_name(node.func))]:
                entry = catalogs.get(f"err.{code.value}_{kind}")
                if entry is None or set(entry) != {"en", "zh-CN"}:
                    found[package_of(rel)].append(
                        f"{where}: no catalog entry err.{code.value}_{kind} in en and zh-CN")
                elif template_fields(entry["zh-CN"]) - {"path", "detail"}:
                    found[package_of(rel)].append(
                        f"{where}: err.{code.value}_{kind} quotes more than path and detail")
    return found


def code_problems(sites: list[Site]) -> list[tuple[str, str]]:
    """(package, problem) for codes used with more than one message shape."""
    by_code: dict[str, list[Site]] = defaultdict(list)
    for s in sites:
        if s.code is not None and s.shape is not None:
            by_code[s.code].append(s)
    out = []
    for code, group in by_code.items():
        if len({s.shape for s in group}) > 1:
            where = ", ".join(str(s) for s in group)
            owners = {s.package for s in group}
            package = next((p for p in sorted(owners) if p not in PENDING), sorted(owners)[0])
            out.append((package, f"code {code!r} is raised with different messages: {where}"))
    return out


def static_problems() -> dict[str, list[str]]:
    catalogs = all_catalogs()
    sites = raise_sites()
    found: dict[str, list[str]] = defaultdict(list)
    for s in sites:
        for p in site_problems(s, catalogs):
            found[s.package].append(p)
    for package, p in code_problems(sites):
        found[package].append(p)
    for package, problems in yaml_problems(catalogs).items():
        found[package].extend(problems)
    return found


def test_the_static_check_finds_what_it_looks_for() -> None:
    """The scanner sees subclasses, literal codes, params and message shapes."""
    sites = raise_sites()
    assert len(sites) > 300
    classes = {s.cls for s in sites}
    assert {"MeasureError", "ConfigError", "QueryError", "Unauthenticated"} <= classes
    bad_lang = next(s for s in sites if s.code == "bad_lang")
    assert bad_lang.rel == "cli/app.py" and bad_lang.params == {"lang"}
    assert bad_lang.shape == ("--lang ", None, ": use en or zh-CN")
    assert template_shape("--lang {lang!r}: use en or zh-CN") == bad_lang.shape
    assert template_fields("{a:,} of {b!r} {c.x}") == {"a", "b", "c"}
    fake = Site("measure/x.py", 1, "MeasureError", "no_such_code", frozenset(), None)
    assert "no catalog entry" in site_problems(fake, all_catalogs())[0]


def test_every_error_has_a_code_and_both_languages() -> None:
    found = static_problems()
    mine = {p: v for p, v in found.items() if p not in PENDING}
    report = [f"{p}: {n} site problem(s)" for p, n in
              sorted((p, len(found.get(p, []))) for p in PENDING)]
    print("\n".join(["pending packages (static):", *report]))
    assert not mine, "\n".join(x for v in mine.values() for x in v)
    stale = [p for p in PENDING if not found.get(p)]
    assert not stale, f"remove {stale} from PENDING: their errors are all converted"


# --- what the walker relies on: misses are recorded, usage errors are rebuilt -------------

def test_a_lookup_that_falls_back_is_recorded_as_a_miss() -> None:
    from crossplay.core.errors import CrossplayError

    i18n.use_language("zh-CN")
    i18n.clear_misses()
    try:
        assert i18n.error_text(CrossplayError("raw text", code="zz_no_entry")) == "raw text"
        lacking = CrossplayError("--lang 'fr': use en or zh-CN", code="bad_lang")  # no params
        assert i18n.error_text(lacking) == lacking.message
        assert i18n.Messages("zh-CN")("zz.no.such.key") == "zz.no.such.key"
        assert i18n.Messages("zh-CN").reason("zz_no_reason") == "zz_no_reason"
        found = [(m.kind, m.key) for m in i18n.misses()]
        assert found == [("error", "err.zz_no_entry"), ("error_params", "err.bad_lang"),
                         ("message", "zz.no.such.key"), ("reason", "zz_no_reason")]
        ok = CrossplayError("--lang 'fr': use en or zh-CN", code="bad_lang",
                            params={"lang": "fr"})
        i18n.clear_misses()
        assert i18n.error_text(ok) == "--lang 'fr': 请使用 en 或 zh-CN" and not i18n.misses()
    finally:
        i18n.use_language("en")
        i18n.clear_misses()


@pytest.mark.parametrize(("args", "said"), [
    (("quarantine", "show", "--limit", "0"), "错误: '--limit' 的取值无效: 须大于或等于 1"),
    (("quarantine", "show", "--limit", "abc"), "'--limit' 的取值无效: 须为整数, 收到 'abc'"),
    (("ingest", "x.csv", "--kind", "events"),
     "错误: 缺少选项 '--partner'。可选值: knowledge, game"),
    (("ingest", "x.csv", "--partner", "nobody", "--kind", "events"),
     "'--partner' 的取值无效: 'nobody' 不是可选值之一, 可选值: 'knowledge', 'game'"),
    (("ingest",), "错误: 缺少参数 'paths'。"),
    (("stats", "--jsn"), "错误: 没有选项 --jsn (可能是: --json)"),
    (("runs", "extra"), "错误: 多余的参数: extra"),
    (("nosuch",), "错误: 没有命令 'nosuch'。"),
    (("quarantine", "show", "--run"), "错误: 选项 '--run' 后面需要一个值。"),
])
def test_usage_errors_are_worded_in_chinese(cli: CliRunner, args: tuple[str, ...],
                                            said: str) -> None:
    i18n.clear_misses()
    res = cli("--lang", "zh-CN", *args)
    assert res.code == 2 and said in res.err, res.err
    assert not i18n.misses() and "Error" not in res.err and "Usage" not in res.err
    english = cli("--lang", "en", *args)  # English is Typer's own text, unchanged
    assert english.code == 2 and "Error: " in english.err


# --- 2. the walker ------------------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
BORDERS = re.compile(r"[\u2500-\u259f]")
BACKTICKS = re.compile(r"`[^`]*`")
EDGE = "()[]{}<>,.;:!?\"'“”‘’…*+|"


def _data_words() -> frozenset[str]:
    from crossplay.core.types import KINDS, PARTNERS, PLATFORMS
    from crossplay.schema.tables import (
        DST_TYPES,
        ITEM_TYPES,
        LINK_ACTIONS,
        LINK_METHODS,
        PURPOSES,
        SOCIAL_KINDS,
        all_event_types,
    )

    vocabulary = [*PARTNERS, *PLATFORMS, *KINDS, *ITEM_TYPES, *SOCIAL_KINDS, *DST_TYPES,
                  *PURPOSES, *LINK_METHODS, *LINK_ACTIONS, *all_event_types(),
                  "events", "items", "consents", "links", "quarantine",
                  # models, protocols and formats named on the command line
                  "popularity", "als", "bpr", "emcdr", "content", "provided", "stratified",
                  "chrono", "loo", "cold", "movielens", "uir", "holm", "bh", "none",
                  "linear", "hgb", "lightgbm", "true", "false",
                  # products and acronyms
                  "crossplay", "duckdb", "postgresql", "sqlite", "growthbook", "gbstats",
                  "pandas", "parquet", "csv", "json", "jsonl", "yaml", "html", "cuped", "srm",
                  "pagerank", "leiden", "lightgbm", "movielens", "qini",
                  "kpi", "roi", "auuc", "qini", "ndcg", "map", "hr", "mrr", "psi", "api",
                  "id", "ids", "utc", "iso", "sql", "http", "https", "hmac", "sha", "dp",
                  "ci", "p", "theta", "alpha", "beta", "k", "n", "x", "t", "vs"]
    return frozenset(w.lower() for w in vocabulary)


DATA_WORDS = _data_words()
#: data words written with capitals as such
PRODUCTS = frozenset({"DuckDB", "PostgreSQL", "SQLite", "GrowthBook", "LightGBM", "Parquet",
                      "MovieLens", "Qini", "PageRank", "Leiden"})


def prose_words(line: str) -> list[str]:
    """The English words of ``line`` that are not data (see the module docstring)."""
    if CJK.search(line):
        return []
    text = BACKTICKS.sub(" ", BORDERS.sub(" ", line))
    words = []
    for token in text.split():
        token = token.strip(EDGE)
        if not (token.isascii() and token.isalpha() and len(token) > 1):
            continue
        is_data = token.lower() in DATA_WORDS and (token.islower() or token.isupper()
                                                   or token in PRODUCTS)
        if not is_data:
            words.append(token)
    return words


def is_prose(line: str) -> bool:
    if "┃" in line:  # a header row: every label cell must be translated
        return any(prose_words(cell) for cell in line.split("┃"))
    return len(prose_words(line)) >= 3


def test_the_prose_heuristic() -> None:
    for english in ("segment people buyers spend", "Sample ratio: OK (p = 0.5)",
                    "Events by type", "┃ table ┃ rows ┃", "┃ 名称 ┃ users ┃",
                    "┃ partner ┃ events ┃ users ┃ first ┃ last ┃", "error (x): no such thing",
                    "Usage: crossplay stats [OPTIONS]", "Try 'crossplay x --help' for help."):
        assert is_prose(english), english
    for data in ("│ game │ stream │ chat │ 41,694 │ 379 │", "样本比例: 正常 (p = 0.5)",
                 "/tmp/a b/c.csv 12 rows", "cp_0123456789ab_AbCdEf", "`crossplay stats --json`",
                 "│ als │ 0.1234 │ popularity │", "--from-file x.csv --metric revenue",
                 '{"log_id":"100000394","uid":"094c9","behavior":"view"}'):
        assert not is_prose(data), data


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    ok: bool  # a valid run (exit 0) or an invalid input (exit 2, a clear message)


def V(*args: str) -> Case:
    return Case(args, True)


def X(*args: str) -> Case:
    return Case(args, False)


EXPERIMENT = """\
key: zh_walk
name: 走查实验
partner: knowledge
layer: walk
layer_range: [0.0, 1.0]
variants: [{key: A, weight: 1}, {key: B, weight: 1}]
control: A
start: 2020-01-01
stop: 2020-02-01
metrics:
  - {key: bought, kind: conversion, event_types: [purchase], within_days: 7, role: primary}
"""

#: every leaf command with its runs; ``{tmp}``, ``{world}``, ``{key_id}`` ... are filled in
CASES: dict[str, list[Case]] = {
    # data
    "ingest": [X(), X("{tmp}/nope.csv", "--partner", "game", "--kind", "events"),
               X("{tmp}/ev.csv", "--partner", "nobody", "--kind", "events"),
               X("{tmp}/ev.csv", "--partner", "knowledge", "--kind", "events",
                 "--format", "xml"),
               V("{tmp}/ev.csv", "--partner", "knowledge", "--kind", "events", "--mapping",
                 "{tmp}/m.yaml"),
               X("{tmp}/ev.csv", "--partner", "knowledge", "--kind", "events"),
               X("{tmp}/ev.csv", "--partner", "knowledge", "--kind", "items", "--mapping",
                 "{tmp}/m.yaml"),
               X("{tmp}/ev.csv", "--partner", "knowledge", "--kind", "events", "--mapping",
                 "{tmp}/bad.yaml")],
    "sql": [X(), X("SELEC 1"), X("DROP TABLE events"), X("SELECT 1", "--as", "nobody")],
    "stats": [V(), X("--bogus")],
    "runs": [V(), X("extra")],
    "quarantine list": [V(), X("--jsn")],
    "quarantine show": [V("--limit", "3"), X("--limit", "0"), X("--limit", "many")],
    "keys init": [X(), X("--partner", "nobody"), V("--partner", "knowledge"),
                  X("--partner", "knowledge")],
    "lake recover": [V(), X("--drop-missing", "extra")],
    "lake migrate": [V(), X("extra")],
    "lake compact": [V(), X("extra")],
    # the operational database's schema revisions
    "db current": [V(), X("extra")],
    "db history": [V(), X("--bogus")],
    "db upgrade": [V(), X("--to", "nope")],
    # the recurring jobs (without --once the scheduler runs until stopped: not walked)
    "scheduler run": [V("--once", "points_expiry"), X("--once", "nope")],
    "jobs": [V(), X("extra")],
    # access
    "apikey create": [X(), X("--partner", "game", "--scope", "bogus"),
                      X("--partner", "game", "--scope", "psi", "--name", "a\x07b"),
                      V("--partner", "game", "--scope", "psi", "--name", "walk")],
    "apikey list": [V(), X("--partner", "nobody")],
    "apikey revoke": [X(), X("cp_nope"), V("{key_id}")],
    # the console's operators (stdin is no terminal here: a password must come by stdin)
    "operator create": [X(), X("walk", "--role", "boss"), X("walk", "--partner", "both"),
                        X("bad name"), V("walk", "--role", "marketer"), X("walk")],
    "operator list": [V(), X("extra")],
    "operator password": [X(), X("walk")],
    "operator role": [X("walk"), X("nobody", "--role", "viewer"),
                      V("walk", "--role", "viewer", "--partner", "game")],
    "operator disable": [X(), X("nobody"), V("walk")],
    "operator enable": [X("nobody"), V("walk")],
    # measure
    "experiment analyze": [X(), X("no_such_experiment"), X("--from-file", "{tmp}/ab.csv"),
                           X("--from-file", "{tmp}/ab.csv", "--control", "A", "--metric", "zz"),
                           X("--from-file", "{tmp}/ab.csv", "--control", "A", "--metric", "m",
                             "--correction", "bonferroni"),
                           V("--from-file", "{tmp}/ab.csv", "--control", "A", "--metric", "m",
                             "--covariate", "pre")],
    "experiment plan": [V("--baseline", "0.1", "--mde", "0.05", "--daily", "1000"),
                        X("--baseline", "0.1", "--mde", "0"), X("--baseline", "0.1")],
    "experiment add": [X("{tmp}/nope.yaml"), X("{tmp}/bad.yaml"), V("{tmp}/exp.yaml")],
    "experiment list": [V(), X("extra")],
    "experiment assign": [X("no_such_experiment", "u1"), X("zh_walk"), V("zh_walk", "u1")],
    "experiment log-exposures": [X("zh_walk", "{tmp}/nope.csv"),
                                 X("zh_walk", "{tmp}/exposures_bad.csv")],
    "funnel": [V("course_view", "knowledge:purchase"), X("course_view"),
               X("bogus_event", "purchase"), X("course_view", "purchase", "--by", "colour")],
    "retention": [V("--cohort", "week", "--days", "1,7"), X("--cohort", "year"),
                  X("--days", "0")],
    "kpi": [V(), X("--start", "2026-13-01"), X("--campaign", "no_such_campaign")],
    "uplift evaluate": [X(), X("--model", "z"),
                        X("--from-file", "{tmp}/up.csv", "--treatment", "B"),
                        V("--from-file", "{tmp}/up.csv", "--treatment", "B", "--control", "A",
                          "--outcome", "y", "--features", "f1,f2", "--base", "linear")],
    # bench
    "bench import": [X(), X("{tmp}/nope.tsv", "--format", "uir", "--name", "b"),
                     X("{tmp}/u.tsv", "--format", "csvish", "--name", "b"),
                     V("{tmp}/u.tsv", "--format", "uir", "--name", "walk")],
    "bench list": [V(), X("extra")],
    "bench run": [X("no_such_bench"), X("walk", "--models", "nosuchmodel"),
                  V("walk", "--models", "popularity", "--no-tune")],
    "bench generate": [X("{tmp}/cdr", "--world", "{tmp}/not-a-world")],
    "bench remove": [X("no_such_bench"), V("walk")],
    # privacy
    "consent set": [X(), X("--partner", "game", "--user", "u", "--purpose", "bogus",
                           "--grant"),
                    V("--partner", "game", "--user", "u", "--purpose", "marketing",
                      "--refuse")],
    # an id with no data is answered "no data held" and audited (exit 0); a blank id is
    # refused
    "forget": [X(), V("--partner", "game", "--user", "no-such-user"),
               X("--partner", "game", "--user", " ")],
    "keys rotate": [X(), X("--partner", "nobody")],
    "psi serve": [X(), X("--partner", "game", "--contacts", "{tmp}/nope.csv")],
    # a valid serve runs until stopped: tests/api/test_skeleton.py serves and refuses a
    # taken port in both languages
    "serve": [X("--port", "70000"), X("--workers", "0")],
    "psi request": [X(), X("--partner", "game", "--contacts", "{tmp}/nope.csv",
                           "--out", "{tmp}/o")],
    "psi respond": [X()],
    "psi pairs": [X()],
    "psi join": [X(), X("--partner", "knowledge", "--contacts", "{tmp}/nope.csv",
                        "--url", "http://127.0.0.1:9")],
    "psi link": [X(), X("--state", "{tmp}/nope.json", "--pairs", "{tmp}/nope.bin")],
    "psi finish": [X()],
    "profiles build": [V(), X("--bogus")],
    "release": [X(), X("no_such_release", "--for", "game"),
                V("overlap_by_knowledge_category", "--for", "game")],
    "releases": [V(), X("--for", "nobody")],
    "audit list": [V(), X("--limit", "0")],
    "audit verify": [V(), X("--expect", "nonsense")],
    # mining (pending)
    "rules mine": [V(), X("--min-support", "2")],
    "segments fit": [V(), X("--k", "0")],
    "segments assign": [V(), X("--bogus")],
    "social rank": [V(), X("--platform", "moon")],
    "paths": [V(), X("--bogus")],
    # audiences (after segments and rules exist; the second export is within
    # --exclude-recent, so fewer than k people remain and nothing is exported)
    "audience fields": [V(), X("extra")],
    "audience size": [V("--where", "game.hours_30d > 1 and segment in (0, 1)"),
                      X("--where", "game.hours_30d > 'x'"), X("--where", "gme.hours > 1"),
                      X("--where", "(knowledge.spend > 1")],
    "audience build": [V("全体", "--where", "knowledge.events >= 0", "--exclude-recent", "7"),
                       X("../x", "--where", "knowledge.events >= 0"),
                       X("窄", "--where", "rule(999)")],
    "audience show": [V("全体"), X("全体", "--version", "9"), X("nobody")],
    "audience list": [V(), X("extra")],
    "audience export": [V("全体", "--partner", "knowledge", "--out", "{tmp}/aud.csv"),
                        X("全体", "--partner", "knowledge", "--out", "{tmp}/aud.csv"),
                        X("全体", "--partner", "nobody", "--out", "{tmp}/a.csv"),
                        X("全体", "--partner", "game", "--format", "xlsx", "--out",
                          "{tmp}/a.x")],
    "churn fit": [X("--bogus"), X("--days", "0")],  # fitting takes ~20 s: not walked
    "churn score": [X(), X("--bogus")],  # no model fitted: a clear "fit first"
    "churn drivers": [X(), X("--scope", "moon")],
    # recommend (pending)
    "recommend train": [X("--model", "nosuchmodel"), V("--model", "item_knn")],
    "recommend evaluate": [X("--task", "nosuchtask")],
    # an id the lake does not know gets popular items and is told so (exit 0); a
    # malformed user_key is refused
    "recommend for": [X(), V("--partner", "game", "--user", "no-such-user"),
                      X("--partner", "game", "--key", "not-a-key")],
    "recommend export": [X("--bogus")],
    "recommend mix": [X("--bogus")],
    # campaigns (pending)
    "campaign validate": [X("{tmp}/nope.yaml"), X("{tmp}/bad.yaml"), V("{campaign}")],
    "campaign apply": [X("{tmp}/nope.yaml")],
    "campaign simulate": [X("{tmp}/nope.yaml"), V("{campaign}")],
    "campaign status": [X("no_such_campaign")],
    "campaign pause": [X("no_such_campaign")],
    "campaign resume": [X("no_such_campaign")],
    "campaign expire": [V(), X("--bogus")],
    # world (synth)
    "generate": [X(), X("--out", "{tmp}/w", "--people", "0"),
                 X("--out", "{tmp}/w", "--start", "2026-13-01"), X("--out", "{tmp}/ev.csv"),
                 V("--out", "{tmp}/w", "--people", "50", "--days", "7")],
    "demo": [X("--people", "0"), X("--people", "50", "--start", "1990-01-01")],
}


def leaf_commands() -> Iterator[tuple[str, Any]]:
    """(path, command) of every leaf of the CLI tree, through click's own API."""
    import typer.main

    root = typer.main.get_command(app)
    ctx = root.make_context("crossplay", ["--help"], resilient_parsing=True)

    def walk(group: Any, prefix: str) -> Iterator[tuple[str, Any]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            path = f"{prefix} {name}".strip()
            if hasattr(command, "list_commands"):
                yield from walk(command, path)
            else:
                yield path, command

    yield from walk(root, "")


def command_package(command: Any) -> str:
    return package_of(module_rel(command.callback.__module__))


@dataclass
class Finding:
    package: str
    command: str
    args: tuple[str, ...]
    what: str

    def __str__(self) -> str:
        return f"[{self.package}] crossplay {self.command} {' '.join(self.args)}: {self.what}"


@dataclass
class Walk:
    findings: list[Finding] = field(default_factory=list)
    runs: int = 0
    commands: int = 0


def _fixtures(tmp: Path, world: LoadedWorld) -> dict[str, str]:
    """Input files of the cases, and an API key to revoke."""
    import crossplay.campaigns
    from crossplay.access.apikeys import create_key
    from tests.ingest.helpers import events_csv, mapping

    events_csv(tmp / "ev.csv", "w1,K1,fly,C1,2026-09-01 20:00:00,1,ios",
               "w2,K2,buy,C1,2026-09-01 20:00:00,100,ios")
    mapping(tmp / "m.yaml")
    rows = "".join(f"{'AB'[i % 2]},{(i * 7) % 3},{i % 5}\n" for i in range(200))
    write(tmp / "ab.csv", "variant,m,pre\n" + rows)
    write(tmp / "up.csv", "variant,y,f1,f2\n" + "".join(
        f"{'AB'[i % 2]},{(i * 7 + i // 2) % 2},{i % 11},{(i * 3) % 7}\n" for i in range(400)))
    write(tmp / "u.tsv", "".join(f"u{u}\ti{(u * 5 + j) % 30}\t{1 + j % 5}\t{1000 + j}\n"
                                 for u in range(40) for j in range(8)))
    write(tmp / "exp.yaml", EXPERIMENT)
    write(tmp / "bad.yaml", "key: [unclosed\n")
    write(tmp / "exposures_bad.csv", "user_id,variant,ts\nK1,A,yesterday\n")
    issued = create_key(world.settings(), "knowledge", ["psi"], name="walk", actor="test")
    sample = Path(crossplay.campaigns.__file__).parent / "samples" / "learn_and_play.yaml"
    return {"tmp": str(tmp), "world": str(world.world_dir), "key_id": issued.key.key_id,
            "campaign": str(sample)}


def walk_cli(cli: CliRunner, world: LoadedWorld, tmp: Path) -> Walk:
    values = _fixtures(tmp, world)
    result = Walk()
    leaves = dict(leaf_commands())
    for path, cases in CASES.items():
        command = leaves.get(path)
        if command is None:
            result.findings.append(Finding("cli", path, (), "not reachable from `crossplay`"))
            continue
        package = command_package(command)
        result.commands += 1
        for case in cases:
            args = tuple(a.format(**values) for a in case.args)
            i18n.clear_misses()
            res = cli("--lang", "zh-CN", "--data-dir", world.data_dir, *path.split(), *args,
                      data=False)
            result.runs += 1

            def note(pkg: str, what: str, args: tuple[str, ...] = args,
                     path: str = path) -> None:
                result.findings.append(Finding(pkg, path, args, what))

            if case.ok and res.code != 0:
                note(package, f"exit {res.code}, expected 0: {res.err.strip()[-300:]}")
            if not case.ok and res.code != 2:
                note(package, f"exit {res.code} for invalid input, expected 2")
            for miss in i18n.misses():
                owner = package_of(module_rel(miss.origin)) if miss.origin else package
                if owner in ("", "cli") or not module_rel(miss.origin):
                    owner = package
                note(owner, f"i18n miss {miss.kind} {miss.key} ({miss.origin}) {miss.detail}")
            out_lines = [] if path == "sql" else res.out.splitlines()
            for line in out_lines + res.err.splitlines():
                if is_prose(line):
                    note(package, f"English: {line.strip()[:160]}")
    return result


def test_every_command_is_walked() -> None:
    leaves = {path for path, _ in leaf_commands()}
    assert set(CASES) == leaves, (sorted(leaves - set(CASES)), sorted(set(CASES) - leaves))
    for path, cases in CASES.items():
        assert any(not c.ok for c in cases), f"{path}: give at least one invalid input"


def test_every_command_speaks_chinese(cli: CliRunner, fresh_world: LoadedWorld,
                                      tmp_path: Path) -> None:
    walked = walk_cli(cli, fresh_world, tmp_path / "walk")
    mine = [f for f in walked.findings if f.package not in PENDING]
    pending = Counter(f.package for f in walked.findings if f.package in PENDING)
    print(f"walked {walked.commands} commands in {walked.runs} runs; pending findings: "
          + ", ".join(f"{p} {pending[p]}" for p in PENDING))
    for f in walked.findings:
        if f.package in PENDING:
            print("  pending", f)
    assert not mine, "\n".join(str(f) for f in mine)
