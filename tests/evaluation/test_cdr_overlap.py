"""Cross-domain folders with partial overlap, roots of several pairs, unsplit domains.

The folders are written here: two domains whose ids 1..12 occur in both, of which only
some are the same person; the import must merge exactly the persons the rule or map
says, warn loudly (and keep the warning) when it merely assumes, and the ``cold``
protocol must then count only those persons as overlap users.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from crossplay.cli import i18n
from crossplay.core.settings import Settings
from crossplay.evaluation.store import load
from tests.conftest import CliRunner, write

USERS = 12


def domain_rows(domain: str, users: list[str], seed: int) -> str:
    rng = np.random.default_rng(seed)
    return "".join(f"{u}\t{domain[0]}{i}\t{rng.integers(1, 6)}\n"
                   for u in users for i in rng.choice(15, 4, replace=False))


def unsplit_root(root: Path, movies_users: list[str] | None = None) -> Path:
    """``root/books/ratings.tsv`` and ``root/movies/ratings.tsv``, no split files."""
    ids = [str(u) for u in range(1, USERS + 1)]
    write(root / "books" / "ratings.tsv", domain_rows("books", ids, 1))
    write(root / "movies" / "ratings.tsv", domain_rows("movies", movies_users or ids, 2))
    return root


def run_cold(cli: CliRunner, name: str, *extra: str) -> dict[str, object]:
    r = cli("bench", "run", name, "--protocol", "cold", "--target", "books", "--models",
            "popularity", "--fraction", "0.5", "--json", *extra)
    assert r.code == 0, r.err
    out: dict[str, object] = r.json()
    return out


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_assumed_overlap_warns_loudly_and_keeps_the_warning(cli: CliRunner, tmp_path: Path,
                                                            settings: Settings,
                                                            lang: str) -> None:
    root = unsplit_root(tmp_path / "cdr")
    said = {"en": "WARNING: user ids are ASSUMED to be the same person in every domain: "
                  "12 ids occur in two or more of books, movies",
            "zh-CN": "警告: 假定各领域中相同的用户 ID 是同一个人: 有 12 个 ID"}[lang]
    i18n.clear_misses()
    r = cli("--lang", lang, "bench", "import", root, "--format", "cdr-folder", "--name",
            "c")
    assert r.code == 0, r.err
    assert said in r.err_flat
    meta = load(settings, "c").meta
    assert meta["warnings"][0]["key"] == "bench.warn.overlap_assumed"
    assert meta["overlap"]["assumed"] and meta["overlap"]["persons_in_several_domains"] == 12
    r = cli("--lang", lang, "bench", "run", "c", "--protocol", "cold", "--target", "books",
            "--models", "popularity")
    assert r.code == 0, r.err
    assert said in r.err_flat  # bench run repeats it
    assert i18n.misses() == ()
    out = run_cold(cli, "c")
    assert out["warnings"] == meta["warnings"]
    saved = json.loads(Path(str(out["saved"])).read_text(encoding="utf-8"))
    assert saved["warnings"] == meta["warnings"]
    assert out["protocol_params"]["overlap_users"] == USERS  # type: ignore[index]


def test_ids_below_n_are_the_shared_persons(cli: CliRunner, tmp_path: Path,
                                           settings: Settings) -> None:
    root = unsplit_root(tmp_path / "cdr")
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "p",
            "--overlap", "below:7")
    assert r.code == 0, r.err
    assert "WARNING" not in r.err
    assert ("Overlap below:7: 6 persons have rows in two or more domains (12 user ids "
            "occur in several domains; 12 domain-local ids are written <id>@<domain>)"
            in r.out)
    rows = load(settings, "p").rows
    books = set(rows.loc[rows["domain"] == "books", "user"])
    assert books == {str(u) for u in range(1, 7)} | {f"{u}@books" for u in range(7, 13)}
    assert load(settings, "p").meta["warnings"] == []
    out = run_cold(cli, "p")
    assert out["warnings"] == []
    assert out["protocol_params"]["overlap_users"] == 6  # type: ignore[index]
    # the written split says who is who
    cli("bench", "run", "p", "--protocol", "cold", "--target", "books", "--models",
        "popularity", "--write-split", tmp_path / "split")
    train = (tmp_path / "split" / "train.tsv").read_text(encoding="utf-8")
    assert "movies\t12@movies\t" in train and "books\t3\t" in train


def test_none_declared_and_all_declared(cli: CliRunner, tmp_path: Path) -> None:
    root = unsplit_root(tmp_path / "cdr")
    assert cli("bench", "import", root, "--format", "cdr-folder", "--name", "n",
               "--overlap", "none").code == 0
    r = cli("bench", "run", "n", "--protocol", "cold", "--target", "books")
    assert r.code == 2 and "error (bench_overlap)" in r.err
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "a",
            "--overlap", "all")
    assert r.code == 0 and "WARNING" not in r.err
    assert "Overlap all (declared): 12 persons" in r.out


def test_a_map_of_shared_ids_and_a_map_of_pairs(cli: CliRunner, tmp_path: Path,
                                               settings: Settings) -> None:
    root = unsplit_root(tmp_path / "cdr")
    ids = write(tmp_path / "shared.txt", "1\n2\n3\n")
    assert cli("bench", "import", root, "--format", "cdr-folder", "--name", "m1",
               "--overlap", f"map:{ids}").code == 0
    assert run_cold(cli, "m1")["protocol_params"]["overlap_users"] == 3  # type: ignore[index]
    # movies users are m1..m12; the map pairs books 1..5 with movies m1..m5
    other = unsplit_root(tmp_path / "cdr2", [f"m{u}" for u in range(1, USERS + 1)])
    pairs = write(tmp_path / "pairs.csv",
                  "books,movies\n" + "".join(f"{u},m{u}\n" for u in range(1, 6)))
    r = cli("bench", "import", other, "--format", "cdr-folder", "--name", "m2",
            "--overlap", f"map:{pairs}")
    assert r.code == 0, r.err
    rows = load(settings, "m2").rows
    movies = set(rows.loc[rows["domain"] == "movies", "user"])
    assert {"1", "5", "m6@movies"} <= movies and "m1@movies" not in movies
    assert run_cold(cli, "m2")["protocol_params"]["overlap_users"] == 5  # type: ignore[index]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_overlap_errors_are_coded_and_translated(cli: CliRunner, tmp_path: Path,
                                                 lang: str) -> None:
    root = unsplit_root(tmp_path / "cdr")
    bad_map = write(tmp_path / "bad.csv", "books,music\n1,1\n")
    twice = write(tmp_path / "twice.csv", "books,movies\n1,1\n1,2\n")
    write(tmp_path / "clash" / "books" / "r.tsv", "5\tb1\n6\tb2\n")
    write(tmp_path / "clash" / "movies" / "r.tsv", "5@books\tm1\n6\tm2\n")
    clash_map = write(tmp_path / "clash.txt", "5@books\n6\n")
    cases = [
        ((root, "--overlap", "some"), "bench_overlap_spec"),
        ((root, "--overlap", "below:x"), "bench_overlap_spec"),
        ((root, "--overlap", f"map:{tmp_path / 'nope.txt'}"), "bench_overlap_file"),
        ((root, "--overlap", f"map:{bad_map}"), "bench_overlap_map_header"),
        ((root, "--overlap", f"map:{twice}"), "bench_overlap_map_twice"),
        ((tmp_path / "clash", "--overlap", f"map:{clash_map}"), "bench_overlap_collision"),
        ((root, "--pair", "x"), "bench_pair_single"),
    ]
    for args, code in cases:
        i18n.clear_misses()
        r = cli("--lang", lang, "bench", "import", args[0], "--format", "cdr-folder",
                "--name", "e", *args[1:])
        assert r.code == 2, (code, r.out)
        assert f"({code})" in r.err and "Traceback" not in r.err
        assert i18n.misses() == (), code
    f = write(tmp_path / "one.tsv", "1\ta\n")
    r = cli("--lang", lang, "bench", "import", f, "--format", "uir", "--name", "e",
            "--overlap", "all")
    assert r.code == 2 and "(bench_overlap_format)" in r.err
    assert cli("bench", "list", "--json").json() == []


def pair_root(root: Path) -> Path:
    """``root/<pair>/<domain>_{train,test}.tsv`` for two pairs sharing the movie domain."""
    for pair in ("book_movie", "movie_music"):
        for domain in pair.split("_"):
            for split in ("train", "test"):
                write(root / pair / f"{domain}_{split}.tsv",
                      "".join(f"{u}\t{domain}{(u + len(split)) % 7}\n" for u in range(9)))
    return root


def test_a_root_of_pairs_imports_as_pairs(cli: CliRunner, tmp_path: Path) -> None:
    root = pair_root(tmp_path / "amazon")
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "am",
            "--overlap", "all", "--json")
    assert r.code == 0, r.err
    metas = r.json()
    assert [(m["name"], m["domains"], m["pair"]) for m in metas] == [
        ("am-book_movie", ["book", "movie"], "book_movie"),
        ("am-movie_music", ["movie", "music"], "movie_music")]
    one = cli("bench", "import", root, "--format", "cdr-folder", "--name", "mm",
              "--overlap", "all", "--pair", "movie_music", "--json").json()
    assert one["name"] == "mm" and one["domains"] == ["movie", "music"]
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "x", "--pair",
            "book_music")
    assert r.code == 2 and "(bench_pair_unknown)" in r.err
    assert "book_movie, movie_music" in r.err_flat
    out = cli("bench", "run", "am-book_movie", "--protocol", "provided", "--target",
              "book", "--models", "popularity", "--json").json()
    assert out["test_rows"] == 9
    write(root / "stray" / "train.tsv", "1\ta\n")
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "y")
    assert r.code == 2 and "(bench_pairs_mixed)" in r.err


def test_an_unsplit_domain_next_to_a_split_one(cli: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    ids = [str(u) for u in range(1, USERS + 1)]
    write(root / "books" / "books.inter", "user_id:token\titem_id:token\n"
          + "".join(line.rsplit("\t", 1)[0] + "\n"
                    for line in domain_rows("books", ids, 3).splitlines()))
    write(root / "books" / "books.item", "item_id:token\ttitle:token_seq\nb1\tx\n")
    write(root / "movies" / "train.tsv", domain_rows("movies", ids, 4))
    write(root / "movies" / "test.tsv", domain_rows("movies", ids[:6], 5))
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "mx",
            "--overlap", "all", "--json")
    assert r.code == 0, r.err
    meta = r.json()
    assert meta["by_domain_split"] == {"books": {"all": 48},
                                       "movies": {"test": 24, "train": 48}}
    cold = run_cold(cli, "mx")
    assert cold["protocol_params"]["overlap_users"] == USERS  # type: ignore[index]
    prov = cli("bench", "run", "mx", "--protocol", "provided", "--target", "movies",
               "--models", "popularity", "--json").json()
    assert prov["train_rows"] == 48 + 48 and prov["test_rows"] == 24  # books rows train
    write(root / "books" / "extra.csv", "1,b1\n")
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "mx2")
    assert r.code == 0, r.err  # the one .inter file is still the domain's
    write(tmp_path / "two" / "a" / "x.csv", "1,a\n")
    write(tmp_path / "two" / "a" / "y.csv", "1,b\n")
    write(tmp_path / "two" / "b" / "x.csv", "1,c\n")
    r = cli("bench", "import", tmp_path / "two", "--format", "cdr-folder", "--name", "t")
    assert r.code == 2 and "(bench_domain_files)" in r.err


def test_one_file_per_domain_directly_in_the_folder(cli: CliRunner, tmp_path: Path,
                                                    settings: Settings) -> None:
    root = tmp_path / "flat"
    write(root / "books.tsv", "1\tb1\n2\tb2\n3\tb1\n")
    write(root / "movies.tsv", "1\tm1\n2\tm2\n4\tm1\n")
    write(root / "README.txt", "not data, skipped\n")
    r = cli("bench", "import", root, "--format", "cdr-folder", "--name", "flat",
            "--overlap", "below:3")
    assert r.code == 0, r.err
    meta = load(settings, "flat").meta
    assert meta["domains"] == ["books", "movies"]
    assert meta["overlap"]["persons_in_several_domains"] == 2
