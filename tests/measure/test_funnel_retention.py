"""Funnels and retention against an independent pandas computation on the world's lake."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from crossplay.measure.errors import MeasureError
from crossplay.measure.funnel import Step, funnel
from crossplay.measure.retention import retention
from crossplay.privacy.policy import Purpose, linked_persons_sql
from crossplay.warehouse import connect
from tests.conftest import CliRunner


def _events(settings) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    con = connect(settings)
    try:
        return con.sql("SELECT partner, platform, user_key, event_type, item_type, ts "
                       "FROM events").df()
    finally:
        con.close()


def _reference_funnel(ev: pd.DataFrame, steps: list[tuple[str, str]], within: int) -> list[int]:
    """Plain-Python greedy funnel: first step-1 time, then earliest next step in order."""
    per: dict[str, list[pd.DataFrame]] = {}
    for i, (plat, etype) in enumerate(steps):
        part = ev[(ev.platform == plat) & (ev.event_type == etype)]
        for unit, g in part.groupby("unit"):
            per.setdefault(str(unit), [pd.DataFrame()] * len(steps))[i] = g
    counts = [0] * len(steps)
    for frames in per.values():
        if frames[0].empty:
            continue
        t1 = frames[0].ts.min()
        t = t1
        counts[0] += 1
        for i in range(1, len(steps)):
            g = frames[i]
            if g.empty:
                break
            ok = g.ts[(g.ts >= t) & (g.ts <= t1 + pd.Timedelta(days=within))]
            if ok.empty:
                break
            t = ok.min()
            counts[i] += 1
    return counts


def test_single_platform_funnel_matches_reference(loaded_world) -> None:  # type: ignore[no-untyped-def]
    s = loaded_world.settings()
    ev = _events(s)
    ev = ev[ev.partner == "knowledge"].assign(unit=lambda d: d.user_key)
    steps = [("knowledge", "course_view"), ("knowledge", "enroll"),
             ("knowledge", "lesson_watch")]
    f = funnel(s, ["course_view", "enroll", "knowledge:lesson_watch"], within_days=3)
    assert f.unit == "user"
    assert f.rows[0].counts == _reference_funnel(ev, steps, 3)
    assert f.rows[0].counts[0] > f.rows[0].counts[-1] > 0


def test_cross_platform_funnel_counts_consenting_linked_persons(fresh_world) -> None:  # type: ignore[no-untyped-def]
    s = fresh_world.settings()
    con = connect(s)
    try:
        persons = con.sql(linked_persons_sql(Purpose.MARKETING)).df()
    finally:
        con.close()
    ev = _events(s)
    k = ev[ev.partner == "knowledge"].merge(persons, left_on="user_key", right_on="k_user_key")
    g = ev[ev.partner == "game"].merge(persons, left_on="user_key", right_on="g_user_key")
    both = pd.concat([k, g]).assign(unit=lambda d: d.person_id)
    steps = [("stream", "watch"), ("knowledge", "course_view"), ("knowledge", "enroll")]
    f = funnel(s, ["stream:watch", "course_view", "enroll"], within_days=14)
    assert f.unit == "person"
    ref = _reference_funnel(both, steps, 14)
    assert ref[0] >= s.privacy_k  # enough linked, consenting people to be shown
    assert f.rows[0].counts == ref
    from crossplay.privacy.audit import entries  # the joint read is audited

    assert any(e.action == "measure.funnel" for e in entries(s))


def test_steps_are_validated() -> None:
    assert Step.parse("knowledge:purchase/course") == Step("knowledge", "purchase", "course")
    assert Step.parse("watch").platform == "stream"
    with pytest.raises(MeasureError, match="knowledge:purchase"):
        Step.parse("purchase")
    with pytest.raises(MeasureError, match="unknown event type"):
        Step.parse("dance")
    with pytest.raises(MeasureError, match="does not happen on game"):
        Step.parse("game:course_view")


def test_retention_matches_reference(loaded_world) -> None:  # type: ignore[no-untyped-def]
    s = loaded_world.settings()
    r = retention(s, platform="game", grain="week", days=[1, 7])
    ev = _events(s)
    ev = ev[(ev.partner == "game") & (ev.platform == "game")]
    local = ev.ts.dt.tz_convert(s.timezone).dt.date
    act = pd.DataFrame({"u": ev.user_key, "d": local}).drop_duplicates()
    first = act.groupby("u").d.min()
    last = act.d.max()
    seen = set(zip(act.u, act.d, strict=True))
    for row in r.cohorts:
        start = dt.date.fromisoformat(row.cohort)
        members = first[(first >= start) & (first < start + dt.timedelta(days=7))]
        assert row.size == len(members)
        for n, got in zip(r.days, row.retained, strict=True):
            if max(members) + dt.timedelta(days=n) > last:
                assert got is None
                continue
            want = sum(1 for u, d0 in members.items()
                       if (u, d0 + dt.timedelta(days=n)) in seen)
            assert got == want


def test_cli_funnel_and_retention(cli: CliRunner, loaded_world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    d = ["--data-dir", str(loaded_world.data_dir)]
    r = cli(*d, "funnel", "course_view", "enroll", "--within", "7", "--by", "device", "--json",
            data=False)
    assert r.code == 0, r.err
    data = r.json()
    assert all(row["counts"][0] >= 10 for row in data["rows"])
    r = cli(*d, "--lang", "zh-CN", "retention", "--cohort", "week", "--days", "1,7",
            "--platform", "knowledge", "--report", tmp_path / "r.html", data=False)
    assert r.code == 0, r.err
    assert "留存" in r.out and (tmp_path / "r.html").exists()
    r = cli(*d, "retention", "--days", "0", data=False)
    assert r.code == 2 and "days >= 1" in r.err_flat


def test_funnel_by_mining_segment(cli: CliRunner, fresh_world) -> None:  # type: ignore[no-untyped-def]
    """``--by segment`` reads the segments file of ``crossplay segments fit`` (its documented
    layout: user_key, partner, segment)."""
    import pyarrow as pa

    from crossplay.core.derived import write_parquet
    from crossplay.mining.segment_job import segments_dir

    s = fresh_world.settings()
    ev = _events(s)
    users = sorted(ev[ev.partner == "knowledge"].user_key.unique())
    seg = [i % 2 for i in range(len(users))]
    write_parquet(pa.table({"user_key": users, "partner": ["knowledge"] * len(users),
                            "segment": seg}), segments_dir(s, "knowledge") / "assignments.parquet")
    f = funnel(s, ["course_view", "enroll"], within_days=7, by="segment")
    by = {r.segment: r.counts for r in f.rows}
    whole = funnel(s, ["course_view", "enroll"], within_days=7)
    assert set(by) == {"segment 0", "segment 1", "(all shown)"}
    assert [a + b for a, b in zip(by["segment 0"], by["segment 1"], strict=True)] == \
        whole.rows[0].counts
    r = cli("--data-dir", fresh_world.data_dir, "funnel", "course_view", "enroll", "--by",
            "segment", data=False)
    assert r.code == 0 and "segment 1" in r.out
