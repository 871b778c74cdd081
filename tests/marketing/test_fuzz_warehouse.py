"""Generated expressions run on the real warehouse: the compiled SQL always executes, and
anything refused is a ConfigError — never a DuckDB error, never a crash (bounded run)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossplay.core.errors import ConfigError
from crossplay.core.settings import Settings
from crossplay.marketing.fields import MODEL_FIELDS, PROFILE_FIELDS
from crossplay.marketing.query import compile_text, evaluate
from crossplay.mining.segment_job import SegmentOptions, fit_segments
from crossplay.privacy.profiles import build_profiles
from crossplay.warehouse.duck import connect
from tests.conftest import LoadedWorld

_NUMBERS = [n for n, f in PROFILE_FIELDS.items() if f.type == "number"] + [
    "game.hours_30d", "knowledge.purchases_90d", "game.stream_gifts_7d",
    "knowledge.active_days_14d", "game.spend_365d", "segment"]
_STRINGS = [n for n, f in PROFILE_FIELDS.items() if f.type == "string"]
_TEXT = st.sampled_from(["编程", "MOBA", "x' OR 1=1 --", "", "策略", "\\", "a\"b"])


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_number = st.one_of(st.integers(-5, 10_000), st.floats(-1e6, 1e6, allow_nan=False)
                    ).map(lambda v: repr(v) if v >= 0 else f"-{abs(v)!r}")
_op = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
_atom = st.one_of(
    st.tuples(st.sampled_from(_NUMBERS), _op, _number).map(" ".join),
    st.tuples(st.sampled_from(_STRINGS), st.sampled_from(["==", "!="]), _TEXT.map(_quote)
              ).map(" ".join),
    st.tuples(st.sampled_from(_STRINGS), st.lists(_TEXT.map(_quote), min_size=1, max_size=3)
              ).map(lambda t: f"{t[0]} not in ({', '.join(t[1])})"),
    st.sampled_from(['has("k:cat:编程")', 'has("g:item:g_0001")', "segment in (0, 1, 2)",
                     "propensity.churn > 0.5", "true", "game.hours_30d > 'x'"]),
)
_expr = st.recursive(_atom, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
    inner.map(lambda e: f"not ({e})")), max_leaves=6)


Warehouse = tuple[Settings, duckdb.DuckDBPyConnection]


@pytest.fixture
def warehouse(fresh_world: LoadedWorld) -> Iterator[Warehouse]:
    s = fresh_world.settings()
    build_profiles(s)
    fit_segments(s, SegmentOptions(k_min=3, k_max=3))
    con = connect(s)
    yield s, con
    con.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=_expr)
def test_generated_expressions_execute_or_are_refused(warehouse: Warehouse, text: str) -> None:
    s, con = warehouse
    assert "propensity.churn" in MODEL_FIELDS  # a field; churn is not fitted here: refused
    try:
        found = evaluate(s, con, compile_text(s, text))
    except ConfigError as exc:
        assert exc.code.startswith("audience_"), exc
    else:
        assert found.members.column_names == ["person_id", "k_user_key", "g_user_key"]
