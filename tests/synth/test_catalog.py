"""Catalog exports: encodings, bilingual titles, categories, prices, power-law streamers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crossplay.synth import domain

from .conftest import World

CATEGORIES = {"编程", "数据分析", "人工智能", "英语", "考研/考证", "职场", "心理学", "历史",
              "理财", "设计", "电竞", "游戏开发"}


def test_course_catalog_is_really_gb18030(world: World) -> None:
    raw = (world.root / "knowledge/items/courses.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert "Python 数据分析" in text or "Python 编程" in text
    assert text.encode("gb18030") == raw


def test_course_titles_are_chinese_and_english(world: World) -> None:
    rows = world.courses().to_pylist()
    assert len(rows) == world.manifest["files"]["knowledge/items/courses.csv"]["rows"]
    for row in rows:
        zh, sep, en = row["title"].partition(" / ")
        assert sep and any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii(), row
    assert len({r["course_id"] for r in rows}) == len(rows)
    courses = [r for r in rows if r["type"] != "会员"]
    assert {r["category"] for r in courses} == CATEGORIES
    assert {r["type"] for r in rows} == {"课程", "音频课", "电子书", "会员"}
    for r in courses:
        assert r["tags"].split("|")[0] == r["category"]
        assert int(r["price_fen"]) >= 0 and int(r["lessons"]) > 0
    prices = np.array([int(r["price_fen"]) for r in courses])
    assert 0.1 < (prices == 0).mean() < 0.5


def test_games_and_streamers(world: World) -> None:
    games = world.games().to_pylist()
    assert {g["genre"] for g in games} == set(domain.GENRES)
    assert all(" / " in g["title"] for g in games)
    path = world.root / "game/items/streamers.jsonl"
    streamers = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert {s["category"] for s in streamers} == set(domain.STREAM_CATEGORIES)
    assert all(s["anchor_id"].startswith("s_") for s in streamers)
    fans = np.sort([s["fans"] for s in streamers])[::-1]
    top = max(1, fans.size // 10)
    assert fans[:top].sum() / fans.sum() > 0.4  # a few streamers hold most fans
    game_ids = {g["game_id"] for g in games}
    assert {s["main_game"] for s in streamers if s["main_game"]} <= game_ids
