"""Protocols choose exactly the documented rows; tuning splits never touch test rows."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossplay.core.errors import ConfigError
from crossplay.evaluation.fingerprint import digest, fingerprint, write_canonical
from crossplay.evaluation.protocols import (
    chrono,
    cold,
    loo,
    make_split,
    provided,
    stratified,
    stratified_mask,
    validation,
    with_rows,
)


def frame(rows: list[tuple[str, str, float | None, int | None, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp", "domain",
                                     "split"])
    df["rating"] = df["rating"].astype("float64")
    df["timestamp"] = df["timestamp"].astype("Int64")
    return with_rows(df)


def recommenders_stratified(data: pd.DataFrame, ratio: float, seed: int) -> set[int]:
    """Port of Microsoft Recommenders' ``python_stratified_split`` (``_do_stratification``
    with ``is_random=True``, ``filter_by="user"``, ``min_rating=1``): the train rows."""
    data = data.copy()
    np.random.seed(seed)
    data["random"] = np.random.rand(data.shape[0])
    data = data.sort_values(["user", "random"])
    groups = data.groupby("user")
    data["count"] = groups["user"].transform("count")
    data["rank"] = groups.cumcount() + 1
    data["rank"] = data["rank"] / data["count"]
    return set(data[data["rank"] <= ratio]["row"].tolist())


@settings(max_examples=60, deadline=None)
@given(users=st.lists(st.integers(0, 12), min_size=1, max_size=300),
       ratio=st.sampled_from([0.5, 0.6, 0.75, 0.8, 0.9]), seed=st.integers(0, 2**31 - 1))
def test_stratified_matches_microsoft_recommenders(users: list[int], ratio: float,
                                                   seed: int) -> None:
    df = pd.DataFrame({"user": [f"u{u}" for u in users], "item": "x"})
    df["row"] = np.arange(len(df))
    mine = set(np.flatnonzero(stratified_mask(df["user"].to_numpy(), ratio, seed)))
    assert mine == recommenders_stratified(df, ratio, seed)


def test_stratified_keeps_each_users_share() -> None:
    rows = frame([("a", str(i), None, None, "main", "") for i in range(8)]
                 + [("b", str(i), None, None, "main", "") for i in range(4)])
    s = stratified(rows, 0.75, 42)
    assert s.train.groupby("user").size().to_dict() == {"a": 6, "b": 3}
    assert s.test.groupby("user").size().to_dict() == {"a": 2, "b": 1}
    assert s.params == {"ratio": 0.75, "seed": 42}


def test_provided_uses_exactly_the_given_rows() -> None:
    rows = frame([
        ("u1", "a", 5, 1, "main", "train"), ("u1", "b", 4, 2, "main", "train"),
        ("u1", "c", 3, 3, "main", "valid"), ("u1", "d", 2, 4, "main", "test"),
        ("u2", "a", 5, 1, "main", "train"), ("u2", "a", 5, 1, "main", "train"),
        ("u2", "e", 1, 9, "main", "test"), ("u3", "z", 1, 9, "main", "test"),
    ])
    s = provided(rows)
    assert s.train["row"].tolist() == [0, 1, 4, 5]  # duplicates kept, nothing reordered
    assert s.test["row"].tolist() == [3, 6, 7]
    assert s.valid is not None and s.valid["row"].tolist() == [2]
    assert fingerprint(s.train, s.test) == fingerprint(
        rows[rows["split"] == "train"], rows[rows["split"] == "test"])
    v = validation(s)
    assert v.train["row"].tolist() == [0, 1, 4, 5] and v.test["row"].tolist() == [2]


def test_provided_with_a_target_tests_only_that_domain() -> None:
    rows = frame([("u", "a", None, None, "books", "train"),
                  ("u", "b", None, None, "books", "test"),
                  ("u", "m", None, None, "movies", "train"),
                  ("u", "n", None, None, "movies", "test")])
    s = provided(rows, target="movies")
    assert s.test["item"].tolist() == ["n"]
    assert sorted(s.train["item"]) == ["a", "m"]


def test_provided_needs_split_files() -> None:
    rows = frame([("u", "a", None, None, "main", "")])
    with pytest.raises(ConfigError, match="ships no train/test files"):
        provided(rows)


def test_leave_last_out_by_time_ties_by_file_order() -> None:
    rows = frame([
        ("u1", "a", None, 10, "main", ""), ("u1", "b", None, 30, "main", ""),
        ("u1", "c", None, 20, "main", ""),
        ("u2", "d", None, 5, "main", ""), ("u2", "e", None, 5, "main", ""),
        ("u3", "f", None, 1, "main", ""),  # one row: stays in training
    ])
    s = loo(rows)
    assert sorted(s.test["item"]) == ["b", "e"]
    assert sorted(s.train["item"]) == ["a", "c", "d", "f"]
    v = validation(s)
    assert sorted(v.test["item"]) == ["c"] and "b" not in set(v.train["item"])


def test_chrono_takes_each_users_earliest_share() -> None:
    rows = frame([("u", str(i), None, t, "main", "") for i, t in
                  enumerate([40, 10, 30, 20])])
    s = chrono(rows, 0.5)
    assert sorted(s.train["timestamp"].tolist()) == [10, 20]
    assert sorted(s.test["timestamp"].tolist()) == [30, 40]


def test_time_protocols_need_timestamps() -> None:
    rows = frame([("u", "a", None, None, "main", ""), ("u", "b", None, None, "main", "")])
    with pytest.raises(ConfigError, match="have no timestamp"):
        loo(rows)


def test_cold_start_withholds_target_rows_keeps_source_rows() -> None:
    data = []
    for u in range(20):
        data += [(f"u{u}", f"b{u % 3}", None, 1, "books", ""),
                 (f"u{u}", f"m{u % 4}", None, 2, "movies", ""),
                 (f"u{u}", f"m{(u + 1) % 4}", None, 3, "movies", "")]
    data += [("solo", "m1", None, 1, "movies", "")]
    rows = frame(data)
    s = cold(rows, "movies", fraction=0.25, seed=7)
    cold_users = set(s.test["user"])
    assert len(cold_users) == 5 and s.params["overlap_users"] == 20
    assert set(s.test["domain"]) == {"movies"}
    tr = s.train
    # every cold user's movie rows are all in test, none in train
    assert not ((tr["domain"] == "movies") & tr["user"].isin(cold_users)).any()
    assert len(s.test) == 2 * len(cold_users)
    # and their book rows all stay in training
    books = rows[(rows["domain"] == "books") & rows["user"].isin(cold_users)]
    assert set(books["row"]) <= set(tr["row"])
    assert "solo" in set(tr["user"])
    v = validation(s)
    assert not set(v.test["user"]) & cold_users
    assert set(v.train["row"]) | set(v.test["row"]) <= set(tr["row"])


def test_cold_start_needs_overlap_and_a_target() -> None:
    rows = frame([("u", "a", None, None, "books", ""), ("v", "m", None, None, "movies", "")])
    with pytest.raises(ConfigError, match="fewer than two users"):
        cold(rows, "movies")
    with pytest.raises(ConfigError, match="needs --target"):
        cold(rows, None)
    with pytest.raises(ConfigError, match="no rows in domain 'music'"):
        cold(rows, "music")


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 15), st.integers(0, 50),
                                st.sampled_from(["books", "movies"])),
                      min_size=30, max_size=150),
       protocol=st.sampled_from(["stratified", "chrono", "loo", "cold"]))
def test_validation_rows_come_from_training_only(
        pairs: list[tuple[int, int, int, str]], protocol: str) -> None:
    rows = frame([(f"u{u}", f"i{i}", None, t, d, "") for u, i, t, d in pairs])
    try:
        s = make_split(rows, protocol, target="movies" if protocol == "cold" else None)
        v = validation(s)
    except ConfigError:
        return  # too little data for this protocol: refused, not mis-split
    test_rows = set(s.test["row"])
    assert not test_rows & set(s.train["row"])
    assert not (set(v.train["row"]) | set(v.test["row"])) & test_rows
    assert set(v.train["row"]) | set(v.test["row"]) <= set(s.train["row"])


def test_fingerprint_is_order_free_and_row_sensitive(tmp_path: Path) -> None:
    rows = frame([("u1", "a", 4.0, 100, "main", ""), ("u2", "课程", None, None, "main", ""),
                  ("u1", "b", 3.5, 7, "main", "")])
    shuffled = rows.sample(frac=1, random_state=3)
    assert digest(rows) == digest(shuffled)
    changed = rows.copy()
    changed.loc[0, "rating"] = 5.0
    assert digest(changed) != digest(rows)
    # the documented recipe: canonical lines, byte-sorted, each ending in \n
    text = "main\tu1\ta\t4.000000\t100\nmain\tu1\tb\t3.500000\t7\nmain\tu2\t课程\t\t\n"
    assert digest(rows) == hashlib.sha256(text.encode()).hexdigest()
    f = write_canonical(shuffled, tmp_path / "x.tsv")
    assert f.read_text(encoding="utf-8") == text
    out = subprocess.run(f"LC_ALL=C sort {f} | sha256sum", shell=True, check=True,
                         capture_output=True, text=True).stdout.split()[0]
    assert out == digest(rows)
    fp = fingerprint(rows, rows.iloc[:1])
    combined = f"train {fp.train}\ntest {fp.test}\n"
    assert fp.split == hashlib.sha256(combined.encode()).hexdigest()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                  min_size=1, max_size=4),
                          st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                  min_size=1, max_size=4),
                          st.one_of(st.none(), st.floats(0, 10)),
                          st.one_of(st.none(), st.integers(-10**12, 10**12))),
                max_size=40))
def test_digest_matches_a_plain_python_reference(
        data: list[tuple[str, str, float | None, int | None]]) -> None:
    rows = frame([(u, i, r, t, "main", "") for u, i, r, t in data])
    lines = sorted(("\t".join(["main", u, i, "" if r is None else f"{r:.6f}",
                               "" if t is None else str(t)]).encode("utf-8")
                    for u, i, r, t in data))
    expected = hashlib.sha256(b"".join(line + b"\n" for line in lines)).hexdigest()
    assert digest(rows) == expected


@pytest.mark.parametrize("protocol", ["stratified", "chrono", "loo"])
def test_with_a_target_only_the_target_domain_is_split(protocol: str) -> None:
    data = []
    for u in range(6):
        data += [(f"u{u}", f"b{j}", None, j, "books", "") for j in range(4)]
        data += [(f"u{u}", f"m{j}", None, 10 + j, "movies", "") for j in range(4)]
    rows = frame(data)
    s = make_split(rows, protocol, target="movies")
    books = set(rows.loc[rows["domain"] == "books", "row"])
    assert books <= set(s.train["row"])  # every source row trains
    assert set(s.test["domain"]) == {"movies"} and len(s.test) > 0
    assert len(s.train) + len(s.test) == len(rows)  # nothing lost
    movies = rows[rows["domain"] == "movies"].reset_index(drop=True)
    alone = make_split(movies, protocol)
    assert set(alone.test["row"]) == set(s.test["row"])  # same rule as on movies alone
