"""Commands of privacy and identity: audit, consent, links, psi, release, forget, keys."""

from __future__ import annotations

from typing import Annotated

import typer

from crossplay.cli.i18n import add_messages
from crossplay.cli.output import print_json, stdout, table
from crossplay.cli.state import state
from crossplay.core.errors import ConfigError
from crossplay.core.types import Lang

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

MESSAGES: dict[str, dict[Lang, str]] = {
    "audit.ok": {"en": "Audit log intact: {n} entries, head {seq}:{hash}",
                 "zh-CN": "审计日志完整: 共 {n} 条, 链头 {seq}:{hash}"},
    "audit.bad": {"en": "Audit log TAMPERED: {n} problem(s)",
                  "zh-CN": "审计日志已被篡改: {n} 个问题"},
    "audit.empty": {"en": "The audit log is empty.", "zh-CN": "审计日志为空。"},
}
add_messages(MESSAGES)

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def _parse_head(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise ConfigError("--expect takes SEQ:HASH as printed by `crossplay audit verify`")
    return int(seq), digest


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    expect: Annotated[str | None, typer.Option(
        help="A head SEQ:HASH recorded earlier; detects deleted newest entries.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recompute the hash chain; exit 1 if any entry was edited, deleted or reordered."""
    from crossplay.privacy.audit import verify

    st = state(ctx)
    res = verify(st.settings, expect=_parse_head(expect))
    if as_json:
        print_json(res.as_dict())
    elif res.ok:
        stdout().print(st.msg("audit.ok", n=res.entries, seq=res.head_seq, hash=res.head_hash),
                       highlight=False)
    else:
        stdout().print(st.msg("audit.bad", n=len(res.problems)), highlight=False)
        for p in res.problems:
            stdout().print(f"  - {p}", highlight=False)
    if not res.ok:
        raise typer.Exit(1)


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="The newest N entries.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The newest audit entries (who did what, when, to which pseudonymous subject)."""
    from crossplay.privacy.audit import entries

    st = state(ctx)
    rows = entries(st.settings, action=action, limit=limit)
    if as_json:
        print_json([{"seq": e.seq, "ts": e.ts, "action": e.action, "actor": e.actor,
                     "subject": e.subject, "details": e.details, "hash": e.hash}
                    for e in rows])
        return
    if not rows:
        stdout().print(st.msg("audit.empty"))
        return
    stdout().print(table(None, ["seq", "ts", "action", "actor", "subject", "details"],
                         [(e.seq, e.ts, e.action, e.actor, e.subject or "",
                           ", ".join(f"{k}={v}" for k, v in e.details.items()))
                          for e in rows]))


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


__all__ = ["register"]
