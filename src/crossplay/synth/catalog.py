"""The two partners' catalogs: courses, games and streamers (pure numpy, no I/O).

The catalog is drawn once per world from the seed (never per chunk) and is small:
~480 knowledge items plus 3 memberships, 120 games, and one streamer per ~40 people
(60 to 25,000). Popularity inside a category is lognormal for courses and games and a
power law (rank^-1.15) for streamers, so audiences concentrate on a few.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossplay.synth import domain, names
from crossplay.synth.sampling import FloatArray, IntArray, SegmentSampler, catalog_rng, pick

N_COURSES = 480
N_GAMES = 120
STREAMERS_PER_PERSON = 1 / 40
STREAMER_RANGE = (60, 25_000)


@dataclass(frozen=True)
class Courses:
    """Knowledge items (courses, audio, e-books, then the memberships at the end)."""

    ids: list[str]
    title: list[str]
    tags: list[str]
    language: list[str]
    description: list[str]
    category: IntArray  # index into domain.COURSE_CATEGORIES (-1 for memberships)
    kind: IntArray  # index into domain.KNOWLEDGE_KINDS
    price_fen: IntArray
    lessons: IntArray
    lesson_seconds: IntArray
    popularity: FloatArray
    browse: SegmentSampler  # by category, all non-membership items
    paid: SegmentSampler  # by category, priced non-membership items
    memberships: IntArray  # positions of the membership items

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Games:
    ids: list[str]
    title: list[str]
    tags: list[str]
    description: list[str]
    price_yuan: list[float]
    genre: IntArray
    popularity: FloatArray
    session_factor: FloatArray
    by_genre: SegmentSampler

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Streamers:
    ids: list[str]
    room_ids: list[str]
    title: list[str]
    tags: list[str]
    description: list[str]
    category: IntArray  # index into domain.STREAM_CATEGORIES
    popularity: FloatArray
    fans: IntArray
    main_game: IntArray  # game position or -1
    by_category: SegmentSampler

    @property
    def n(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Catalog:
    courses: Courses
    games: Games
    streamers: Streamers


def _counts(shares: tuple[float, ...], total: int, minimum: int) -> IntArray:
    raw = np.maximum(np.floor(np.asarray(shares) / sum(shares) * total), minimum).astype(np.int64)
    raw[int(np.argmax(shares))] += max(total - int(raw.sum()), 0)
    return raw


def _courses(rng: np.random.Generator) -> Courses:
    n_cat = len(domain.COURSE_CATEGORIES)
    per_cat = _counts(domain.COURSE_CATEGORY_SHARE, N_COURSES, 8)
    category = np.repeat(np.arange(n_cat, dtype=np.int64), per_cat)
    n = category.size
    kind = pick(rng, (0.70, 0.18, 0.12), n)
    first_of_cat = np.cumsum(per_cat) - per_cat
    kind[first_of_cat] = 0
    price = np.zeros(n, dtype=np.int64)
    for k, (prices, p) in enumerate((
        (domain.COURSE_PRICES_FEN, domain.COURSE_PRICE_P),
        (domain.AUDIO_PRICES_FEN, domain.AUDIO_PRICE_P),
        (domain.EBOOK_PRICES_FEN, domain.EBOOK_PRICE_P),
    )):
        rows = np.flatnonzero(kind == k)
        price[rows] = np.asarray(prices, dtype=np.int64)[pick(rng, p, rows.size)]
    price[first_of_cat] = 9900  # every category sells at least one course
    lessons = np.select(
        [kind == 0, kind == 1], [rng.integers(8, 41, n), rng.integers(10, 61, n)],
        rng.integers(8, 25, n),
    ).astype(np.int64)
    lesson_seconds = np.select(
        [kind == 0, kind == 1], [rng.integers(360, 1501, n), rng.integers(600, 1501, n)],
        rng.integers(600, 1801, n),
    ).astype(np.int64)
    popularity = rng.lognormal(0.0, 1.1, n)
    level = rng.integers(0, len(names.LEVELS), n)
    teacher = rng.integers(0, len(names.TEACHERS), n)
    fmt = rng.integers(0, len(names.COURSE_FORMAT_TAGS), n)
    titles: list[str] = []
    tags: list[str] = []
    language: list[str] = []
    description: list[str] = []
    for c in range(n_cat):
        subjects = names.COURSE_SUBJECTS[c]
        combos = rng.permutation(len(subjects) * len(names.COURSE_PATTERNS))
        for j, row in enumerate(range(first_of_cat[c], first_of_cat[c] + per_cat[c])):
            combo = int(combos[j % combos.size])
            (s_zh, s_en) = subjects[combo // len(names.COURSE_PATTERNS)]
            (p_zh, p_en) = names.COURSE_PATTERNS[combo % len(names.COURSE_PATTERNS)]
            zh, en = p_zh.format(s=s_zh), p_en.format(s=s_en)
            if j >= combos.size:
                zh, en = f"{zh}（第{j // combos.size + 1}版）", f"{en} ({j // combos.size + 1}e)"
            k = int(kind[row])
            if k == 1:
                zh, en = f"{zh}（音频课）", f"{en} (audio)"
            elif k == 2:
                zh, en = f"《{zh}》电子书", f"{en} (e-book)"
            titles.append(f"{zh} / {en}")
            lvl = names.LEVELS[level[row]]
            tags.append("|".join((domain.COURSE_CATEGORIES[c], s_zh, lvl,
                                  names.COURSE_FORMAT_TAGS[fmt[row]])))
            english = (c == 3 and rng.random() < 0.5) or rng.random() < 0.04
            language.append("en" if english else "zh")
            lvl_en = ("beginner", "intermediate", "advanced")[level[row]]
            description.append(
                f"{names.TEACHERS[teacher[row]]}主讲，共{lessons[row]}讲，适合{lvl}学习者。"
                f"{en}: {lessons[row]} parts, {lvl_en} level."
            )
    ids = [f"C{v}" for v in (10_000 + rng.choice(90_000, n, replace=False)).tolist()]
    m = len(domain.MEMBERSHIPS)
    browse_w = popularity
    paid_w = np.where(price > 0, popularity, 0.0)
    for i, (zh, en, fen) in enumerate(domain.MEMBERSHIPS):
        ids.append(f"VIP0{i + 1}")
        titles.append(f"{zh} / {en}")
        tags.append("会员|全站课程|畅学")
        language.append("zh")
        description.append(f"{zh}：全站会员课程畅学。{en}: all member courses included.")
        price = np.append(price, fen)
    return Courses(
        ids=ids, title=titles, tags=tags, language=language, description=description,
        category=np.concatenate([category, np.full(m, -1, dtype=np.int64)]),
        kind=np.concatenate([kind, np.full(m, 3, dtype=np.int64)]),
        price_fen=price,
        lessons=np.concatenate([lessons, np.zeros(m, dtype=np.int64)]),
        lesson_seconds=np.concatenate([lesson_seconds, np.zeros(m, dtype=np.int64)]),
        popularity=np.concatenate([popularity, np.ones(m)]),
        browse=SegmentSampler.build(category, browse_w, n_cat),
        paid=SegmentSampler.build(category[paid_w > 0], paid_w[paid_w > 0], n_cat)
        .with_items(np.flatnonzero(paid_w > 0)),
        memberships=np.arange(n, n + m, dtype=np.int64),
    )


def _games(rng: np.random.Generator) -> Games:
    n_genre = len(domain.GENRES)
    per = _counts(domain.GENRE_SHARE, N_GAMES, 3)
    genre = np.repeat(np.arange(n_genre, dtype=np.int64), per)
    n = genre.size
    popularity = rng.lognormal(0.0, 1.5, n)
    titles: list[str] = []
    tags: list[str] = []
    description: list[str] = []
    prices: list[float] = []
    for g in range(n_genre):
        prefixes, suffixes = names.GAME_WORDS[g]
        combos = rng.permutation(len(prefixes) * len(suffixes))
        for j in range(int(per[g])):
            combo = int(combos[j % combos.size])
            p_zh, p_en = prefixes[combo // len(suffixes)]
            s_zh, s_en = suffixes[combo % len(suffixes)]
            n_th = f" {j // combos.size + 1}" if j >= combos.size else ""
            zh, en = f"{p_zh}{s_zh}{n_th}", f"{p_en} {s_en}{n_th}"
            titles.append(f"{zh} / {en}")
            chosen = rng.permutation(len(names.GAME_TAGS[g]))[:3]
            tags.append(",".join([domain.GENRES[g], *(names.GAME_TAGS[g][i] for i in chosen)]))
            description.append(f"{domain.GENRES[g]}游戏《{zh}》。A {domain.GENRES[g]} game.")
            prices.append(0.0 if rng.random() < 0.9 else float(rng.choice([68.0, 98.0, 128.0])))
    ids = [f"G{v}" for v in (1_000 + rng.choice(9_000, n, replace=False)).tolist()]
    return Games(
        ids=ids, title=titles, tags=tags, description=description, price_yuan=prices,
        genre=genre, popularity=popularity,
        session_factor=np.asarray(domain.GENRE_SESSION_FACTOR)[genre],
        by_genre=SegmentSampler.build(genre, popularity, n_genre),
    )


def _streamers(rng: np.random.Generator, people: int, games: Games) -> Streamers:
    lo, hi = STREAMER_RANGE
    n = int(min(max(round(people * STREAMERS_PER_PERSON), lo), hi))
    n_cat = len(domain.STREAM_CATEGORIES)
    category = pick(rng, domain.STREAM_CATEGORY_SHARE, n)
    category[:n_cat] = np.arange(n_cat)
    popularity = np.asarray((rng.permutation(n) + 1.0) ** -1.15, dtype=np.float64)
    fans = (popularity / popularity.max() * 3_000_000 * rng.uniform(0.7, 1.3, n)).astype(np.int64)
    fans += rng.integers(50, 500, n)
    n_genre = len(domain.GENRES)
    main_game = np.full(n, -1, dtype=np.int64)
    is_genre = category < n_genre
    main_game[is_genre] = games.by_genre.sample(rng, category[is_genre])
    esports = category == domain.STREAM_CATEGORIES.index("电竞赛事")
    main_game[esports] = games.by_genre.sample(rng, np.where(rng.random(int(esports.sum())) < 0.6,
                                                             0, 3).astype(np.int64))
    first, second, suffix = names.STREAMER_FIRST, names.STREAMER_SECOND, names.STREAMER_SUFFIX
    combos = rng.permutation(len(first) * len(second) * len(suffix))
    titles: list[str] = []
    tags: list[str] = []
    description: list[str] = []
    for i in range(n):
        combo = int(combos[i % combos.size])
        a, rest = divmod(combo, len(second) * len(suffix))
        b, c = divmod(rest, len(suffix))
        n_th = str(i // combos.size + 1) if i >= combos.size else ""
        zh = f"{first[a][0]}{second[b][0]}{suffix[c][0]}{n_th}"
        en = " ".join(w for w in (first[a][1], second[b][1], suffix[c][1], n_th) if w)
        titles.append(f"{zh} / {en}")
        cat = domain.STREAM_CATEGORIES[int(category[i])]
        style = rng.permutation(len(names.STREAMER_STYLE_TAGS))[:2]
        tags.append("、".join([cat, *(names.STREAMER_STYLE_TAGS[s] for s in style)]))
        game = int(main_game[i])
        plays = "主播分享教学内容。"
        if game >= 0:
            plays = f"主播常驻{games.title[game].split(' / ')[0]}。"
        description.append(f"{cat}主播，{plays}")
    ids = [f"s_{v}" for v in (100_000 + rng.choice(900_000, n, replace=False)).tolist()]
    rooms = [f"R{v}" for v in (1_000_000 + rng.choice(9_000_000, n, replace=False)).tolist()]
    return Streamers(
        ids=ids, room_ids=rooms, title=titles, tags=tags, description=description,
        category=category, popularity=popularity, fans=fans, main_game=main_game,
        by_category=SegmentSampler.build(category, popularity, n_cat),
    )


def build_catalog(seed: int, people: int) -> Catalog:
    """The world's catalog; depends only on ``seed`` and (for streamers) ``people``."""
    rng = catalog_rng(seed)
    courses = _courses(rng)
    games = _games(rng)
    return Catalog(courses, games, _streamers(rng, people, games))


def item_topics(loadings: tuple[dict[str, float], ...], category: IntArray) -> FloatArray:
    """Topic vector of each item (its category's loadings; zeros for category -1)."""
    mat = domain.loading_matrix(loadings)
    out = np.zeros((category.size, mat.shape[1]))
    ok = category >= 0
    out[ok] = mat[category[ok]]
    return out
