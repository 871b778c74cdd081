"""``crossplay scheduler run`` and ``crossplay jobs``: the recurring jobs (docs/operations.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer

from crossplay.cli.i18n import Messages, add_messages, coded_text
from crossplay.cli.output import print_json, stderr, stdout, table
from crossplay.cli.state import state
from crossplay.core import clock
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "ops.job.points_expiry": {"en": "points expiry (ledger lots past their expiry)",
                              "zh-CN": "积分过期 (已过期的积分批次)"},
    "ops.job.profile_refresh": {"en": "incremental joint-profile refresh",
                                "zh-CN": "联合画像增量刷新"},
    "ops.job.model_retrain": {"en": "recommender retraining (a new model bundle)",
                              "zh-CN": "推荐模型重新训练 (新的模型包)"},
    "ops.job.lake_compaction": {"en": "lake compaction (small files merged per partition)",
                                "zh-CN": "数据湖合并小文件 (按分区合并)"},
    "ops.status.never": {"en": "never run", "zh-CN": "从未运行"},
    "ops.status.running": {"en": "running", "zh-CN": "运行中"},
    "ops.status.interrupted": {"en": "interrupted (its process died)",
                               "zh-CN": "已中断 (进程已退出)"},
    "ops.status.ok": {"en": "ok", "zh-CN": "成功"},
    "ops.status.failed": {"en": "failed", "zh-CN": "失败"},
    "ops.status.skipped": {"en": "skipped (running in another scheduler)",
                           "zh-CN": "已跳过 (另一个调度器正在运行它)"},
    "ops.unchanged": {"en": "inputs unchanged: nothing to do",
                      "zh-CN": "输入未变: 无需处理"},
    "ops.unexpected": {"en": "unexpected error (see the scheduler's log): {error}",
                       "zh-CN": "意外错误 (请查看调度器日志): {error}"},
    "ops.col.job": {"en": "job", "zh-CN": "任务"},
    "ops.col.what": {"en": "what it does", "zh-CN": "内容"},
    "ops.col.schedule": {"en": "schedule (UTC)", "zh-CN": "计划 (UTC)"},
    "ops.col.last": {"en": "last run", "zh-CN": "上次运行"},
    "ops.col.outcome": {"en": "outcome", "zh-CN": "结果"},
    "ops.col.detail": {"en": "detail", "zh-CN": "详情"},
    "ops.col.next": {"en": "next run", "zh-CN": "下次运行"},
    "ops.title": {"en": "Recurring jobs (as of {now})", "zh-CN": "定时任务 (截至 {now})"},
    "ops.ran": {"en": "{job}: {outcome} ({seconds:.2f} s) {detail}",
                "zh-CN": "{job}: {outcome} ({seconds:.2f} 秒) {detail}"},
    "ops.started": {
        "en": "Scheduler running ({n} jobs, times in UTC); Ctrl-C stops it. Next: {next}",
        "zh-CN": "调度器已启动 ({n} 个任务, 时间为 UTC); 按 Ctrl-C 停止。接下来: {next}"},
    "ops.stopped": {"en": "The scheduler stopped.", "zh-CN": "调度器已停止。"},
    "err.ops_unknown_job": {"en": "unknown job {job!r}: the jobs are {jobs}",
                            "zh-CN": "未知的任务 {job!r}: 可用的任务为 {jobs}"},
    "err.ops_bad_cron": {
        "en": "{expression!r} is not a cron expression (minute hour day month weekday, e.g. "
              "'5 * * * *'): {detail}",
        "zh-CN": "{expression!r} 不是 cron 表达式 (分 时 日 月 星期, 例如 '5 * * * *'): "
                 "{detail}"},
}
add_messages(MESSAGES)

scheduler_app = typer.Typer(help="Run the recurring jobs on their schedules.",
                            no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _iso(value: Any) -> Any:
    """Datetimes as ISO-8601 text, everywhere in a JSON-able value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _when(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M:%S")


def _detail(msg: Messages, detail: dict[str, Any]) -> str:
    if detail.get("unchanged"):
        return msg("ops.unchanged")
    if "error" in detail:  # a failed run: the error in the reader's language when known
        code, error = str(detail.get("code", "unexpected")), str(detail["error"])
        if code == "unexpected":
            return msg("ops.unexpected", error=error)
        params = detail.get("params")
        return f"({code}) " + coded_text(code, params if isinstance(params, dict) else {},
                                         error, __name__, msg.lang)
    return ", ".join(f"{k}={v}" for k, v in sorted(detail.items()) if k != "inputs")


@scheduler_app.command("run")
def scheduler_run(
    ctx: typer.Context,
    once: Annotated[list[str] | None, typer.Option(
        "--once", help="Run this job now, once, and exit (repeatable; 'all' runs every "
                       "job).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the jobs on their schedules until stopped, or with --once run some now."""
    from crossplay.opdb import ensure_schema, get_engine
    from crossplay.ops.jobs import JOB_NAMES, get_job
    from crossplay.ops.runner import build_scheduler, run_job

    st = state(ctx)
    engine = get_engine(st.settings)
    ensure_schema(engine)
    if once:
        names = list(JOB_NAMES) if "all" in once else list(dict.fromkeys(once))
        jobs = [get_job(n) for n in names]  # every name checked before any job runs
        done = [run_job(st.settings, engine, job) for job in jobs]
        if as_json:
            print_json(_iso([asdict(r) for r in done]))
        else:
            for r in done:
                took = ((r.finished_at or r.started_at) - r.started_at).total_seconds()
                stdout().print(st.msg("ops.ran", job=r.job, outcome=st.msg(
                    f"ops.status.{r.outcome}"), seconds=took,
                    detail=_detail(st.msg, r.detail)), highlight=False)
        if any(r.outcome == "failed" for r in done):
            raise typer.Exit(1)
        return
    scheduler = build_scheduler(st.settings, background=False)
    now = clock.now()
    from crossplay.ops.runner import job_status

    upcoming = ", ".join(f"{s.job} {_when(s.next_run)}"
                         for s in job_status(st.settings, engine, now))
    stderr().print(st.msg("ops.started", n=len(JOB_NAMES), next=upcoming), highlight=False)
    try:
        scheduler.start()  # blocks until Ctrl-C / SIGINT
    except KeyboardInterrupt:
        scheduler.shutdown(wait=True)  # lets a running job finish and record its outcome
    stdout().print(st.msg("ops.stopped"), highlight=False)


def jobs_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Each recurring job: schedule, last run and its outcome, next run."""
    from crossplay.opdb import ensure_schema, get_engine
    from crossplay.ops.runner import job_status

    st = state(ctx)
    engine = get_engine(st.settings)
    ensure_schema(engine)
    now = clock.now()
    rows = job_status(st.settings, engine, now)
    if as_json:
        print_json({"now": now.isoformat(), "jobs": _iso([asdict(s) for s in rows])})
        return
    msg = st.msg
    stdout().print(table(
        msg("ops.title", now=_when(now)),
        [msg(f"ops.col.{c}") for c in ("job", "what", "schedule", "last", "outcome",
                                         "detail", "next")],
        [(s.job, msg(f"ops.job.{s.job}"), s.cron,
          _when(s.last.started_at if s.last else None), msg(f"ops.status.{s.status}"),
          _detail(msg, s.last.detail) if s.last else "", _when(s.next_run))
         for s in rows]))


def register(app: typer.Typer) -> None:
    app.add_typer(scheduler_app, name="scheduler")
    app.command("jobs")(jobs_cmd)


__all__ = ["register"]
