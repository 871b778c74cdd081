"""Texts of the data-health page (``web.data.*``), in English and Simplified Chinese.

Quarantine reasons come from the CLI's reason catalog (:meth:`Messages.reason`).
"""

from __future__ import annotations

from crossplay.cli.i18n import add_messages
from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "web.nav.data": {"en": "Data health", "zh-CN": "数据健康"},
    "web.data.empty": {
        "en": "Nothing has been ingested yet: run `crossplay ingest` (or `crossplay demo`) "
              "first.",
        "zh-CN": "尚未导入任何数据: 请先运行 `crossplay ingest` (或 `crossplay demo`)。"},
    # sections
    "web.data.sec.summary": {"en": "At a glance", "zh-CN": "概况"},
    "web.data.sec.runs": {"en": "Ingest runs", "zh-CN": "导入批次"},
    "web.data.sec.rows": {"en": "Rows per source and day", "zh-CN": "各来源每日行数"},
    "web.data.sec.quarantine": {"en": "Quarantine by reason", "zh-CN": "隔离区 (按原因)"},
    "web.data.sec.samples": {"en": "Sample quarantined rows (pseudonymised)",
                             "zh-CN": "隔离行示例 (已假名化)"},
    # tiles
    "web.data.tile.runs": {"en": "Ingest runs", "zh-CN": "导入批次"},
    "web.data.tile.runs_hint": {"en": "Latest: {when} UTC ({partner}, {table}).",
                                "zh-CN": "最近一次: {when} UTC ({partner}, {table})。"},
    "web.data.tile.read": {"en": "Rows read", "zh-CN": "读取行数"},
    "web.data.tile.read_hint": {
        "en": "Accepted {accepted:,}, duplicates in their run {dups:,}, already in the lake "
              "{already:,}, quarantined {quarantined:,}.",
        "zh-CN": "接收 {accepted:,}, 批次内重复 {dups:,}, 已在数据湖中 {already:,}, "
                 "隔离 {quarantined:,}。"},
    "web.data.tile.quarantined": {"en": "Quarantined", "zh-CN": "隔离行数"},
    "web.data.tile.quarantined_value": {"en": "{n:,} ({share:.2%} of read)",
                                        "zh-CN": "{n:,} (占读取 {share:.2%})"},
    "web.data.tile.quarantined_hint": {
        "en": "Rows rejected with a reason by these runs; rows the quarantine already held "
              "are counted, not stored again.",
        "zh-CN": "这些批次因故拒绝的行; 已在隔离区中的行计入数量但不重复存储。"},
    "web.data.tile.events": {"en": "Events in the lake", "zh-CN": "数据湖中的事件"},
    "web.data.tile.events_hint": {"en": "{days} day(s), {sources} source(s) in the filter.",
                                  "zh-CN": "筛选范围内 {days} 天, {sources} 个来源。"},
    # notes
    "web.data.note.dates": {
        "en": "Days are UTC days, as `crossplay kpi --start --end` counts them: runs and the "
              "quarantine are filtered by the day they ran, rows per day by the events' day "
              "(the lake's date partition).",
        "zh-CN": "日期均为 UTC 日期, 与 `crossplay kpi --start --end` 相同: 导入批次和隔离区按"
                 "其运行的日期筛选, 每日行数按事件的日期 (数据湖的 date 分区) 筛选。"},
    "web.data.note.platform": {
        "en": "Runs and the quarantine cannot be split by platform (a run loads one "
              "partner's files; a rejected row may have no valid platform): they show "
              "partner {partner}'s.",
        "zh-CN": "导入批次和隔离区无法按平台区分 (一次导入加载一个合作方的文件; 被拒绝的行可能"
                 "没有有效平台): 此处显示合作方 {partner} 的全部。"},
    "web.data.note.runs_cli": {"en": "The same list as `crossplay runs`.",
                               "zh-CN": "与 `crossplay runs` 的列表相同。"},
    "web.data.note.no_runs": {"en": "No ingest run in the filter.",
                              "zh-CN": "筛选范围内没有导入批次。"},
    "web.data.note.no_rows": {"en": "No events in the filter.",
                              "zh-CN": "筛选范围内没有事件。"},
    "web.data.note.quarantine_cli": {
        "en": "Counts as `crossplay quarantine list` gives them.",
        "zh-CN": "数量与 `crossplay quarantine list` 相同。"},
    "web.data.note.quarantine_empty": {"en": "The quarantine holds no row in the filter.",
                                       "zh-CN": "筛选范围内隔离区没有数据。"},
    "web.data.note.pseudonymised": {
        "en": "Up to {n} rows per reason, as `crossplay quarantine show --reason CODE` reads "
              "them, pseudonymised: the column names and empty values stay, and so do values "
              "that say nothing about a person (event types, dates, small numbers, short "
              "codes); every value of a user-id, contact, device, place or free-text column, "
              "every pseudonymous key, long number, e-mail-like or free text is shown as "
              "\"…\". Files are named without their folders.",
        "zh-CN": "每个原因最多 {n} 行, 与 `crossplay quarantine show --reason CODE` 读取的相同, "
                 "但已假名化: 保留列名和空值, 以及与个人无关的值 (事件类型、日期、较小的数字、"
                 "短代码); 用户 ID、联系方式、设备、位置或自由文本列的所有值, 以及任何假名键、"
                 "长数字、类似电子邮件的值或自由文本, 一律显示为 \"…\"。文件只显示文件名, "
                 "不含目录。"},
    # tables and columns
    "web.data.tbl.runs": {"en": "Ingest runs, newest first", "zh-CN": "导入批次 (最新在前)"},
    "web.data.tbl.rows": {"en": "Events per day and source", "zh-CN": "每日各来源事件数"},
    "web.data.tbl.quarantine": {"en": "Quarantined rows per run, file and reason",
                                "zh-CN": "各批次、文件和原因的隔离行数"},
    "web.data.tbl.samples": {"en": "Sample rows per reason", "zh-CN": "各原因示例行"},
    "web.data.col.when": {"en": "started (UTC)", "zh-CN": "开始时间 (UTC)"},
    "web.data.col.run": {"en": "run", "zh-CN": "导入批次"},
    "web.data.col.partner": {"en": "partner", "zh-CN": "合作方"},
    "web.data.col.kind": {"en": "kind (table)", "zh-CN": "类型 (数据表)"},
    "web.data.col.files": {"en": "files", "zh-CN": "文件"},
    "web.data.col.read": {"en": "read", "zh-CN": "读取"},
    "web.data.col.accepted": {"en": "accepted", "zh-CN": "接收"},
    "web.data.col.duplicates": {"en": "duplicates", "zh-CN": "重复"},
    "web.data.col.already": {"en": "already in the lake", "zh-CN": "已在数据湖中"},
    "web.data.col.quarantined": {"en": "quarantined", "zh-CN": "隔离"},
    "web.data.col.seconds": {"en": "seconds", "zh-CN": "耗时 (秒)"},
    "web.data.col.day": {"en": "day (UTC)", "zh-CN": "日期 (UTC)"},
    "web.data.col.platform": {"en": "platform", "zh-CN": "平台"},
    "web.data.col.event_type": {"en": "event type", "zh-CN": "事件类型"},
    "web.data.col.rows": {"en": "rows", "zh-CN": "行数"},
    "web.data.col.table": {"en": "table", "zh-CN": "数据表"},
    "web.data.col.file": {"en": "file", "zh-CN": "文件"},
    "web.data.col.reason": {"en": "reason", "zh-CN": "原因"},
    "web.data.col.code": {"en": "code", "zh-CN": "代码"},
    "web.data.col.row": {"en": "row", "zh-CN": "行号"},
    "web.data.col.column": {"en": "column", "zh-CN": "列"},
    "web.data.col.raw": {"en": "raw (pseudonymised)", "zh-CN": "原始内容 (已假名化)"},
    # charts
    "web.data.chart.rows": {"en": "Events per day by source", "zh-CN": "每日各来源事件数"},
    "web.data.chart.quarantine": {"en": "Quarantined rows by reason",
                                  "zh-CN": "各原因隔离行数"},
    "web.data.axis.day": {"en": "day (UTC)", "zh-CN": "日期 (UTC)"},
    "web.data.axis.rows": {"en": "rows", "zh-CN": "行数"},
    "web.data.axis.reason": {"en": "reason", "zh-CN": "原因"},
    "web.data.source": {"en": "{platform} · {event_type}", "zh-CN": "{platform} · {event_type}"},
    # bad input
    "web.data.err.range": {
        "en": "the start ({start}) must be before the end ({end}; the day after the last)",
        "zh-CN": "开始日期 ({start}) 必须早于结束日期 ({end}; 即最后一天的次日)"},
    "web.data.err.platform": {"en": "platform {platform!r}: use knowledge, game or stream",
                              "zh-CN": "平台 {platform!r}: 请使用 knowledge、game 或 stream"},
    "web.data.err.platform_partner": {
        "en": "platform {platform} is not partner {partner}'s",
        "zh-CN": "平台 {platform} 不属于合作方 {partner}"},
    "web.data.err.partner": {"en": "you may see partner {partner}'s data only",
                             "zh-CN": "您只能查看合作方 {partner} 的数据"},
}

add_messages(MESSAGES)
