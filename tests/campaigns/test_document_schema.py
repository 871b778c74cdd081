"""Campaign documents are checked against the canonical schema, through ``crossplay
campaign validate`` as a user meets it: every event type, platform, key, currency and id a
document names must exist, and each mistake is reported at ``file:line: key.path`` with
the valid values, in English and in Chinese. ``apply`` refuses the same documents, so a
misspelt event type can no longer validate and then silently never award."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crossplay.campaigns.document import MESSAGES, load_campaign, sample_path, stored
from crossplay.campaigns.errors import CampaignError
from crossplay.cli.i18n import MESSAGES as CATALOG
from tests.conftest import CliRunner

SAMPLE = sample_path()
KNOWLEDGE_EVENTS = ("course_view, enroll, lesson_watch, lesson_complete, course_complete, "
                    "rating, purchase, refund, checkin, campaign_exposure, campaign_click, "
                    "reward_redeem")

#: (what to replace, with what, the line the problem is then on (a text on that line of
#: the edited document), key path, English, Chinese)
CASES = [
    pytest.param("event_type: course_complete}", "event_type: course_completed}",
                 "course_completed", "rules.0.when.event_type",
                 f"unknown event type 'course_completed': knowledge events are "
                 f"{KNOWLEDGE_EVENTS}",
                 "未知事件类型 'course_completed': knowledge 平台的事件类型为 course_view",
                 id="misspelt-event-type"),
    pytest.param("event_type: course_complete}", "event_type: session}",
                 "event_type: session}", "rules.0.when.event_type",
                 "'session' is a game event, not a knowledge one: knowledge events are "
                 "course_view",
                 "'session' 是 game 平台的事件, 不属于 knowledge", id="event-of-other-platform"),
    pytest.param("{platform: game, event_type: session}", "{platform: stream, "
                 "event_type: session}", "platform: stream", "rules.2.all.1.event_type",
                 "'session' is a game event, not a stream one: stream events are watch, chat, "
                 "gift, follow, subscribe, campaign_exposure",
                 "'session' 是 game 平台的事件, 不属于 stream", id="same-day-other-platform"),
    pytest.param("{platform: game, event_type: session}", "{platform: gaem, "
                 "event_type: session}", "platform: gaem", "rules.2.all.1.platform",
                 "Input should be 'knowledge', 'game' or 'stream' (got 'gaem')",
                 "取值无效, 应为 'knowledge', 'game' 或 'stream' (当前为 'gaem')",
                 id="unknown-platform"),
    pytest.param("event_type: course_complete}", "event_type: course_complete, "
                 "item: C1}", "item: C1", "rules.0.when.item",
                 "unknown key 'item': the keys here are platform, event_type, "
                 "min_total_value, min_count",
                 "未知字段 'item': 此处可用的字段为 platform, event_type, min_total_value, "
                 "min_count", id="unknown-key-in-when"),
    pytest.param("{platform: game, event_type: session}", "{platform: game, "
                 "event_type: session, minutes: 5}", "minutes: 5", "rules.2.all.1.minutes",
                 "unknown key 'minutes': the keys here are platform, event_type",
                 "未知字段 'minutes'", id="unknown-key-in-all"),
    pytest.param("    points: 100\n", "    points: 100\n    bonus: 5\n", "bonus: 5",
                 "rules.0.bonus", "unknown key 'bonus': the keys here are id, kind, when, "
                 "points, per_value, reversed_by", "未知字段 'bonus'", id="unknown-key-in-rule"),
    pytest.param("    reversed_by: refund", "    reversed_by: refunded", "refunded",
                 "rules.1.reversed_by", "unknown event type 'refunded': knowledge events are",
                 "未知事件类型 'refunded'", id="unknown-reversal"),
    pytest.param("    reversed_by: refund", "    reversed_by: purchase", "reversed_by: purch",
                 "rules.1.reversed_by", "reversed_by 'purchase' is the rule's own event type",
                 "reversed_by 'purchase' 与规则本身的事件类型相同", id="reversed-by-itself"),
    pytest.param("    currency: CPP\n    cost: 150", "    currency: GOLD\n    cost: 150",
                 "currency: GOLD", "rewards.0.currency",
                 "unknown currency 'GOLD': declare it under currencies or use one of CPP, "
                 "GCOIN, KCOIN", "未知币种 'GOLD': 请在 currencies 下声明", id="reward-currency"),
    pytest.param("{from: CPP, to: KCOIN", "{from: CCP, to: KCOIN", "from: CCP",
                 "exchange.1.from", "unknown currency 'CCP'", "未知币种 'CCP'",
                 id="exchange-currency"),
    pytest.param("points: CPP\n", "points: POINTS\n", "points: POINTS", "points",
                 "unknown currency 'POINTS'", "未知币种 'POINTS'", id="points-currency"),
    pytest.param("  - id: course_coupon", "  - id: course_complete", "  - id: course_complete\n"
                 "    partner: knowledge", "rewards.1.id",
                 "id 'course_complete' is used twice: rule and reward ids must be unique",
                 "ID 'course_complete' 重复使用", id="duplicate-id"),
    pytest.param("  - id: course_purchase", "  - id: Course-Purchase", "Course-Purchase",
                 "rules.1.id", "'Course-Purchase' is not an id: use lower-case letters",
                 "'Course-Purchase' 不是合法 ID", id="bad-rule-id"),
    pytest.param("  platforms: [knowledge, game]", "  platforms: [knowledge, stream]",
                 "platforms: [knowledge, stream]", "checkins.platforms.1",
                 "Input should be 'knowledge' or 'game' (got 'stream')",
                 "取值无效, 应为 'knowledge' 或 'game'", id="checkin-platform"),
    pytest.param("    kind: same_day", "    kind: sameday", "kind: sameday", "rules.2.kind",
                 "Input tag 'sameday' found using 'kind' does not match any of the expected "
                 "tags: 'event', 'same_day'",
                 "kind 为 sameday, 无效: 应为 'event', 'same_day'", id="unknown-rule-kind"),
    pytest.param("balance {balance},", "balance {coins},", "balance {coins}",
                 "messages.earned.en", "unknown placeholder(s) coins; use balance, campaign, "
                 "name, points, recommended, streak", "未知占位符 coins", id="placeholder"),
    pytest.param("  streak_bonus: {3: 20", "  streak_bonus: {1: 20", "streak_bonus: {1",
                 "checkins.streak_bonus.1", "streak days must be 2 or more (got 1)",
                 "连续天数须为 2 或以上 (当前为 1)", id="streak-day"),
    pytest.param("end: 2026-09-30", "end: 2026-08-31", "end: 2026-08-31", "end",
                 "end 2026-08-31 is before start 2026-09-01",
                 "结束日期 2026-08-31 早于开始日期 2026-09-01", id="end-before-start"),
    pytest.param("budget: 3000", "budget: 3k", "budget: 3k", "budget",
                 "Input should be a valid integer", "应为整数", id="budget-not-a-number"),
    pytest.param("late_events:\n  policy: accept", "late_events:\n  policy: sometimes",
                 "policy: sometimes", "late_events.policy",
                 "Input should be 'accept' or 'reject' (got 'sometimes')",
                 "取值无效, 应为 'accept' 或 'reject'", id="late-policy"),
]


def _edit(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    edited = text.replace(old, new, 1)
    path = tmp_path / "c.yaml"
    path.write_text(edited, encoding="utf-8")
    return path, edited


def _line_of(text: str, marker: str) -> int:
    """1-based line of the first occurrence of ``marker`` in ``text``."""
    assert marker in text, marker
    return text[:text.index(marker)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "marker", "key", "en", "zh"), CASES)
def test_validate_names_file_line_key_and_valid_values(
        cli: CliRunner, tmp_path: Path, old: str, new: str, marker: str, key: str, en: str,
        zh: str) -> None:
    path, edited = _edit(tmp_path, old, new)
    where = f"{path}:{_line_of(edited, marker)}: {key}: "
    res = cli("campaign", "validate", path)
    assert res.code == 2 and "Traceback" not in res.err
    assert "(campaign_invalid)" in res.err_flat and "invalid campaign document" in res.err
    assert re.sub(r"\s+", " ", where + en) in res.err_flat, res.err
    res = cli("--lang", "zh-CN", "campaign", "validate", path)
    assert res.code == 2 and "活动文件无效(1 处问题)" in res.err_flat
    assert re.sub(r"\s+", " ", where + zh) in res.err_flat, res.err
    # apply reads the same document the same way: nothing is awarded from it
    res = cli("campaign", "apply", path)
    assert res.code == 2 and where in res.err_flat


def test_several_problems_are_reported_together(cli: CliRunner, tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "many.yaml"
    path.write_text(text.replace("event_type: course_complete}", "event_type: complete}")
                    .replace("{platform: game, event_type: session}",
                             "{platform: game, event_type: watch}")
                    .replace("  daily_cap: 200", "  daily_cap: 200\n  weekly_cap: 900"),
                    encoding="utf-8")
    res = cli("--lang", "zh-CN", "campaign", "validate", path, "--json")
    assert res.code == 2 and "活动文件无效(3 处问题)" in res.err_flat
    for key in ("limits.weekly_cap", "rules.0.when.event_type", "rules.2.all.1.event_type"):
        assert f": {key}: " in res.err_flat


def test_the_document_error_reads_the_same_from_the_catalog(tmp_path: Path) -> None:
    """The CLI's zh-CN text comes from ``err.campaign_invalid`` and the error's params;
    the English entry is exactly the raised message."""
    path, _ = _edit(tmp_path, "event_type: course_complete}", "event_type: course_done}")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    e = info.value
    assert e.code == "campaign_invalid"
    assert CATALOG["err.campaign_invalid"]["en"].format(**e.params) == e.message
    zh = CATALOG["err.campaign_invalid"]["zh-CN"].format(**e.params)
    assert "未知事件类型 'course_done'" in zh and "unknown" not in zh
    for kind, (en_text, zh_text) in MESSAGES.items():  # every problem has both languages
        assert en_text and re.search(r"[\u4e00-\u9fff]", zh_text), kind


@pytest.mark.parametrize(("content", "code", "zh"), [
    (None, "campaign_document_missing", "不存在"),
    ("rules: [\n", "campaign_document_not_yaml", "不是有效的 YAML"),
    ("- just\n- a list\n", "campaign_document_not_mapping", "必须是键值映射"),
])
def test_unreadable_documents_say_so_in_both_languages(
        cli: CliRunner, tmp_path: Path, content: str | None, code: str, zh: str) -> None:
    path = tmp_path / "doc.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    res = cli("campaign", "validate", path)
    assert res.code == 2 and f"({code})" in res.err_flat and str(path) in res.err_flat
    res = cli("--lang", "zh-CN", "campaign", "validate", path)
    assert res.code == 2 and zh in res.err_flat


def test_a_stored_document_is_read_back_without_the_name_checks() -> None:
    """Documents ``apply`` stored before these checks existed still load for ``status``
    and ``cost`` (they were checked when applied; the rule that names a wrong event type
    simply never matched)."""
    doc = json.loads(load_campaign(SAMPLE).model_dump_json(by_alias=True))
    doc["rules"][0]["when"]["event_type"] = "course_completed"
    c = stored(doc)
    assert c.rules[0].when.event_type == "course_completed"  # type: ignore[union-attr]
