"""Any log imports as it is: columns by name or position, row filters, value weights.

Files are written by the tests (no benchmark data ships): a headerless Steam-200k-shaped
``user,"title",behaviour,value,0`` log, the same with a header, a MovieLens-shaped
``ratings.csv``; and hostile input (rows of different widths, a filter column that does
not exist, huge values, non-UTF-8), every refusal coded and translated.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from crossplay.cli import i18n
from crossplay.core.settings import Settings
from crossplay.evaluation.protocols import EvalSplit, with_rows
from crossplay.evaluation.runner import prepare
from crossplay.evaluation.store import load
from tests.conftest import CliRunner, write

#: the public Steam-200k shape: user, "title", purchase|play, hours (1.0 on purchases), 0
STEAM = """\
151603712,"The Elder Scrolls V Skyrim",purchase,1.0,0
151603712,"The Elder Scrolls V Skyrim",play,273.0,0
151603712,"Fallout 4",purchase,1.0,0
151603712,"Fallout 4",play,87.0,0
151603712,"Dota 2",play,14.9,0
187131847,"Dota 2",purchase,1.0,0
187131847,"Dota 2",play,2.3,0
187131847," Dota 2",play,1.0,0
59945701,"Fallout 4",play,58.0,0
59945701,"Dota 2",play,0.2,0
59945701,"Dota 2",play,0.3,0
59945701,"Spore",play,11.0,0
53875128,"Spore",play,1.5,0
53875128,"Dota 2",play,5.0,0
53875128,"Fallout 4",play,10.0,0
11373749,"Spore",purchase,1.0,0
11373749,"Fallout 4",play,4.0,0
11373749,"Dota 2",play,3.0,0
"""
PLAY_ROWS = 14


def steam(tmp_path: Path) -> Path:
    return write(tmp_path / "steam-200k.csv", STEAM)


IMPORT = ("bench", "import")


def test_a_headerless_five_column_log_is_refused_with_the_way_out(cli: CliRunner,
                                                                  tmp_path: Path) -> None:
    f = steam(tmp_path)
    r = cli(*IMPORT, f, "--format", "uir", "--name", "s")
    assert r.code == 2 and "error (bench_header)" in r.err
    assert "--columns user=1,item=2" in r.err_flat
    r = cli(*IMPORT, f, "--format", "uir", "--name", "s", "--no-header")
    assert r.code == 2 and "error (bench_fields)" in r.err
    assert "--columns user=1,item=2,rating=4" in r.err_flat


def test_steam_log_by_position_play_rows_log1p_weights(cli: CliRunner, tmp_path: Path,
                                                       settings: Settings) -> None:
    f = steam(tmp_path)
    r = cli(*IMPORT, f, "--format", "uir", "--name", "steam", "--columns",
            "user=1,item=2,value=4", "--where", "3=play", "--weight", "log1p",
            "--alpha", "40")
    assert r.code == 0, r.err
    assert f"--where kept {PLAY_ROWS} of 18 rows (4 dropped: 3=play)" in r.out
    assert "1 item ids begin or end with spaces" in r.out
    assert "Pair weight: log1p of the summed value column; ALS confidence 1 + 40.0" in r.out
    bench = load(settings, "steam")
    rows = bench.rows
    assert len(rows) == PLAY_ROWS
    # ids keep their exact text: " Dota 2" is not "Dota 2"
    assert {"Dota 2", " Dota 2"} <= set(rows["item"])
    assert rows["item"].nunique() == 5
    assert [rows["user"].iat[0], rows["item"].iat[0], rows["rating"].iat[0]] == [
        "151603712", "The Elder Scrolls V Skyrim", 273.0]
    assert bench.meta["weight"] == {"transform": "log1p", "alpha": 40.0}
    assert bench.meta["filter"] == {"read": 18, "kept": PLAY_ROWS, "dropped": 4,
                                    "where": ["3=play"]}
    assert bench.meta["ids_with_spaces"]["item"] == {"with_spaces": 1, "would_merge": 1}
    # the training matrix holds ln(1 + summed hours) per pair (every row trains here)
    everything = with_rows(rows)
    unseen = everything.iloc[:1].assign(item="Spore")  # a test pair nobody trained on
    split = EvalSplit("provided", everything, unseen)
    prep = prepare(split, weight="log1p")
    item_ids = prep.catalog.frame["item_id"].to_numpy()
    got = {(str(prep.user_ids[u]), str(item_ids[i]).split("\x1f")[1]): float(v)
           for u, i, v in zip(*prep.X.nonzero(), prep.X.data, strict=True)}
    hours = split.train.groupby(["user", "item"])["rating"].sum()
    assert got == pytest.approx({k: math.log1p(v) for k, v in hours.items()}, rel=1e-6)
    assert got[("59945701", "Dota 2")] == pytest.approx(math.log1p(0.5), rel=1e-6)
    out = cli("bench", "run", "steam", "--models", "popularity,als", "--k", "3",
              "--no-tune", "--json").json()
    assert out["config"]["weight"] == "log1p" and out["config"]["alpha"] == 40.0
    als = next(r for r in out["rows"] if r["model"] == "als")
    assert als["params"]["alpha"] == 40.0
    r = cli("bench", "run", "steam", "--models", "popularity", "--k", "3")
    assert "weight=log1p, als.alpha=40.0" in r.out


def test_columns_by_header_name_and_several_values_of_one_column(cli: CliRunner,
                                                                 tmp_path: Path,
                                                                 settings: Settings) -> None:
    f = write(tmp_path / "log.csv", "uid,title,behaviour,hours,flag\n" + STEAM)
    r = cli(*IMPORT, f, "--format", "uir", "--name", "named", "--columns",
            "user=uid,item=title,value=hours", "--where", "behaviour=play", "--where",
            "behaviour=purchase", "--where", "title!=Spore")
    assert r.code == 0, r.err
    rows = load(settings, "named").rows
    assert len(rows) == 18 - 3  # both behaviours kept, the three Spore rows dropped
    assert "Spore" not in set(rows["item"])
    assert load(settings, "named").meta["weight"]["transform"] == "binary"


def test_movielens_like_ratings_as_uir_with_linear_weights(cli: CliRunner,
                                                           tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    lines = ["userId,movieId,rating,timestamp"]
    for u in range(1, 31):
        for j, i in enumerate(rng.choice(40, 8, replace=False)):
            lines.append(f"{u},{i + 1},{rng.integers(1, 11) / 2},{964982703 + j}")
    f = write(tmp_path / "ratings.csv", "\n".join(lines) + "\n")
    r = cli(*IMPORT, f, "--format", "uir", "--name", "ml", "--weight", "linear")
    assert r.code == 0, r.err
    out = cli("bench", "run", "ml", "--protocol", "chrono", "--models", "popularity,als",
              "--json").json()
    assert out["config"]["weight"] == "linear" and out["test_users"] > 0
    binary = cli("bench", "run", "ml", "--protocol", "chrono", "--models", "als",
                 "--weight", "binary", "--json").json()
    assert binary["config"]["weight"] == "binary"
    assert binary["fingerprint"] == out["fingerprint"]  # same rows, other weights


def _rating_rows(n: int) -> str:
    return "".join(f"u{i % 7},i{i % 5},{1 + i % 4}\n" for i in range(n))


#: (file text, extra arguments, error code, English words, Chinese words)
HOSTILE = [
    ("1,a,play,2\n2,b,play\n3,c,play,1\n", ("--columns", "user=1,item=2,value=4"),
     "bench_row_fields", "3 fields where the first line has 4", "有 3 个字段"),
    ("uid,title,behaviour,hours\n1,a,play,2\n", ("--columns", "user=uid,item=title",
                                                "--where", "behavior=play"),
     "bench_column_unknown", "no column 'behavior' in the header (columns: uid, title, "
     "behaviour, hours)", "表头中没有列 'behavior'"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2", "--where", "9=play"),
     "bench_column_position", "column 9 does not exist: the first line has 4 fields",
     "第 9 列不存在"),
    ("1,a,play,2\n2,b,purchase,1\n", ("--columns", "user=1,item=2", "--where", "3=Play"),
     "bench_where_nothing", "no row of", "没有任何行"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2", "--where", "3!=play"),
     "bench_where_empty", "--where keeps no row of", "一行不剩"),
    ("1,a,play,2\n", ("--columns", "user=1"), "bench_columns_need",
     "--columns must say which column holds the item", "--columns 须指明哪一列是 item"),
    ("1,a,play,2\n", ("--columns", "user:1,item:2"), "bench_columns_spec",
     "write ROLE=COLUMN pairs", "请写成以逗号分隔的 ROLE=COLUMN"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2,hours=4"), "bench_columns_role",
     "unknown role 'hours'", "未知角色 'hours'"),
    ("1,a,play,2\n", ("--columns", "user=1,item=1"), "bench_column_shared",
     "column 1 is chosen as user and as item", "同时被指定为 user 和 item"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2", "--where", "play"), "bench_where_spec",
     "write COLUMN=VALUE", "请写成 COLUMN=VALUE"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2,value=4", "--weight", "sqrt"),
     "bench_weight", "unknown weight transform 'sqrt': use binary, linear, log1p",
     "未知权重变换 'sqrt'"),
    ("1,a,play,2\n", ("--columns", "user=1,item=2,value=4", "--alpha", "0"), "bench_alpha",
     "must be a number above 0", "须为大于 0 的数"),
    ("1,a,play,2\n2,b,play,-3\n", ("--columns", "user=1,item=2,value=4", "--weight",
                                   "log1p"),
     "bench_row_negative", "log.csv:2: value '-3' is negative", "值 '-3' 为负"),
    ("1,a,play,2\n2,b,play,\n", ("--columns", "user=1,item=2,value=4", "--weight",
                                 "linear"),
     "bench_row_no_value", "log.csv:2: no value to weigh", "没有可用作权重的值"),
    ("1,a,play\n", ("--columns", "user=1,item=2", "--weight", "linear"),
     "bench_row_no_value", "log.csv:1: no value to weigh", "没有可用作权重的值"),
    ("1,a,play,2\n2,b,play,1e400\n", ("--columns", "user=1,item=2,value=4"),
     "bench_row_finite", "log.csv:2: rating '1e400' is not a finite number",
     "不是有限数"),
    ("1,a,play,2\n2,b,play,-inf\n", ("--columns", "user=1,item=2,value=4"),
     "bench_row_finite", "log.csv:2: rating '-inf' is not a finite number",
     "不是有限数"),
    ("1,a,play,2\n2,b,play,NaN\n", ("--columns", "user=1,item=2,value=4"),
     "bench_row_number", "log.csv:2: rating 'NaN' is not a number", "不是数字"),
    ("1,a,2,99999999999999999999999\n", ("--columns", "user=1,item=2,rating=3,timestamp=4"),
     "bench_row_timestamp_range", "timestamp '99999999999999999999999' does not fit",
     "超出 64 位整数范围"),
    ("1,a,play,2\n 	,b,play,1\n", ("--columns", "user=1,item=2,value=4"),
     "bench_row_no_id", "log.csv:2: no user id", "缺少 user ID"),
    (b"1,a,play,2\n" + "2,王者荣耀,play,1\n".encode("gb18030"),
     ("--columns", "user=1,item=2,value=4"), "bench_encoding", "not UTF-8", "不是 UTF-8"),
    ("uid,title\n1,a\n", ("--no-header", "--columns", "user=uid,item=title"),
     "bench_column_no_header", "column 'uid' is a name, and the file is read without a "
     "header", "按无表头读取"),
]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize(("text", "args", "code", "en", "zh"), HOSTILE,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(HOSTILE)])
def test_hostile_logs_are_refused_with_a_coded_translated_error(
        cli: CliRunner, tmp_path: Path, lang: str, text: str | bytes,
        args: tuple[str, ...], code: str, en: str, zh: str) -> None:
    f = write(tmp_path / "log.csv", text)
    i18n.clear_misses()
    r = cli("--lang", lang, *IMPORT, f, "--format", "uir", "--name", "h", *args)
    assert r.code == 2, r.out
    assert "Traceback" not in r.err
    label = "error" if lang == "en" else "错误"
    assert f"{label} ({code})" in r.err
    assert (en if lang == "en" else zh) in r.err_flat
    assert i18n.misses() == ()
    assert cli("bench", "list", "--json").json() == []  # nothing half-imported


def test_huge_values_are_refused_at_run_not_crashed_on(cli: CliRunner,
                                                       tmp_path: Path) -> None:
    f = write(tmp_path / "big.csv", "".join(
        f"u{i % 13},i{(i // 13) % 11},{10.0 ** (i % 300)}\n" for i in range(300)))
    assert cli(*IMPORT, f, "--format", "uir", "--name", "big").code == 0
    for lang, said in (("en", "--weight linear gives weights up to"),
                       ("zh-CN", "得到的权重最大为")):
        i18n.clear_misses()
        r = cli("--lang", lang, "bench", "run", "big", "--models", "als", "--weight",
                "linear", "--no-tune")
        assert r.code == 2 and "bench_weight_large" in r.err and said in r.err_flat
        assert i18n.misses() == ()
    ok = cli("bench", "run", "big", "--models", "als", "--weight", "log1p", "--no-tune",
             "--json")
    assert ok.code == 0, ok.err
    r = cli("bench", "run", "big", "--models", "popularity", "--weight", "cube")
    assert r.code == 2 and "error (bench_weight)" in r.err


def test_long_ids_and_odd_characters_survive(cli: CliRunner, tmp_path: Path,
                                             settings: Settings) -> None:
    long_id = "x" * 5000
    text = (f'1\t{long_id}\t3\n2\t"quoted"\t4\n3\t[/bold] Dota\t5\n'
            "4\tpipe|and,comma\t1\n1\tpipe|and,comma\t2\n2\t[/bold] Dota\t2\n")
    f = write(tmp_path / "odd.tsv", text)
    r = cli(*IMPORT, f, "--format", "uir", "--name", "odd")
    assert r.code == 0, r.err
    items = set(load(settings, "odd").rows["item"])
    assert items == {long_id, '"quoted"', "[/bold] Dota", "pipe|and,comma"}
    assert cli("bench", "run", "odd", "--models", "popularity", "--no-tune").code == 0


def test_the_same_log_through_the_lake_with_the_headerless_mapping(cli: CliRunner,
                                                                   tmp_path: Path) -> None:
    """docs/real-data.md: Steam-200k ingests unedited with ``header: false``."""
    mapping = Path(__file__).resolve().parents[2] / "docs" / "examples" / "recommend" / \
        "play-hours-raw.yaml"
    f = write(tmp_path / "steam-200k.csv", STEAM + '1,"Dota 2",play\n')
    r = cli("ingest", f, "--partner", "game", "--kind", "events", "--mapping", mapping,
            "--json")
    assert r.code == 0, r.err
    assert r.json()["accepted"] == 18 and r.json()["quarantined"] == 1
    rows = cli("sql", "SELECT row_number, reason_code FROM quarantine", "--json").json()
    assert rows == [{"row_number": 19, "reason_code": "wrong_field_count"}]
    items = cli("sql", "SELECT DISTINCT item_id FROM events WHERE item_id LIKE '%Dota 2'",
                "--json").json()
    assert sorted(i["item_id"] for i in items) == [" Dota 2", "Dota 2"]
