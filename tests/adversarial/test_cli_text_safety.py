"""Text a user or a partner controls prints literally, in messages and in tables.

Rich reads ``[...]`` as markup and ``:name:`` as an emoji code. File contents quoted in an
error, paths, ids, column names and values must come out exactly as written: a ``[/x]``
used to crash ``bench import`` with a MarkupError traceback, ``[rating]`` and ``[a-z]``
vanished from messages and ``:x:`` turned into an emoji.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CliResult, CliRunner, LoadedWorld, write
from tests.ingest.helpers import events_csv, mapping

#: markup-looking and emoji-code text, each of which Rich would have eaten or crashed on
HOSTILE = ("[/x]", "[a-z]", "[rating]", ":x:", "[bold red]")
LANGS = ("en", "zh-CN")


def _flat(text: str) -> str:
    """Output without table borders and line breaks (a long cell may be folded)."""
    return re.sub(r"[\s│┃║|]+", " ", text)


def _assert_literal(res: CliResult, *texts: str) -> None:
    shown = res.out + res.err
    assert "Traceback" not in shown and "MarkupError" not in shown
    assert "❌" not in shown  # ":x:" stays text
    for text in texts:
        assert text in shown or text in _flat(shown), (text, shown)


@pytest.mark.parametrize("lang", LANGS)
def test_bench_import_quotes_a_hostile_first_line_literally(cli: CliRunner, tmp_path: Path,
                                                             lang: str) -> None:
    src = write(tmp_path / "ratings.txt", "u [/x] i :x: [rating] [a-z] [bold red]\n1 2 3\n")
    res = cli("--lang", lang, "bench", "import", src, "--format", "uir", "--name", "b")
    assert res.code == 2
    _assert_literal(res, "u [/x] i :x: [rating] [a-z] [bold red]",
                    "user item [rating] [timestamp]")


@pytest.mark.parametrize("lang", LANGS)
def test_error_messages_quoting_a_path_print_it_literally(cli: CliRunner, tmp_path: Path,
                                                          lang: str) -> None:
    missing = tmp_path / "[bold red]x[/x] [a-z] [rating] :x:.csv"
    res = cli("--lang", lang, "experiment", "analyze", "--from-file", missing,
              "--control", "A", "--metric", "m")
    assert res.code == 2
    said = {"en": f"file {missing} does not exist", "zh-CN": f"文件 {missing} 不存在"}
    _assert_literal(res, said[lang])
    res = cli("--lang", lang, "bench", "import", missing, "--format", "uir", "--name", "b")
    assert res.code == 2
    _assert_literal(res, str(missing))


@pytest.mark.parametrize("lang", LANGS)
def test_experiment_tables_print_variant_and_metric_names_literally(
        cli: CliRunner, tmp_path: Path, lang: str) -> None:
    rows = "".join(f"{'[/x]' if i % 2 else ':x:'},{i % 3 == 0:d}\n" for i in range(400))
    src = write(tmp_path / "exp.csv", "arm,[rating]\n" + rows)
    res = cli("--lang", lang, "experiment", "analyze", "--from-file", src, "--variant-col",
              "arm", "--control", ":x:", "--metric", "[rating]")
    assert res.code == 0, res.err
    _assert_literal(res, "[rating]", "[/x]", ":x:")
    bad = write(tmp_path / "bad.csv", "arm,[a-z]\nA,1\nB,[bold red]\n")
    res = cli("--lang", lang, "experiment", "analyze", "--from-file", bad, "--variant-col",
              "arm", "--control", "A", "--metric", "[a-z]")
    assert res.code == 2
    said = {"en": "metric column '[a-z]' holds '[bold red]', not numbers",
            "zh-CN": "列 '[a-z]' 含有 '[bold red]', 不是数字"}
    _assert_literal(res, said[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_quarantine_show_prints_raw_rows_and_reasons_literally(
        cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.chdir(tmp_path)
    events_csv(tmp_path / "ev[a-z].csv",
               "e1,u1,study,C1,2026-09-01 10:00:00,60000,ios",
               "e2,u2,[bold red]:x:,C[/x],2026-09-01 10:00:00,60000,[rating]")
    res = cli("ingest", "ev[a-z].csv", "--partner", "knowledge", "--kind", "events",
              "--mapping", mapping(tmp_path / "m.yaml"))
    assert res.code == 0, res.err
    res = cli("--lang", lang, "quarantine", "show")
    assert res.code == 0, res.err
    _assert_literal(res, "ev[a-z].csv", "[bold red]:x:", "C[/x]", "[rating]")
    res = cli("--lang", lang, "quarantine", "show", "--source", "[a-z]")
    assert res.code == 0 and "[bold red]:x:" in _flat(res.out)


def test_sql_tables_print_values_and_column_names_literally(
        cli: CliRunner, loaded_world: LoadedWorld) -> None:
    d = ["--data-dir", str(loaded_world.data_dir)]
    values = ", ".join(f"'{t}' AS \"{t} col\"" for t in HOSTILE)
    for lang in LANGS:
        res = cli(*d, "--lang", lang, "sql", f"SELECT {values}", data=False)
        assert res.code == 0, res.err
        _assert_literal(res, *HOSTILE, *(f"{t} col" for t in HOSTILE))


def test_apikey_list_prints_a_hostile_key_name_literally(cli: CliRunner) -> None:
    name = "[bold red]ops:x: [/x] [a-z]"
    made = cli("apikey", "create", "--partner", "game", "--scope", "psi", "--name", name,
               "--json")
    assert made.code == 0, made.err
    for lang in LANGS:
        res = cli("--lang", lang, "apikey", "list")
        assert res.code == 0, res.err
        _assert_literal(res, name)
        assert "\\[" not in res.out  # not escaped for a markup parser that is not there
