"""The privacy commands in zh-CN: audit problems and headers, PSI's rejected contacts and
refusals, consent decisions, usage errors; English stays as it was."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from crossplay.cli import i18n
from crossplay.client.psi import psi_refusal
from crossplay.core.errors import CrossplayError
from crossplay.core.settings import Settings
from crossplay.privacy.audit import PROBLEM_TEXTS, engine_for, record, verify
from crossplay.privacy.contacts import parse_contacts, read_contacts
from crossplay.privacy.tables import audit_log
from tests.conftest import CliRunner, write


@pytest.fixture
def catalog() -> dict[str, dict[str, str]]:
    import crossplay.cli.commands_privacy  # noqa: F401  (registers the privacy catalogs)

    return i18n.MESSAGES  # type: ignore[return-value]


def _zh(exc: CrossplayError) -> str:
    i18n.use_language("zh-CN")
    i18n.clear_misses()
    try:
        text = i18n.error_text(exc)
        assert not i18n.misses(), i18n.misses()
        return text
    finally:
        i18n.use_language("en")


def test_every_audit_problem_reads_the_same_in_the_catalog(
        catalog: dict[str, dict[str, str]]) -> None:
    for kind, text in PROBLEM_TEXTS.items():
        entry = catalog[f"audit.problem.{kind}"]
        assert entry["en"] == text, kind
        fields = {"first": 3, "last": 5, "seq": 4, "expected": 9, "head": 7}
        assert entry["zh-CN"].format(**fields) != text.format(**fields), kind


def test_a_tampered_log_is_reported_in_chinese(cli: CliRunner, settings: Settings) -> None:
    for i in range(3):
        record(settings, "consent_change", actor="api", subject=f"knowledge:s{i}")
    with engine_for(settings).begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="someone"))
    assert verify(settings).problems == ["entry 2: content was changed (hash mismatch)"]
    en = cli("audit", "verify", "--expect", "9:" + "0" * 64)
    assert en.code == 1
    assert "  - entry 2: content was changed (hash mismatch)" in en.out
    assert "the expected head 9 is missing: the log ends at 3" in en.out
    zh = cli("--lang", "zh-CN", "audit", "verify", "--expect", "9:" + "0" * 64)
    assert zh.code == 1 and "审计日志已被篡改: 2 个问题" in zh.out
    assert "  - 第 2 条: 内容被修改过 (哈希不符)" in zh.out
    assert "缺少预期的链头 9: 日志止于第 3 条" in zh.out and "entry" not in zh.out
    bad = cli("--lang", "zh-CN", "audit", "verify", "--expect", "nonsense")
    assert bad.code == 2 and "--expect 的格式为 SEQ:HASH" in bad.err_flat


def test_audit_list_headers(cli: CliRunner, settings: Settings) -> None:
    record(settings, "consent_change", actor="api", subject="knowledge:abc")
    zh = cli("--lang", "zh-CN", "audit", "list")
    assert zh.code == 0
    for label in ("序号", "时间", "操作", "执行者", "审计主体", "详情"):
        assert label in zh.out, label
    en = cli("audit", "list")
    assert all(c in en.out for c in ("seq", "action", "actor", "subject", "details"))


def test_every_rejection_reason_has_a_label(catalog: dict[str, dict[str, str]],
                                            settings: Settings, tmp_path: Path) -> None:
    rows = [{"phone": "12", "email": ""}, {"phone": "", "email": "x"},
            {"phone": "", "email": ""}]
    reasons = set(parse_contacts(rows, ["k1", "k2", "k3"]).rejected)
    path = write(tmp_path / "c.csv", "user_id,phone\n,13800138000\n")
    reasons |= set(read_contacts(settings, "knowledge", path).rejected)
    assert reasons == {"bad_phone", "bad_email", "no_contact", "no_user_id"}
    for reason in reasons:
        entry = catalog[f"psi.reject.{reason}"]
        assert entry["en"] == reason and entry["zh-CN"] != reason


def test_psi_finish_names_rejected_contacts(cli: CliRunner, tmp_path: Path) -> None:
    k = write(tmp_path / "k.csv", "user_id,phone\nu1,13800138000\nu2,12\n,13800138002\n")
    g = write(tmp_path / "g.csv", "user_id,phone\nv1,+8613800138000\n")
    assert cli("psi", "request", "--partner", "knowledge", "--contacts", k, "--out",
               tmp_path / "k").code == 0
    assert cli("psi", "respond", "--partner", "game", "--contacts", g, "--request",
               tmp_path / "k" / "request.bin", "--out", tmp_path / "g").code == 0
    args = ("psi", "finish", "--state", tmp_path / "k" / "client-state.json", "--setup",
            tmp_path / "g" / "setup.bin", "--response", tmp_path / "g" / "response.bin")
    zh = cli("--lang", "zh-CN", *args)
    assert zh.code == 0, zh.err
    assert "重合数: 少于 10 (已隐藏)" in zh.out
    assert "被拒绝的联系方式: 手机号无效 1 个, 缺少用户 ID 1 个" in zh.out
    en = cli(*args)
    assert "Rejected contacts: bad_phone=1, no_user_id=1" in en.out


def test_psi_file_errors_in_chinese(cli: CliRunner, tmp_path: Path) -> None:
    res = cli("--lang", "zh-CN", "psi", "request", "--partner", "knowledge", "--contacts",
              tmp_path / "nope.csv", "--out", tmp_path / "o")
    assert res.code == 2 and "错误 (psi_contacts_missing): 联系方式文件" in res.err_flat
    assert "不存在" in res.err_flat
    en = cli("psi", "request", "--partner", "knowledge", "--contacts", tmp_path / "nope.csv",
             "--out", tmp_path / "o")
    assert "cannot read the contact file" in en.err_flat
    assert "No such file or directory" in en.err_flat
    no_header = write(tmp_path / "empty.csv", "")
    res = cli("--lang", "zh-CN", "psi", "request", "--partner", "knowledge", "--contacts",
              no_header, "--out", tmp_path / "o")
    assert res.code == 2 and "该文件没有表头" in res.err_flat
    g = write(tmp_path / "g.csv", "user_id,phone\nv1,13800138000\n")
    bad = write(tmp_path / "request.bin", b"\x00\x01garbage")
    res = cli("--lang", "zh-CN", "psi", "respond", "--partner", "game", "--contacts", g,
              "--request", bad, "--out", tmp_path / "g")
    assert res.code == 2 and "错误 (psi_truncated): PSI 消息不完整 (被截断)" in res.err_flat


def test_an_unknown_mode_is_a_usage_error_in_both_languages(cli: CliRunner,
                                                            tmp_path: Path) -> None:
    k = write(tmp_path / "k.csv", "user_id,phone\nu1,13800138000\n")
    args = ("psi", "request", "--partner", "knowledge", "--contacts", k, "--out",
            tmp_path / "o", "--mode", "everything")
    i18n.clear_misses()
    zh = cli("--lang", "zh-CN", *args)
    assert zh.code == 2 and not i18n.misses()
    assert ("'--mode' 的取值无效: 'everything' 不是可选值之一, 可选值: 'cardinality', "
            "'intersection'") in zh.err_flat
    en = cli(*args)
    assert en.code == 2 and ("Invalid value for '--mode': 'everything' is not one of "
                             "'cardinality', 'intersection'.") in en.err_flat


def test_consent_decision_in_chinese(cli: CliRunner) -> None:
    base = ("consent", "set", "--partner", "game", "--user-key", "d" * 32)
    zh = cli("--lang", "zh-CN", *base, "--purpose", "linking", "--grant")
    assert zh.code == 0 and f"已记录: game 用户 {'d' * 32} 对「账号关联」的决定: 同意" in zh.out
    zh = cli("--lang", "zh-CN", *base, "--purpose", "personalisation", "--refuse")
    assert "对「个性化推荐」的决定: 拒绝" in zh.out
    en = cli(*base, "--purpose", "marketing", "--refuse")
    assert f"Recorded: game user {'d' * 32} marketing = False" in en.out


@pytest.mark.parametrize("response,code,en,zh", [
    (httpx.Response(403, json={"detail": "API key x belongs to game", "code": "same_partner"}),
     "psi_server_refused", "the PSI server refused (403 same_partner): API key x belongs to "
     "game", "PSI 服务端拒绝了请求 (403 same_partner): API key x belongs to game"),
    (httpx.Response(400, json={"detail": "bad sizes"}), "psi_refused",
     "the PSI server refused (400): bad sizes", "PSI 服务端拒绝了请求 (400): bad sizes"),
    (httpx.Response(502, text="Bad Gateway"), "psi_refused",
     "the PSI server refused (502): Bad Gateway", "PSI 服务端拒绝了请求 (502): Bad Gateway"),
])
def test_a_refusal_of_the_other_side_keeps_its_code_in_the_message(
        catalog: dict[str, dict[str, str]], response: httpx.Response, code: str, en: str,
        zh: str) -> None:
    exc = psi_refusal(response)
    assert (exc.code, exc.message) == (code, en)
    assert _zh(exc) == zh
