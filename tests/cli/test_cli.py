"""The command line as a user meets it: help, languages, JSON, errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crossplay import __version__
from tests.conftest import CliRunner
from tests.ingest.helpers import events_csv, mapping


def test_help_lists_commands(cli: CliRunner) -> None:
    res = cli("--help", data=False)
    assert res.code == 0
    for command in ("ingest", "sql", "stats", "quarantine", "generate", "demo", "keys", "runs"):
        assert command in res.out
    assert cli("--version", data=False).out.strip() == f"crossplay {__version__}"


def test_chinese_messages(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv", "1,K1,fly,C1,2026-09-01 20:00:00,1,ios")
    m = mapping(tmp_path / "m.yaml")
    res = cli("--lang", "zh-CN", "ingest", src, "--partner", "knowledge", "--kind", "events",
              "--mapping", m)
    assert res.code == 0
    assert "已导入 knowledge 的 events" in res.out
    assert "未知取值" in res.out
    assert "隔离区为空" not in cli("--lang", "zh-CN", "quarantine", "list").out
    bad = cli("--lang", "fr", "stats")
    assert bad.code == 2 and "use en or zh-CN" in bad.err


def test_lang_from_environment(cli: CliRunner, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "数据湖为空" in cli("stats").out


def test_missing_secret_is_a_clear_error(cli: CliRunner, tmp_path: Path,
                                         monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.delenv("CROSSPLAY_KNOWLEDGE_SECRET")
    src = events_csv(tmp_path / "ev.csv", "1,K1,study,C1,2026-09-01 20:00:00,1,ios")
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
              mapping(tmp_path / "m.yaml"))
    assert res.code == 2
    assert "no secret for partner 'knowledge'" in res.err_flat
    made = cli("keys", "init", "--partner", "knowledge", "--json")
    assert made.code == 0
    key_path = Path(made.json()["path"])
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    assert cli("keys", "init", "--partner", "knowledge").code == 2
    res = cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
              mapping(tmp_path / "m.yaml"), "--json")
    assert res.code == 0 and res.json()["accepted"] == 1


def test_placeholder_secret_is_refused(cli: CliRunner, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("CROSSPLAY_GAME_SECRET", "changeme")
    res = cli("stats")
    assert res.code == 2 and "at least 16 characters" in res.err_flat


def test_missing_path_and_usage_errors(cli: CliRunner, tmp_path: Path) -> None:
    res = cli("ingest", tmp_path / "nope.csv", "--partner", "game", "--kind", "events")
    assert res.code == 2 and "does not exist" in res.err_flat
    res = cli("ingest", tmp_path / "nope.csv", "--partner", "nobody", "--kind", "events")
    assert res.code == 2 and "Traceback" not in res.err
    res = cli("quarantine", "show", "--limit", "0")
    assert res.code == 2


def test_runs_and_quarantine_views(cli: CliRunner, tmp_path: Path) -> None:
    src = events_csv(tmp_path / "ev.csv", "1,K1,fly,C1,2026-09-01 20:00:00,1,ios",
                     "2,K1,study,C1,2026-09-01 20:00:00,1,ios")
    cli("ingest", src, "--partner", "knowledge", "--kind", "events", "--mapping",
        mapping(tmp_path / "m.yaml"))
    runs = cli("runs", "--json").json()
    assert len(runs) == 1 and runs[0]["accepted"] == 1 and runs[0]["quarantined"] == 1
    listed = cli("quarantine", "list", "--json").json()
    assert listed == [{"run_id": runs[0]["run_id"], "partner": "knowledge",
                       "table_name": "events", "source": str(src),
                       "reason_code": "unknown_value", "rows": 1}]
    shown = cli("quarantine", "show", "--reason", "unknown_value", "--json").json()
    assert shown[0]["row_number"] == 2
    assert cli("quarantine", "show", "--run", "nope", "--json").json() == []
    assert "fly" in cli("quarantine", "show").out


def test_settings_from_toml_and_env(tmp_path: Path) -> None:
    cfg = tmp_path / "crossplay.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "from-toml"}"\nlang = "zh-CN"\n')
    env = {**os.environ, "CROSSPLAY_CONFIG": str(cfg)}
    code = "from crossplay.cli.app import main; main()"
    out = subprocess.run([sys.executable, "-c", code, "stats"], env=env, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0 and "数据湖为空" in out.stdout
    env["CROSSPLAY_LANG"] = "en"
    env["CROSSPLAY_DATA_DIR"] = str(tmp_path / "from-env")
    out = subprocess.run([sys.executable, "-c", code, "stats"], env=env, capture_output=True,
                         text=True, check=False)
    assert "The lake is empty" in out.stdout
