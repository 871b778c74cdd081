"""CLI messages of ``crossplay audience`` (en and zh-CN), registered by commands_audience."""

from __future__ import annotations

from crossplay.core.types import Lang

MESSAGES: dict[str, dict[Lang, str]] = {
    "aud.size": {"en": "Audience size now: {size} people (k = {k}; below k shows as < k)",
                 "zh-CN": "当前人群规模: {size} 人 (k = {k}; 少于 k 显示为 < k)"},
    "aud.excluded": {"en": "Left out by exclusions: {n}", "zh-CN": "被排除规则排除: {n}"},
    "aud.as_of": {"en": "Windows end at the newest event: {as_of}",
                  "zh-CN": "时间窗口截止于最新事件: {as_of}"},
    "aud.built": {"en": "Saved audience {name} version {version}: {size} people",
                  "zh-CN": "已保存人群 {name} 第 {version} 版: {size} 人"},
    "aud.none": {"en": "No saved audience yet: `crossplay audience build NAME --where EXPR`.",
                 "zh-CN": "还没有保存的人群: `crossplay audience build NAME --where EXPR`。"},
    "aud.list.title": {"en": "Saved audiences", "zh-CN": "已保存的人群"},
    "aud.fields.title": {"en": "Fields of the audience language",
                         "zh-CN": "人群表达式可用的字段"},
    "aud.exported": {"en": "Exported {rows} {partner} user keys of {name} v{version} to {path}",
                     "zh-CN": "已将 {name} 第 {version} 版的 {rows} 个 {partner} 用户标识导出到 "
                              "{path}"},
    "aud.col.name": {"en": "name", "zh-CN": "名称"},
    "aud.col.version": {"en": "version", "zh-CN": "版本"},
    "aud.col.size": {"en": "size", "zh-CN": "人数"},
    "aud.col.where": {"en": "condition", "zh-CN": "条件"},
    "aud.col.built_by": {"en": "built by", "zh-CN": "创建者"},
    "aud.col.built_at": {"en": "built at", "zh-CN": "创建时间"},
    "aud.col.field": {"en": "field", "zh-CN": "字段"},
    "aud.col.type": {"en": "type", "zh-CN": "类型"},
    "aud.col.meaning": {"en": "meaning", "zh-CN": "含义"},
    "aud.show.exclusions": {"en": "exclusions", "zh-CN": "排除规则"},
    "aud.show.versions": {"en": "versions", "zh-CN": "全部版本"},
    "aud.show.as_of": {"en": "data as of", "zh-CN": "数据截止"},
    "aud.show.recent": {"en": "recently reached within {days} days",
                        "zh-CN": "{days} 天内已触达"},
    "aud.show.cap": {"en": "at most {cap} exports per {days} days",
                     "zh-CN": "每 {days} 天最多导出 {cap} 次"},
    "aud.show.none": {"en": "none besides consent", "zh-CN": "仅按同意授权"},
}
