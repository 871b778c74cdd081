"""The audit log: chained, tamper-evident, safe under concurrent writers (SQLite + PG)."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import update

from crossplay.core.settings import load_settings
from crossplay.privacy.audit import AuditError, engine_for, entries, record, verify
from crossplay.privacy.tables import audit_log


def _fill(url: str, n: int = 5) -> None:
    for i in range(n):
        record(url, "release", actor="knowledge", subject=f"q{i}", details={"i": i, "名": "中文"})


def test_chain_verifies_and_lists(op_db_url: str) -> None:
    _fill(op_db_url)
    res = verify(op_db_url)
    assert res.ok and res.entries == 5 and res.head_seq == 5
    listed = entries(op_db_url)
    assert [e.seq for e in listed] == [1, 2, 3, 4, 5]
    assert listed[0].details == {"i": 0, "名": "中文"}
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(listed))


@pytest.mark.parametrize("field,value", [("actor", "game"), ("details", '{"i": 9}'),
                                         ("ts", "2020-01-01T00:00:00+00:00"),
                                         ("subject", "other")])
def test_edit_is_detected(op_db_url: str, field: str, value: str) -> None:
    _fill(op_db_url)
    with engine_for(op_db_url).begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values({field: value}))
    res = verify(op_db_url)
    assert not res.ok
    assert any("entry 3" in p and "changed" in p for p in res.problems)


def test_edit_with_recomputed_hash_breaks_the_next_link(op_db_url: str) -> None:
    _fill(op_db_url)
    from crossplay.privacy.audit import entry_hash

    e = entries(op_db_url)[2]
    forged = entry_hash(e.seq, e.ts, e.action, "game", e.subject,
                        '{"i": 2, "名": "中文"}', e.prev_hash)
    with engine_for(op_db_url).begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3)
                     .values(actor="game", hash=forged))
    res = verify(op_db_url)
    assert not res.ok and any("entry 4" in p for p in res.problems)


def test_delete_is_detected(op_db_url: str) -> None:
    _fill(op_db_url)
    with engine_for(op_db_url).begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 2))
    res = verify(op_db_url)
    assert not res.ok and any("missing" in p for p in res.problems)


def test_delete_of_newest_is_detected_against_a_kept_head(op_db_url: str) -> None:
    _fill(op_db_url)
    head = verify(op_db_url)
    with engine_for(op_db_url).begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 5))
    assert verify(op_db_url).ok  # a shorter chain is self-consistent ...
    res = verify(op_db_url, expect=(head.head_seq, head.head_hash))
    assert not res.ok  # ... but not against the published head


def test_reorder_is_detected(op_db_url: str) -> None:
    _fill(op_db_url)
    rows = {e.seq: e for e in entries(op_db_url)}
    a, b = rows[2], rows[4]
    with engine_for(op_db_url).begin() as conn:  # swap the two entries' contents
        conn.execute(audit_log.delete().where(audit_log.c.seq.in_([2, 4])))
        for seq, e in ((2, b), (4, a)):
            conn.execute(audit_log.insert().values(
                seq=seq, ts=e.ts, action=e.action, actor=e.actor, subject=e.subject,
                details=__import__("json").dumps(e.details, ensure_ascii=False,
                                                 sort_keys=True),
                prev_hash=e.prev_hash, hash=e.hash))
    res = verify(op_db_url)
    assert not res.ok


def test_concurrent_writers_never_fork(op_db_url: str) -> None:
    engine_for(op_db_url)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(15):
                record(op_db_url, "joint_read", actor=f"t{t}", details={"i": i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    res = verify(op_db_url)
    assert res.ok and res.entries == 90


def test_direct_identifiers_are_refused(op_db_url: str) -> None:
    with pytest.raises(AuditError, match="direct identifiers"):
        record(op_db_url, "forget", actor="cli", details={"phone": "+8613800000000"})


def test_cli_verify_and_list(cli, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=data_dir)
    record(settings, "consent_change", actor="api", subject="knowledge:abc")
    ok = cli("audit", "verify", "--json")
    assert ok.code == 0 and ok.json()["ok"] and ok.json()["entries"] == 1
    listed = cli("audit", "list", "--json")
    assert listed.json()[0]["action"] == "consent_change"
    with engine_for(settings).begin() as conn:
        conn.execute(update(audit_log).values(actor="someone"))
    bad = cli("audit", "verify")
    assert bad.code == 1 and "TAMPERED" in bad.out
    zh = cli("--lang", "zh-CN", "audit", "verify")
    assert zh.code == 1 and "篡改" in zh.out
