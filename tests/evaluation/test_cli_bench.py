"""``crossplay bench`` as a user meets it: import, list, run, generate, errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from crossplay.evaluation.fingerprint import digest
from crossplay.evaluation.formats import import_path
from crossplay.evaluation.protocols import stratified, with_rows
from tests.conftest import CliRunner, write


def movielens_like(path: Path, users: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = []
    for u in range(1, users + 1):
        for j, i in enumerate(rng.choice(60, 12, replace=False)):
            lines.append(f"{u}\t{i + 1}\t{rng.integers(1, 6)}\t{880000000 + 60 * j}")
    return write(path / "u.data", "\n".join(lines) + "\n")


def test_import_list_run_table(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    r = cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    assert r.code == 0, r.err
    assert "Imported benchmark ml (movielens): 480 rows, 40 users, " in r.out
    listed = cli("bench", "list", "--json").json()
    assert [b["name"] for b in listed] == ["ml"] and listed[0]["has_timestamp"]
    r = cli("bench", "run", "ml", "--protocol", "stratified", "--models", "popularity,als",
            "--k", "5", "--no-tune")
    assert r.code == 0, r.err
    for col in ("P@5", "R@5", "NDCG@5", "MAP@5", "HR@5", "fit s", "±"):
        assert col in r.out
    assert "protocol stratified (ratio=0.75, seed=42)" in r.out
    assert "Split fingerprint" in r.out


def test_run_json_fingerprint_matches_the_documented_split(cli: CliRunner,
                                                           tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    out = cli("bench", "run", "ml", "--models", "item_knn", "--k", "10", "--json",
              "--write-split", tmp_path / "split").json()
    rows = with_rows(import_path(tmp_path / "ml", "movielens"))
    s = stratified(rows, 0.75, 42)
    assert out["fingerprint"]["train"] == digest(s.train)
    assert out["fingerprint"]["test"] == digest(s.test)
    assert out["fingerprint"]["train_rows"] == len(s.train)
    row = out["rows"][0]
    assert row["tuning"]["select_by"] == "ndcg@10" and len(row["tuning"]["tried"]) == 8
    assert set(row) >= {"precision", "recall", "ndcg", "map", "hit", "fit_s",
                        "fit_peak_mb"}
    lines = (tmp_path / "split" / "test.tsv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(s.test)
    again = cli("bench", "run", "ml", "--models", "item_knn", "--json").json()
    assert again["fingerprint"] == out["fingerprint"]
    assert again["rows"][0]["ndcg"] == row["ndcg"]


def test_markdown_and_sampled_label(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    r = cli("bench", "run", "ml", "--protocol", "loo", "--models", "popularity",
            "--sampled", "20", "--markdown")
    assert r.code == 0, r.err
    assert r.out.startswith("| model | P@10 |")
    r = cli("bench", "run", "ml", "--protocol", "loo", "--models", "popularity",
            "--sampled", "20")
    assert "SAMPLED (20 negatives per user)" in r.out


def test_chinese_messages(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    r = cli("--lang", "zh-CN", "bench", "import", tmp_path / "ml", "--format", "movielens",
            "--name", "ml")
    assert "已导入基准数据集 ml" in r.out
    r = cli("--lang", "zh-CN", "bench", "run", "ml", "--models", "popularity")
    assert "切分指纹" in r.out and "用户均值 ± 标准误" in r.out


@pytest.mark.parametrize(("args", "match"), [
    (("bench", "run", "nope"), "no benchmark 'nope'"),
    (("bench", "import", "missing-dir", "--format", "movielens", "--name", "x"),
     "holds none of|does not exist"),
    (("bench", "import", ".", "--format", "csv", "--name", "x"), "unknown format 'csv'"),
    (("bench", "import", ".", "--format", "uir", "--name", "../up"), "benchmark name"),
])
def test_errors_exit_2_with_a_message(cli: CliRunner, args: tuple[str, ...],
                                      match: str) -> None:
    r = cli(*args)
    assert r.code == 2
    assert re.search(match, r.err_flat)


def test_bad_file_names_the_line(cli: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "r.tsv", "1\t2\t5\n1\t3\tfive\n")
    r = cli("bench", "import", f, "--format", "uir", "--name", "r")
    assert r.code == 2 and "r.tsv:2: rating 'five' is not a number" in r.err_flat
    assert cli("bench", "list", "--json").json() == []


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_first_line_that_looks_like_markup_is_quoted_literally(cli: CliRunner,
                                                                 tmp_path: Path,
                                                                 lang: str) -> None:
    """``[/x]`` in the quoted header used to end in a Rich MarkupError traceback."""
    f = write(tmp_path / "r.txt", "who [/x] what :x: [rating]\n1 2 3\n")
    r = cli("--lang", lang, "bench", "import", f, "--format", "uir", "--name", "r")
    assert r.code == 2 and "Traceback" not in r.err
    said = {"en": "the header 'who [/x] what :x: [rating]' names no user column",
            "zh-CN": "表头 'who [/x] what :x: [rating]' 中没有 user 列"}
    assert said[lang] in r.err_flat
    assert "user item [rating] [timestamp]" in r.err_flat


def test_run_refuses_models_without_item_text(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    r = cli("bench", "run", "ml", "--models", "content")
    assert r.code == 2 and "needs item text" in r.err_flat
    r = cli("bench", "run", "ml", "--protocol", "provided")
    assert r.code == 2 and "ships no train/test files" in r.err_flat
    r = cli("bench", "run", "ml", "--param", "als:factors")
    assert r.code == 2 and "MODEL.NAME=VALUE" in r.err_flat


def test_import_refuses_to_overwrite(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    args = ("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    assert cli(*args).code == 0
    r = cli(*args)
    assert r.code == 2 and "--replace" in r.err_flat
    assert cli(*args, "--replace").code == 0


@pytest.mark.slow
def test_generated_world_folder_end_to_end(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cdr"
    g = cli("bench", "generate", out, "--people", "600", "--json")
    assert g.code == 0, g.err
    doms = g.json()["domains"]
    assert set(doms) == {"knowledge", "game", "stream"}
    assert (out / "knowledge" / "test.tsv").is_file()
    r = cli("bench", "import", out, "--format", "cdr-folder", "--name", "w", "--json")
    meta = r.json()
    assert meta["domains"] == ["game", "knowledge", "stream"] and meta["provided_split"]
    assert meta["by_domain_split"]["knowledge"]["test"] == doms["knowledge"]["test"]
    res = cli("bench", "run", "w", "--protocol", "cold", "--target", "knowledge",
              "--models", "popularity,emcdr", "--json").json()
    assert res["protocol"] == "cold" and res["target"] == "knowledge"
    assert 0 < res["candidates"] <= doms["knowledge"]["items"]
    assert {r["model"] for r in res["rows"]} == {"popularity", "emcdr"}
    prov = cli("bench", "run", "w", "--protocol", "provided", "--target", "knowledge",
               "--models", "popularity", "--json").json()
    assert prov["test_rows"] == doms["knowledge"]["test"]


def test_demo_step_on_the_demo_world(settings: object, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    from crossplay.cli.commands_bench import demo_step
    from crossplay.cli.i18n import Messages
    from crossplay.cli.state import State
    from crossplay.core.settings import Settings
    from crossplay.synth import WorldConfig, generate_world

    assert isinstance(settings, Settings)
    st = State(settings=settings, msg=Messages("en"))
    assert demo_step(st, False) == {"skipped": "no world"}
    generate_world(WorldConfig(people=600, days=30, seed=7), settings.data_dir / "world")
    out = demo_step(st, False)
    printed = capsys.readouterr().out
    assert "protocol cold" in printed and "Split fingerprint" in printed
    assert set(out["ndcg@10"]) == {"popularity", "als", "emcdr"}
    again = demo_step(st, True)  # re-runnable: same world, same split
    assert again["fingerprint"] == out["fingerprint"]


def test_provided_split_trains_and_tests_on_exactly_the_files_rows(
        cli: CliRunner, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    d = tmp_path / "given"
    parts = {}
    for split, n in (("train", 300), ("valid", 40), ("test", 60)):
        lines = [f"u{rng.integers(0, 30)}\ti{rng.integers(0, 50)}\t{rng.integers(1, 6)}\t"
                 f"{rng.integers(10**9, 2 * 10**9)}" for _ in range(n)]
        parts[split] = lines
        write(d / f"{split}.tsv", "\n".join(lines) + "\n")
    assert cli("bench", "import", d, "--format", "uir", "--name", "g").code == 0
    out = cli("bench", "run", "g", "--protocol", "provided", "--models", "popularity,als",
              "--json", "--write-split", tmp_path / "used").json()
    for split in ("train", "test"):
        written = (tmp_path / "used" / f"{split}.tsv").read_text(encoding="utf-8")
        expected = sorted(
            ("main\t" + "\t".join([u, i, f"{float(r):.6f}", t])).encode("utf-8")
            for u, i, r, t in (line.split("\t") for line in parts[split]))
        assert written.encode("utf-8") == b"".join(x + b"\n" for x in expected)
    assert out["train_rows"] == 300 and out["test_rows"] == 60
    als = next(r for r in out["rows"] if r["model"] == "als")
    assert als["tuning"]["valid"]["valid_rows"] == 40  # the valid file, not test


def test_list_when_empty_and_remove(cli: CliRunner, tmp_path: Path) -> None:
    assert "No benchmark imported yet" in cli("bench", "list").out
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    assert cli("bench", "remove", "ml").code == 0
    assert cli("bench", "list", "--json").json() == []
    r = cli("bench", "remove", "ml")
    assert r.code == 2 and "no benchmark 'ml'" in r.err_flat


def test_default_protocol_follows_the_benchmark(cli: CliRunner, tmp_path: Path) -> None:
    movielens_like(tmp_path / "ml")
    cli("bench", "import", tmp_path / "ml", "--format", "movielens", "--name", "ml")
    assert cli("bench", "run", "ml", "--models", "popularity", "--json"
               ).json()["protocol"] == "stratified"
    write(tmp_path / "s" / "train.txt", "u1 a\nu1 b\nu2 a\nu2 c\n")
    write(tmp_path / "s" / "test.txt", "u1 c\nu2 b\n")
    cli("bench", "import", tmp_path / "s", "--format", "uir", "--name", "s")
    out = cli("bench", "run", "s", "--models", "popularity", "--json").json()
    assert out["protocol"] == "provided" and out["test_rows"] == 2
