"""Known answers for the pure helpers the generator is built from."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pyarrow as pa
import pytest

from crossplay.synth import domain, names, text
from crossplay.synth.dirty import REASONS, plan_corruption
from crossplay.synth.sampling import (
    Calendar,
    SegmentSampler,
    chunk_rngs,
    cummax_by_group,
    cumsum_in_group,
    rank_in_group,
    rowwise_choice,
)


def test_rowwise_choice_follows_each_rows_probabilities() -> None:
    rng = np.random.default_rng(0)
    probs = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [1.0, 1.0, 2.0]])
    owners = np.repeat(np.arange(3), 20_000)
    got = rowwise_choice(rng, probs, owners).reshape(3, -1)
    assert set(got[0].tolist()) == {1}
    assert set(got[1].tolist()) == {0, 2}
    np.testing.assert_allclose(np.bincount(got[2], minlength=3) / 20_000, [0.25, 0.25, 0.5],
                               atol=0.02)


def test_segment_sampler_stays_in_segment_and_weights_by_popularity() -> None:
    segments = np.array([1, 0, 1, 0, 1])
    weights = np.array([1.0, 3.0, 1.0, 1.0, 2.0])
    sampler = SegmentSampler.build(segments, weights, 2)
    rng = np.random.default_rng(1)
    got = sampler.sample(rng, np.full(40_000, 1))
    assert set(got.tolist()) == {0, 2, 4}
    np.testing.assert_allclose(np.bincount(got, minlength=5)[[0, 2, 4]] / 40_000,
                               [0.25, 0.25, 0.5], atol=0.02)
    got0 = sampler.sample(rng, np.zeros(10_000, dtype=np.int64))
    assert 0.72 < float(np.mean(got0 == 1)) < 0.78
    with pytest.raises(ValueError, match="no items"):
        SegmentSampler.build(np.array([0, 0]), np.ones(2), 2)


def test_group_helpers() -> None:
    counts = np.array([2, 0, 3])
    assert rank_in_group(counts).tolist() == [0, 1, 0, 1, 2]
    assert cumsum_in_group(np.array([1, 2, 3, 4, 5]), counts).tolist() == [1, 3, 3, 7, 12]
    assert cummax_by_group(np.array([5, 1, 2, 9, 3]), counts).tolist() == [5, 5, 2, 9, 9]


def test_calendar_weights_weekends_and_golden_week() -> None:
    cal = Calendar.build(dt.date(2026, 9, 28), 14, domain.WEEKDAY_WEIGHTS,
                         domain.GOLDEN_WEEK_FACTOR)
    rng = np.random.default_rng(2)
    n = 200_000
    days = cal.sample_days(rng, "play", np.zeros(n, np.int64), np.full(n, 14, np.int64))
    share = np.bincount(days, minlength=14) / n
    # day 0 is Monday 28 September; 1-7 October is the golden week
    assert share[8] > 1.3 * share[1]  # Tue 6 Oct (golden week) > Tue 29 Sep
    assert share[5] > 1.3 * share[12]  # Sat 3 Oct (golden week) > Sat 10 Oct
    assert share[12] > 1.3 * share[10]  # Sat 10 Oct > Thu 8 Oct
    window = cal.sample_days(rng, "learn", np.full(n, 3, np.int64), np.full(n, 5, np.int64))
    assert set(window.tolist()) == {3, 4}


def test_chunk_streams_are_independent_and_reproducible() -> None:
    a, b = chunk_rngs(5, 0), chunk_rngs(5, 0)
    assert a["people"].integers(0, 1 << 30, 4).tolist() == b["people"].integers(
        0, 1 << 30, 4).tolist()
    c = chunk_rngs(5, 1)
    assert a["game"].random() != c["game"].random()


def test_native_ids_are_unique_and_well_formed() -> None:
    person = np.arange(300_000, dtype=np.int64)
    k = text.knowledge_uids(person, 9).to_pylist()
    g = text.game_uids(person, 9).to_pylist()
    assert len(set(k)) == len(k) and len(set(g)) == len(g)
    assert all(len(u) == 9 and u[0] == "K" and u[1:].isdigit() for u in k[:1000])
    assert all(len(u) == 14 and u[:2] == "g_" for u in g[:1000])
    int(g[0][2:], 16)


def test_local_time_text() -> None:
    base = (dt.date(2026, 9, 1) - dt.date(1970, 1, 1)).days * 86_400
    ts = np.array([base, base + 21 * 3600 + 5, base - 86_400 * 400 + 59], dtype=np.int64)
    assert text.local_time_text(ts).to_pylist() == [
        "2026-09-01 00:00:00", "2026-09-01 21:00:05", "2025-07-28 00:00:59"]
    assert text.local_time_text(ts[:1], "iso8").to_pylist() == ["2026-09-01T00:00:00+08:00"]


def test_json_lines_quote_strings_and_write_nulls() -> None:
    lines = text.json_lines([
        ("a", pa.array(["x", "y"]), "str"),
        ("b", pa.array([None, "z"]), "str"),
        ("c", pa.array([1, None]), "raw"),
        ("d", pa.array([True, False]), "raw"),
    ])
    out = io.BytesIO()
    text.write_text_rows(out, lines.slice(0, 2))
    rows = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert rows == [{"a": "x", "b": None, "c": 1, "d": True},
                    {"a": "y", "b": "z", "c": None, "d": False}]


def test_vocabularies_need_no_escaping() -> None:
    for vocab in (domain.CHAT_PHRASES, [g[0] for g in domain.GIFTS], domain.GAME_CLIENTS,
                  domain.KNOWLEDGE_DEVICES, names.STREAMER_STYLE_TAGS):
        text.escape_check(vocab)
    with pytest.raises(ValueError, match="escaping"):
        text.escape_check(['say "hi"'])


def test_corruption_plan_keeps_broken_rows_and_duplicates_apart() -> None:
    rng = np.random.default_rng(3)
    has_value = np.arange(10_000) % 2 == 0
    plan = plan_corruption(rng, 10_000, has_value, 0.05, 0.05)
    assert not set(plan.dirty_rows.tolist()) & set(plan.dup_rows.tolist())
    negative = plan.dirty_rows[plan.reasons == REASONS.index("negative_value")]
    assert has_value[negative].all()
    assert sum(plan.counts().values()) == plan.n_dirty
    order = plan.output_order()
    assert order.size == 10_000 + plan.n_duplicates
    assert (np.diff(order) >= 0).all()
