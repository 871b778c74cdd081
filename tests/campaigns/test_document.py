"""Campaign documents: the sample is valid; mistakes are reported at file:line: key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossplay.campaigns.document import load_campaign, sample_path
from crossplay.campaigns.errors import CampaignError

SAMPLE = sample_path()


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "c.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_sample_is_valid() -> None:
    c = load_campaign(SAMPLE)
    assert (c.id, c.version, c.timezone, c.points) == ("learn_and_play", 1, "Asia/Shanghai",
                                                       "CPP")
    assert [r.id for r in c.rules] == ["course_complete", "course_purchase",
                                       "learn_and_play_day"]
    assert c.checkins is not None and c.checkins.streak_bonus == {3: 20, 7: 60, 30: 300}
    assert c.rate("CPP", "GCOIN").rate == 10


@pytest.mark.parametrize(("old", "new", "where"), [
    ("timezone: Asia/Shanghai", "timezone: Mars/Olympus", r"c.yaml:11: timezone: .*unknown "
                                                          r"time zone 'Mars/Olympus'"),
    ("    stock: 5", "    stock: -5", r"c.yaml:\d+: rewards.0.stock: .*greater than or equal"),
    ("    kind: same_day", "    kind: sometimes", r"c.yaml:\d+: rules.2.kind: .*tag 'sometimes'"),
    ("budget: 3000", "budget: lots", r"c.yaml:22: budget: .*valid integer"),
    ("  daily_cap: 200", "  daily_cap: 200\n  per_minute: 3",
     r"c.yaml:25: limits.per_minute: unknown key 'per_minute': the keys here are daily_cap, "
     r"per_person_per_hour, per_device_per_day"),
    ("end: 2026-09-30", "end: 2026-08-01", r"c.yaml:10: end: end 2026-08-01 is before start "
                                           r"2026-09-01"),
    ("{from: CPP, to: GCOIN", "{from: CPP, to: GOLD", r"c.yaml:18: exchange.0.to: unknown "
                                                      r"currency 'GOLD'"),
])
def test_mistakes_name_the_line_and_key(tmp_path: Path, old: str, new: str,
                                        where: str) -> None:
    with pytest.raises(CampaignError, match=where):
        load_campaign(_variant(tmp_path, old, new))


def test_templates_need_both_languages_and_known_placeholders(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match=r"unknown placeholder\(s\) coins"):
        load_campaign(_variant(tmp_path, "balance {balance},", "balance {coins},"))
    with pytest.raises(CampaignError, match=r"c.yaml:75: messages\.streak\.fr\.\[key\]: "
                                            r"Input should be 'en' or 'zh-CN'"):
        load_campaign(_variant(tmp_path, '    zh-CN: "已连续', '    fr: "已连续'))


    text = SAMPLE.read_text(encoding="utf-8")
    cut = tmp_path / "one_language.yaml"
    cut.write_text("\n".join(line for line in text.splitlines()
                             if not line.startswith('    zh-CN: "已连续')), encoding="utf-8")
    with pytest.raises(CampaignError, match=r"messages\.streak: .*both en and zh-CN"):
        load_campaign(cut)


def test_cli_validate(cli, tmp_path: Path) -> None:
    ok = cli("campaign", "validate", SAMPLE, "--json")
    assert ok.code == 0 and ok.json()["id"] == "learn_and_play"
    bad = cli("campaign", "validate", _variant(tmp_path, "budget: 3000", "budget: 0"))
    assert bad.code == 2
    assert "c.yaml:22: budget: Input should be greater than 0" in bad.err_flat
    zh = cli("--lang", "zh-CN", "campaign", "validate", SAMPLE)
    assert "校验通过" in zh.out
