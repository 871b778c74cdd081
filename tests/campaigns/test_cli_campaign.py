"""``crossplay campaign ...`` and the demo step, as a user runs them (en and zh-CN)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.campaigns.messages import PersonFacts, render
from crossplay.cli.commands_campaign import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State
from crossplay.core.clock import parse_instant
from crossplay.opdb import get_engine

SAMPLE = sample_path()


def _open_lots(engine: Engine, at: str | None = None) -> tuple[int, int]:
    """(lots, points) still open, only those due at the instant ``at`` when given."""
    q = select(func.count(), func.coalesce(func.sum(t.lots.c.remaining), 0)).where(
        t.lots.c.remaining > 0)
    if at is not None:
        q = q.where(t.lots.c.expires_at <= parse_instant(at).timestamp() * 1_000_000)
    with engine.connect() as con:
        n, points = con.execute(q).one()
    return int(n), int(points)


def test_simulate_apply_status_pause_resume(cli, fresh_world, monkeypatch) -> None:
    # the campaign runs in September 2026 and its points expire after 90 days: say when
    # "now" is (no test may depend on today's date)
    monkeypatch.setenv("CROSSPLAY_NOW", "2026-10-15T00:00:00Z")
    d = ["--data-dir", str(fresh_world.data_dir)]
    sim = cli(*d, "campaign", "simulate", SAMPLE, "--json", data=False)
    assert sim.code == 0
    s = sim.json()
    assert s["points_issued"] > 0 and s["by_day"][-1]["budget_left"] == s["budget_left"]
    applied = cli(*d, "campaign", "apply", SAMPLE, "--json", data=False).json()
    assert applied["points_awarded"] == s["points_issued"]
    status = cli(*d, "campaign", "status", "learn_and_play", "--json", data=False).json()
    assert status["issued"] == s["points_issued"] and status["status"] == "active"
    assert status["cost_yuan"] == s["cost_yuan"]
    assert cli(*d, "campaign", "pause", "learn_and_play", data=False).code == 0
    paused = cli(*d, "--lang", "zh-CN", "campaign", "status", "learn_and_play", data=False)
    assert paused.code == 0 and "活动 learn_and_play 第 1 版: 已暂停" in paused.out
    assert "所需积分" in paused.out and "已预留" in paused.out and "reserved" not in paused.out
    english = cli(*d, "campaign", "status", "learn_and_play", data=False)
    assert "Campaign learn_and_play v1: paused" in english.out and "reserved" in english.out
    refused = cli(*d, "--lang", "zh-CN", "campaign", "apply", SAMPLE, data=False)
    assert refused.code == 2 and "(campaign_paused)" in refused.err_flat
    assert ("活动 learn_and_play 已暂停: 运行 `crossplay campaign resume learn_and_play` 后才会"
            "继续发放积分") in refused.err_flat
    refused = cli(*d, "campaign", "apply", SAMPLE, data=False)
    assert refused.code == 2 and "is paused" in refused.err_flat
    zh = cli(*d, "--lang", "zh-CN", "campaign", "resume", "learn_and_play", data=False)
    assert "已恢复" in zh.out
    again = cli(*d, "--lang", "zh-CN", "campaign", "apply", SAMPLE, data=False)
    assert again.code == 0 and "已发放(跳过)" in again.out
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {"lots": 0,
                                                                         "points": 0}


def test_refusals_are_counted_in_the_readers_language(cli, fresh_world, tmp_path) -> None:
    """A budget too small for the month: simulate says why awards were refused, in words
    in zh-CN (the reason as stored in en and in --json)."""
    text = SAMPLE.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("budget:"))
    small = tmp_path / "small.yaml"
    small.write_text(text.replace(line, "budget: 100", 1), encoding="utf-8")
    d = ["--data-dir", str(fresh_world.data_dir)]
    data = cli(*d, "campaign", "simulate", small, "--json", data=False).json()
    assert data["status"] == "budget_exhausted" and data["refused"]["budget"] == 1
    zh = cli(*d, "--lang", "zh-CN", "campaign", "simulate", small, data=False)
    assert zh.code == 0 and "被拒绝: 预算不足: 1" in zh.out and "预算已用尽" in zh.out
    en = cli(*d, "campaign", "simulate", small, data=False)
    assert "refused: budget: 1" in en.out


def test_expire_moves_exactly_the_lots_due(cli, fresh_world, monkeypatch) -> None:
    """Before the expiry date nothing expires; between the first and the last lot's date
    exactly the lots due; long after, everything left — whatever today's date is."""
    d = ["--data-dir", str(fresh_world.data_dir)]
    monkeypatch.setenv("CROSSPLAY_NOW", "2026-10-15T00:00:00Z")
    assert cli(*d, "campaign", "apply", SAMPLE, "--json", data=False).code == 0
    engine = get_engine(fresh_world.settings())
    ledger = Ledger(engine)
    total_lots, total_points = _open_lots(engine)
    assert total_lots > 0 and total_points > 0
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {"lots": 0,
                                                                         "points": 0}
    # points earned 1-30 September 2026 expire 90 days later: 30 November - 29 December
    mid = "2026-12-15T00:00:00Z"
    due = _open_lots(engine, mid)
    assert 0 < due[0] < total_lots
    monkeypatch.setenv("CROSSPLAY_NOW", mid)
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {
        "lots": due[0], "points": due[1]}
    assert ledger.system_balance("expired", "CPP") == due[1]
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {  # a rerun
        "lots": 0, "points": 0}
    monkeypatch.setenv("CROSSPLAY_NOW", "2031-01-01T00:00:00Z")
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {
        "lots": total_lots - due[0], "points": total_points - due[1]}
    assert _open_lots(engine) == (0, 0)
    assert ledger.system_balance("expired", "CPP") == total_points
    assert violations(engine) == []


def test_status_of_an_unknown_campaign_is_a_clear_error(cli) -> None:
    res = cli("campaign", "status", "nope")
    assert res.code == 2 and "no campaign 'nope'" in res.err_flat
    res = cli("--lang", "zh-CN", "campaign", "status", "nope")
    assert res.code == 2 and "(campaign_unknown)" in res.err_flat
    assert "没有活动 'nope': 请先运行 `crossplay campaign apply`" in res.err_flat


def test_demo_step_runs_the_sample_and_holds_the_invariants(fresh_world) -> None:
    st = State(settings=fresh_world.settings(), msg=Messages("zh-CN"))
    first = demo_step(st, True)
    assert first["ok"] == "yes" and first["issued"] > 0
    assert first["redemptions"] > 0 and first["redeemed"] > 0
    assert first["messages_delivered"] == first["redemptions"]
    assert first["left"] == first["budget"] - first["issued"]
    assert "积分" in first["message"]
    assert demo_step(st, True) == first  # rerunning the demo changes nothing


def test_messages_fill_balance_streak_and_recommendations() -> None:
    c = load_campaign(SAMPLE)
    facts = PersonFacts(name="小明", balance=1234, points=30, streak=5,
                        recommended=["Python 入门", "星际远征"])
    zh = render(c, "earned", "zh-CN", facts)
    assert zh == ("小明：本次获得 30 积分，当前余额 1234，双端连续打卡 5 天。"
                  "猜你喜欢: Python 入门、星际远征")
    en = render(c, "earned", "en", PersonFacts("Ann", 7, 2, 1, []))
    assert en == "Ann: you earned 2 points — balance 7, dual check-in streak 1 days."
    assert render(c, "streak", "en", facts) == "5 days in a row on both platforms! Keep it up."
