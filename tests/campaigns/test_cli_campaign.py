"""``crossplay campaign ...`` and the demo step, as a user runs them (en and zh-CN)."""

from __future__ import annotations

from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.messages import PersonFacts, render
from crossplay.cli.commands_campaign import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State

SAMPLE = sample_path()


def test_simulate_apply_status_pause_resume(cli, fresh_world) -> None:
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
    refused = cli(*d, "--lang", "zh-CN", "campaign", "apply", SAMPLE, data=False)
    assert refused.code == 2 and "is paused" in refused.err_flat
    zh = cli(*d, "--lang", "zh-CN", "campaign", "resume", "learn_and_play", data=False)
    assert "已恢复" in zh.out
    again = cli(*d, "--lang", "zh-CN", "campaign", "apply", SAMPLE, data=False)
    assert again.code == 0 and "已发放(跳过)" in again.out
    assert cli(*d, "campaign", "expire", "--json", data=False).json() == {"lots": 0,
                                                                         "points": 0}


def test_status_of_an_unknown_campaign_is_a_clear_error(cli) -> None:
    res = cli("campaign", "status", "nope")
    assert res.code == 2 and "no campaign 'nope'" in res.err_flat


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
