"""The audience language: grammar, errors with their column, and hostile input.

No world needed: parsing and compiling run against stated lookups (segments, rules).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossplay.core.errors import ConfigError
from crossplay.marketing.compile import Lookups, compile_condition
from crossplay.marketing.expr import BoolOp, Compare, Field, InList, Lit, Not, parse

LOOKUPS = Lookups(segments={"策略玩家": 1, "夜猫子": 2, "night owls": 2},
                  rules=[(("k:cat:编程",), ("g:cat:策略",))])


def compiled(text: str) -> tuple[str, list[object]]:
    c = compile_condition(parse(text), text, LOOKUPS)
    return c.sql, c.params


def fails(text: str, lookups: Lookups = LOOKUPS) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        compile_condition(parse(text), text, lookups)
    return info.value


def test_the_issue_example_parses_to_a_typed_tree_and_binds_every_literal() -> None:
    text = ('game.hours_30d > 10 and knowledge.purchases_90d == 0 and '
            'segment in ("策略玩家", "夜猫子")')
    tree = parse(text)
    assert isinstance(tree, BoolOp) and tree.op == "and" and len(tree.items) == 3
    first, _, last = tree.items
    assert first == Compare(">", Field("game.hours_30d", 1), Lit(10, 18), 16)
    assert isinstance(last, InList) and [v.value for v in last.values] == ["策略玩家", "夜猫子"]
    sql, params = compiled(text)
    assert params == [10, 0, 1, 2]  # segment names resolved to their ids, as parameters
    assert "策略玩家" not in sql and "10" not in sql and "?" in sql


@pytest.mark.parametrize("text", [
    "not (game.hours_7d >= 1.5 or knowledge.spend != 0)",
    "knowledge.top_category == '编程' AND NOT game.stream_gifts_30d > 0",
    "game.top_category not in ('MOBA', 'RPG',)",
    "has(\"k:cat:编程\") and rule(1)",
    "propensity.churn < 0.3 or segment == 2 or segment != \"night owls\"",
    "game.days_since_active <= 3 and knowledge.active_days_90d > -1",
])
def test_valid_expressions_compile(text: str) -> None:
    sql, params = compiled(text)
    assert sql.startswith("(") and params


def test_operator_precedence_and_not() -> None:
    tree = parse("not a.b > 1 or c.d == 2 and e.f < 3")
    assert isinstance(tree, BoolOp) and tree.op == "or"
    assert isinstance(tree.items[0], Not) and isinstance(tree.items[1], BoolOp)


@pytest.mark.parametrize(("text", "code", "col"), [
    ("gme.hours_30d > 1", "audience_unknown_field", 1),
    ("game.hours_30d > 'x'", "audience_type_mismatch", 16),
    ("knowledge.top_category < '编程'", "audience_bad_operator", 24),
    ("game.hours_30d > 1 game.hours_7d", "audience_trailing", 20),
    ("(game.hours_30d > 1", "audience_unclosed_paren", 1),
    ("game.hours_30d > 1)", "audience_unopened_paren", 19),
    ("segment == 'zz'", "audience_unknown_segment", 12),
    ("knowledge.top_category == \"编程", "audience_unclosed_string", 27),
    ("game.hours_30d = 1", "audience_single_equals", 16),
    ("game.hours_30d", "audience_not_condition", 1),
    ("game.hours_30d > 1 and", "audience_expected_operand", 23),
    ("game.hours_30d in (1, 'a')", "audience_type_mismatch", 23),
    ("game.hours_400d > 1", "audience_unknown_field", 1),
    ("rule(9)", "audience_rule_number", 1),
    ("drop(1)", "audience_unknown_function", 1),
    ("game.hours_30d > 1; DROP TABLE events", "audience_bad_char", 19),
    ("", "audience_empty", 1),
])
def test_errors_point_at_the_column(text: str, code: str, col: int) -> None:
    err = fails(text)
    assert err.code == code, err.message
    assert err.params["col"] == col
    assert f"column {col}" in err.message or code in ("audience_empty", "audience_too_long")


def test_missing_sources_are_errors_with_what_to_run() -> None:
    assert fails("segment == 1", Lookups()).code == "audience_no_segments"
    assert fails("rule(1)", Lookups()).code == "audience_no_rules"


def test_limits_are_errors_not_crashes() -> None:
    assert fails("(" * 500 + "game.hours_30d > 1" + ")" * 500).code == "audience_too_deep"
    assert fails("not " * 500 + "game.hours_30d > 1").code == "audience_too_deep"
    assert fails("x" * 5000).code == "audience_too_long"
    assert fails("game.hours_30d > 1e400").code == "audience_bad_number"


@pytest.mark.parametrize("evil", [
    "x' OR '1'='1", "'; DROP TABLE events; --", "\") OR 1=1 --", "编程' UNION SELECT * FROM "
    "links --", "\\' OR 1=1"])
def test_injection_in_strings_stays_data(evil: str) -> None:
    quoted = '"' + evil.replace("\\", "\\\\").replace('"', '\\"') + '"'
    sql, params = compiled(f"knowledge.top_category == {quoted}")
    assert params == [evil] and evil not in sql and "DROP" not in sql and "UNION" not in sql


@pytest.mark.parametrize("name", ["events", "b.k_user_key", "game.hours_30d_or_1", "p.x",
                                  "knowledge.hours_30d.__class__", "game.__import__"])
def test_field_names_outside_the_whitelist_are_refused(name: str) -> None:
    assert fails(f"{name} > 1").code == "audience_unknown_field"


_ALPHABET = st.sampled_from([*"()<>=!,.'\"-_ 019eE",
    "and ", "or ", "not ", "in ", "true", "false", "game.hours_30d", "segment", "rule(1)",
    "has(", "'策略玩家'", "knowledge.top_category", "\\", "编程", "\n", "\x00"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_fuzzed_token_soup_only_ever_raises_config_error(text: str) -> None:
    try:
        compiled(text)
    except ConfigError as exc:
        assert exc.code.startswith("audience_") and isinstance(exc.params.get("col"), int)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fuzzed_text_only_ever_raises_config_error(text: str) -> None:
    try:
        sql, params = compiled(text)
    except ConfigError as exc:
        assert exc.code.startswith("audience_")
    else:
        assert all(str(p) not in sql for p in params if isinstance(p, str) and len(p) > 3)
