"""Importers: every benchmark format read without a mapping; bad input named, never dropped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crossplay.core.errors import ConfigError, SourceError
from crossplay.evaluation.formats import import_path
from crossplay.evaluation.readers import read_interactions, sniff
from tests.conftest import write


def test_movielens_100k_u_data(tmp_path: Path) -> None:
    write(tmp_path / "ml-100k" / "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
    rows = import_path(tmp_path / "ml-100k", "movielens")
    assert rows["user"].tolist() == ["196", "186"]
    assert rows["item"].tolist() == ["242", "302"]
    assert rows["rating"].tolist() == [3.0, 3.0]
    assert rows["timestamp"].tolist() == [881250949, 891717742]
    assert set(rows["domain"]) == {"main"} and set(rows["split"]) == {""}


def test_movielens_1m_ratings_dat_and_latest_ratings_csv(tmp_path: Path) -> None:
    dat = write(tmp_path / "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n")
    csv = write(tmp_path / "ratings.csv",
                "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n")
    a = import_path(dat, "movielens")
    b = import_path(csv, "movielens")
    assert a[["user", "item"]].values.tolist() == [["1", "1193"], ["1", "661"]]
    assert b["rating"].tolist() == [5.0, 3.5]
    assert b["timestamp"].tolist() == [1147880044, 1147868817]


def test_movielens_fold_is_the_provided_split(tmp_path: Path) -> None:
    folder = tmp_path / "ml-100k"
    write(folder / "u1.base", "1\t1\t5\t874965758\n1\t2\t3\t876893171\n")
    write(folder / "u1.test", "1\t6\t5\t887431973\n")
    rows = import_path(folder, "movielens", fold="u1")
    assert rows["split"].tolist() == ["train", "train", "test"]
    with pytest.raises(ConfigError, match="fold must be one of"):
        import_path(folder, "movielens", fold="u9")


def test_movielens_needs_ratings_and_time(tmp_path: Path) -> None:
    f = write(tmp_path / "u.data", "1\t2\n")
    with pytest.raises(SourceError, match="use --format uir"):
        import_path(f, "movielens")


@pytest.mark.parametrize(("text", "delimiter", "header"), [
    ("u1 i1 4 100\nu2  i2 5 200\n", " ", False),
    ("u1,i1,4,100\nu2,i2,5,200\n", ",", False),
    ("user\titem\trating\ttimestamp\nu1\ti1\t4\t100\nu2\ti2\t5\t200\n", "\t", True),
    ("user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
     "u1\ti1\t4\t100\nu2\ti2\t5\t200\n", "\t", True),
    ("userId,movieId,rating,timestamp\nu1,i1,4,100\nu2,i2,5,200\n", ",", True),
])
def test_generic_files_with_or_without_header(tmp_path: Path, text: str, delimiter: str,
                                              header: bool) -> None:
    f = write(tmp_path / "data.txt", text)
    assert sniff(f).delimiter == delimiter and sniff(f).header is header
    rows = read_interactions(f)
    assert rows[["user", "item"]].values.tolist() == [["u1", "i1"], ["u2", "i2"]]
    assert rows["rating"].tolist() == [4.0, 5.0]
    assert rows["timestamp"].tolist() == [100, 200]


def test_header_in_another_order_and_two_columns(tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", "item,user\nbook1,alice\nbook2,bob\n")
    rows = read_interactions(f)
    assert rows[["user", "item"]].values.tolist() == [["alice", "book1"], ["bob", "book2"]]
    assert rows["rating"].isna().all() and rows["timestamp"].isna().all()
    g = write(tmp_path / "b.txt", "1 2\n3 4\n")
    assert read_interactions(g)["item"].tolist() == ["2", "4"]
    # --no-header forces positional columns even when line 1 looks like names
    h = write(tmp_path / "c.txt", "user item\nu i\n")
    assert read_interactions(h, header=False)["user"].tolist() == ["user", "u"]


def test_chinese_ids_kept(tmp_path: Path) -> None:
    f = write(tmp_path / "zh.tsv", "用户甲\t课程：Python 入门\t5\n用户乙\t王者荣耀\t4\n")
    rows = read_interactions(f)
    assert rows["item"].tolist() == ["课程：Python 入门", "王者荣耀"]


@pytest.mark.parametrize(("text", "match"), [
    ("1\t2\t3\n4\t5\n", r"data.tsv:2: 2 fields where the first line has 3"),
    ("1\t2\t3\n4\t5\t6\t7\n", r"data.tsv:2: 4 fields"),
    ("1\t2\t4\n\t5\t3\n", r"data.tsv:2: no user id"),
    ("1\t2\t4\n3\t5\tgood\n", r"data.tsv:2: rating 'good' is not a number"),
    ("1\t2\t4\t1.5\n", r"data.tsv:1: timestamp '1.5' is not an integer"),
    ("1\t2\t3\t4\t5\n", r"5 fields without a header"),
    ("", r"the file is empty"),
    ("who\twhat\n1\t2\n", r"names no user column"),
])
def test_bad_input_is_refused_with_file_and_line(tmp_path: Path, text: str,
                                                 match: str) -> None:
    f = write(tmp_path / "data.tsv", text)
    with pytest.raises(SourceError, match=match):
        read_interactions(f, header=None if "who" not in text else True)


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path: Path) -> None:
    f = write(tmp_path / "data.tsv", "1\t2\t4\n\n3\t5\tbad\n")
    with pytest.raises(SourceError, match=r"data.tsv:3:"):
        read_interactions(f)


def test_uir_folder_of_split_files(tmp_path: Path) -> None:
    write(tmp_path / "d" / "train.txt", "u1 i1\nu1 i2\n")
    write(tmp_path / "d" / "valid.txt", "u1 i3\n")
    write(tmp_path / "d" / "test.txt", "u1 i4\n")
    write(tmp_path / "d" / "README.md", "not data")
    rows = import_path(tmp_path / "d", "uir")
    assert sorted(zip(rows["item"], rows["split"], strict=True)) == [
        ("i1", "train"), ("i2", "train"), ("i3", "valid"), ("i4", "test")]


@pytest.mark.parametrize("layout", ["subfolders", "prefixed"])
def test_cdr_folder_layouts(tmp_path: Path, layout: str) -> None:
    root = tmp_path / "cdr"
    for dom in ("books", "movies"):
        for split in ("train", "valid", "test"):
            name = (f"{dom}/{split}.inter" if layout == "subfolders"
                    else f"{dom}_{split}.csv")
            write(root / name, f"user,item,rating\nshared,{dom}-{split},5\n")
    rows = import_path(root, "cdr-folder")
    assert len(rows) == 6
    assert set(rows["domain"]) == {"books", "movies"}
    assert set(rows["user"]) == {"shared"}
    got = set(zip(rows["domain"], rows["split"], rows["item"], strict=True))
    assert ("movies", "test", "movies-test") in got


def test_cdr_folder_needs_two_domains_and_train_test(tmp_path: Path) -> None:
    write(tmp_path / "one" / "books" / "train.txt", "u i\n")
    write(tmp_path / "one" / "books" / "test.txt", "u j\n")
    with pytest.raises(SourceError, match="found 1 domain"):
        import_path(tmp_path / "one", "cdr-folder")
    write(tmp_path / "two" / "a" / "train.txt", "u i\n")
    write(tmp_path / "two" / "b" / "train.txt", "u j\n")
    write(tmp_path / "two" / "b" / "test.txt", "u k\n")
    with pytest.raises(SourceError, match="no test file"):
        import_path(tmp_path / "two", "cdr-folder")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown format"):
        import_path(tmp_path, "netflix")


def test_rows_keep_file_order_duplicates_and_the_ids_exact_text(tmp_path: Path) -> None:
    f = write(tmp_path / "d.tsv", "b\tx\n a \ty\nb\tx\n")
    rows = read_interactions(f)
    pd.testing.assert_series_equal(rows["user"], pd.Series(["b", " a ", "b"], name="user"),
                                   check_index=False)


@pytest.mark.parametrize("text", [
    "196\t242\t3\t881250949\n186\t302\t3\t891717742\n",
    "1::1193::5::978300760\n\n1::661::3::978302109\n",
    "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n 2 ,\"30,6\",3.5,1\n",
    "user_id:token\titem_id:token\trating:float\n用户\t课程\t4\n",
    "a\tb\n",
])
def test_fast_reader_agrees_with_the_checked_reader(tmp_path: Path, text: str) -> None:
    from crossplay.evaluation.readers import _checked_read, _fast_read

    f = write(tmp_path / "f.txt", text)
    layout = sniff(f)
    fast = _fast_read(f, layout)
    assert fast is not None  # well-formed: the fast path took it
    pd.testing.assert_frame_equal(fast.frame, _checked_read(f, layout).frame)


def test_encoding_error_is_named(tmp_path: Path) -> None:
    f = write(tmp_path / "gbk.tsv", "用户\t课程\t5\n".encode("gb18030"))
    with pytest.raises(SourceError, match="not UTF-8"):
        read_interactions(f)
