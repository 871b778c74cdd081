"""``crossplay recommend for --explain`` on the shared world, as a user reads it.

For every explanation printed to a sample of users — own-domain courses, games and
streams, and courses for linked players (cross-domain) — in English and in Chinese: each
cited tag belongs to the cited item *and* to the recommended item (checked against the
lake's catalog, ``items_current``), no tag is named twice, and English text shows no
Chinese tag unless the cited item has no English title. Ids the lake knows nothing of are
said to be unknown, and a malformed ``--key`` / ``--user-key`` is refused with what a
user key looks like.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from crossplay.recommend.explain import display_title
from crossplay.recommend.text import has_cjk, tag_label
from crossplay.warehouse.duck import connect
from tests.conftest import CliRunner, LoadedWorld

Labels = dict[tuple[str, str], tuple[str, set[str]]]


def _rows(world: LoadedWorld, sql: str) -> list[tuple[Any, ...]]:
    con = connect(world.settings())
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def _labels(world: LoadedWorld) -> Labels:
    """(platform, item id) -> (title, category and tags as stored) from the lake."""
    out: Labels = {}
    for platform, item, title, category, tags in _rows(world, (
            "SELECT platform, item_id, title, category, tags FROM items_current")):
        out[(platform, item)] = (title, {str(t).strip() for t in [category, *(tags or [])]
                                         if t is not None and str(t).strip()})
    return out


@pytest.fixture
def trained(fresh_world: LoadedWorld, cli: CliRunner) -> tuple[LoadedWorld, CliRunner]:
    def run(*args: str | Path) -> Any:
        return cli("--data-dir", fresh_world.data_dir, *args, data=False)

    res = run("recommend", "train", "--json")
    assert res.code == 0, res.err
    return fresh_world, run  # type: ignore[return-value]


def _sample(world: LoadedWorld) -> list[tuple[str, str, str]]:
    """(partner, key, domain): active users of each domain, and linked players for courses."""
    own = [("knowledge", "knowledge", 15), ("game", "game", 8), ("game", "stream", 6)]
    out: list[tuple[str, str, str]] = []
    for partner, platform, n in own:
        out += [(partner, str(k), platform) for (k,) in _rows(world, (
            f"SELECT user_key FROM events WHERE platform = '{platform}' AND item_id IS NOT "
            f"NULL GROUP BY 1 HAVING count(DISTINCT item_id) >= 3 ORDER BY 1 LIMIT {n}"))]
    out += [("knowledge", str(k), "knowledge") for (k,) in _rows(world, (
        "SELECT l.k_user_key FROM links_current l JOIN events e ON e.partner = 'game' "
        "AND e.user_key = l.g_user_key WHERE l.revoked_at IS NULL AND e.item_id IS NOT NULL "
        "GROUP BY 1 ORDER BY 1 LIMIT 6"))]
    return out


def _cited(why: str, lang: str) -> list[str]:
    pattern = r" \(shared: (.*)\)$" if lang == "en" else r"（相同标签：(.*)）$"
    m = re.search(pattern, why)
    if m is None:
        return []
    return m.group(1).split(", " if lang == "en" else "、")


def _check(item: dict[str, Any], labels: Labels, lang: str) -> int:
    """Check one explained item; returns how many tags it cites."""
    detail = item["why_detail"]
    why = item["why"]
    if detail["kind"] != "history":
        return 0
    cited = _cited(why, lang)
    assert cited == detail["shared_text"], why
    assert len({c.casefold() for c in cited}) == len(cited), f"a tag named twice: {why}"
    _, rec_labels = labels[(item["platform"], item["item_id"])]
    chinese_title = False
    for b in detail["because"]:
        title, because_labels = labels[(b["platform"], b["item_id"])]
        chinese_title |= has_cjk(display_title(title, "en"))
        for tag in cited:
            if lang == "zh-CN":  # shown as stored: literally a tag of both items
                assert tag.casefold() in {t.casefold() for t in because_labels}, (why, tag)
                assert tag.casefold() in {t.casefold() for t in rec_labels}, (why, tag)
            else:  # the English form of a tag both items have
                forms_b = {tag_label(t, "en") or t for t in because_labels}
                forms_r = {tag_label(t, "en") or t for t in rec_labels}
                assert tag in forms_b and tag in forms_r, (why, tag)
    if lang == "en":
        text = why
        for b in detail["because"]:
            text = text.replace(display_title(b["title"], "en"), "")
        assert chinese_title or not has_cjk(text), f"Chinese in an English reason: {why}"
    return len(cited)


def test_every_printed_reason_cites_tags_of_both_items(
        trained: tuple[LoadedWorld, CliRunner]) -> None:
    world, run = trained
    labels = _labels(world)
    sample = _sample(world)
    assert len(sample) >= 30
    reasons = tags = 0
    for partner, key, domain in sample:
        for lang in ("en", "zh-CN"):
            res = run("--lang", lang, "recommend", "for", "--partner", partner, "--key", key,
                      "--domain", domain, "--n", "10", "--explain", "--json")
            assert res.code == 0, res.err
            data = res.json()
            assert data["known"] is True
            for item in data["items"]:
                reasons += item["why_detail"]["kind"] == "history"
                tags += _check(item, labels, lang)
    # the checks above ran on many reasons and many cited tags, not on none
    assert reasons >= 300 and tags >= 300, (reasons, tags)
    # and the table a person reads holds the same sentences
    partner, key, domain = sample[0]
    table = run("recommend", "for", "--partner", partner, "--key", key, "--domain", domain,
                "--n", "3", "--explain")
    assert table.code == 0 and "because you " in table.out


def test_unknown_ids_are_said_to_be_unknown(trained: tuple[LoadedWorld, CliRunner]) -> None:
    world, run = trained
    res = run("recommend", "for", "--partner", "knowledge", "--user", "NO-SUCH-USER",
              "--explain", "--json")
    assert res.code == 0, res.err
    data = res.json()
    assert data["known"] is False and data["personalised"] is False
    assert data["model"] == "popularity" and data["policy"].startswith("unknown user")
    assert all(i["why"].startswith("popular right now") for i in data["items"])
    text = run("recommend", "for", "--partner", "knowledge", "--user", "NO-SUCH-USER")
    assert "not personalised: unknown user — knowledge has no events and no account link " \
           "for this id" in " ".join(text.out.split())
    zh = run("--lang", "zh-CN", "recommend", "for", "--partner", "knowledge", "--user",
             "NO-SUCH-USER")
    assert "非个性化：未知用户" in zh.out
    # a game user's key given as a knowledge user's: unknown on that side
    (g_key,) = _rows(world, "SELECT user_key FROM events WHERE partner = 'game' AND "
                            "user_key NOT IN (SELECT g_user_key FROM links_current) "
                            "ORDER BY 1 LIMIT 1")[0]
    other = run("recommend", "for", "--partner", "knowledge", "--key", g_key, "--json")
    assert other.code == 0 and other.json()["known"] is False
    # a known user is known, whatever their consent says
    (k_key,) = _rows(world, "SELECT user_key FROM events WHERE partner = 'knowledge' "
                            "ORDER BY 1 LIMIT 1")[0]
    known = run("recommend", "for", "--partner", "knowledge", "--key", k_key, "--json")
    assert known.json()["known"] is True
    # keys are case-insensitive hex; --user-key is the same option as --key
    upper = run("recommend", "for", "--partner", "knowledge", "--user-key", k_key.upper(),
                "--json")
    assert upper.code == 0 and upper.json() == known.json()


@pytest.mark.parametrize("bad", ["abc", "k:" + "a" * 32, "a" * 31, "a" * 33, "g" * 32,
                                 "0x" + "a" * 30, " ", "a" * 16 + " " + "a" * 15])
def test_a_malformed_user_key_is_refused(cli: CliRunner, bad: str) -> None:
    for option in ("--key", "--user-key"):
        res = cli("recommend", "for", "--partner", "knowledge", option, bad)
        assert res.code == 2 and "(bad_user_key)" in res.err_flat, res.err
        assert "is not a user key: a user_key is 32 hexadecimal characters (0-9, a-f) with " \
               "no prefix" in res.err_flat
    zh = cli("--lang", "zh-CN", "recommend", "for", "--partner", "knowledge", "--key", bad)
    assert zh.code == 2 and "不是用户假名键：user_key 是 32 个十六进制字符" in zh.err_flat
    consent = cli("consent", "set", "--partner", "game", "--purpose", "marketing",
                  "--grant", "--user-key", bad)
    assert consent.code == 2 and "(bad_user_key)" in consent.err_flat
