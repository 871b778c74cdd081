"""The mining step of ``crossplay demo`` on the shared world: short, readable, fast."""

from __future__ import annotations

import time

import pytest

from crossplay.cli.commands_mining import demo_step
from crossplay.cli.i18n import Messages
from crossplay.cli.state import State
from tests.conftest import LoadedWorld


@pytest.mark.parametrize("lang", ["zh-CN"])
def test_demo_step_prints_rules_segments_streamers(fresh_world: LoadedWorld, lang: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    st = State(settings=fresh_world.settings(), msg=Messages(lang))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    summary = demo_step(st, False)
    assert time.perf_counter() - t0 < 60  # ~10 s alone; CI machines are shared
    out = capsys.readouterr().out
    heads = (("Top cross-domain rules", "Segments", "Top streamers") if lang == "en"
             else ("跨域关联规则", "用户分群", "触达分群"))
    for h in heads:
        assert h in out
    assert summary["segments"]["k"] >= 3 and len(summary["streamers"]["top"]) == 3
    assert all(r["lift"] >= 1 for r in summary["rules"].get("top", []))
    assert len(out.splitlines()) < 30
