"""A process killed (SIGKILL) while its group is written but not committed leaves nothing
of the group: PostgreSQL rolls the whole transaction back, and a rerun writes it once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crossplay.campaigns import tables as t
from crossplay.campaigns.invariants import violations
from crossplay.campaigns.ledger import Ledger
from crossplay.opdb import ensure_schema, get_engine

NOW = 1_788_192_000_000_000

#: writes a group of 40 earns, then stops before its commit until it is killed
_WORKER = """
import sys, time
from pathlib import Path
from crossplay.campaigns import group_commit as g
from crossplay.campaigns.ledger import Ledger
from crossplay.opdb import get_engine

url, marker = sys.argv[1], Path(sys.argv[2])
write_rows = g._write_rows

def stall(*args, **kwargs):
    write_rows(*args, **kwargs)
    marker.write_text("written, not committed")
    time.sleep(120)

g._write_rows = stall
ledger = Ledger(get_engine(url), clock=lambda: NOW, group_commit=True)
reqs = [ledger.earn_request(f"crash-{i}", f"p{i % 7}", "CPP", 5) for i in range(40)]
g.write_group(ledger.engine, [g.item_of(r, NOW) for r in reqs])
""".replace("NOW", str(NOW))


@pytest.mark.slow
def test_kill_9_mid_group_leaves_nothing_and_a_rerun_writes_it_once(
        pg_url: str, tmp_path: Path) -> None:
    engine = get_engine(pg_url)
    ensure_schema(engine)
    ledger = Ledger(engine, clock=lambda: NOW, group_commit=True)
    ledger.earn("before", "p0", "CPP", 11)
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, pg_url, str(marker)], env=env)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert proc.poll() is None, "the worker ended before writing its group"
            assert time.monotonic() < deadline, "the worker never wrote its group"
            time.sleep(0.05)
        with engine.connect() as con:  # written, uncommitted: invisible
            assert con.execute(select(func.count()).select_from(t.transactions)).scalar() == 1
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:  # pragma: no cover - only if an assertion above failed
            proc.kill()
            proc.wait()
    with engine.connect() as con:
        keys = con.execute(select(t.transactions.c.idem_key)).scalars().all()
        postings = con.execute(select(func.count()).select_from(t.postings)).scalar()
    assert keys == ["before"] and postings == 2
    assert violations(engine) == []
    results = [ledger.earn(f"crash-{i}", f"p{i % 7}", "CPP", 5) for i in range(40)]
    assert not any(r.replayed for r in results)
    assert sum(ledger.balance(f"p{i}", "CPP") for i in range(7)) == 11 + 40 * 5
    assert violations(engine) == []
