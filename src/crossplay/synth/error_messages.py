"""The synthetic world's errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; the CLI's world
commands (``crossplay generate``, ``crossplay demo``) register this catalog and print the
zh-CN text from the error's params. Setting names (``people``, ``dirty_rate`` ...) are the
``WorldConfig`` fields as written, so the Chinese texts keep them beside their meaning.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # WorldConfig.validate and recent_start (crossplay.synth.config)
    "err.synth_naive_now": {"en": "recent_start needs an aware datetime",
                            "zh-CN": "recent_start 需要带时区的 datetime"},
    "err.synth_config_people": {
        "en": "invalid world config: people must be 1..{max:,}",
        "zh-CN": "模拟数据配置无效: 人数 (people) 须在 1 到 {max:,} 之间"},
    "err.synth_config_days": {"en": "invalid world config: days must be 1..{max}",
                              "zh-CN": "模拟数据配置无效: 天数 (days) 须在 1 到 {max} 之间"},
    "err.synth_config_seed": {"en": "invalid world config: seed must be a non-negative integer",
                              "zh-CN": "模拟数据配置无效: 随机种子 (seed) 须为非负整数"},
    "err.synth_config_start": {
        "en": "invalid world config: start must be a date, e.g. 2026-09-01",
        "zh-CN": "模拟数据配置无效: 起始日期 (start) 须为日期, 如 2026-09-01"},
    "err.synth_config_dirty_rate": {
        "en": "invalid world config: dirty_rate must be between 0 and 0.5",
        "zh-CN": "模拟数据配置无效: 脏数据比例 (dirty_rate) 须在 0 到 0.5 之间"},
    "err.synth_config_duplicate_rate": {
        "en": "invalid world config: duplicate_rate must be between 0 and 0.5",
        "zh-CN": "模拟数据配置无效: 重复行比例 (duplicate_rate) 须在 0 到 0.5 之间"},
    "err.synth_config_chunk_people": {
        "en": "invalid world config: chunk_people must be at least 1",
        "zh-CN": "模拟数据配置无效: 每批人数 (chunk_people) 须至少为 1"},
    # the output directory and a world already there (crossplay.synth.world)
    "err.synth_out_is_file": {"en": "{out} is a file; give a directory for the world",
                              "zh-CN": "{out} 是文件; 请为模拟数据指定一个目录"},
    "err.synth_out_not_empty": {
        "en": "{out} is not empty and holds no synthetic world; choose an empty or new "
              "directory",
        "zh-CN": "{out} 不是空目录, 且其中没有模拟数据; 请选择空目录或新目录"},
    "err.synth_no_world": {
        "en": "{world} holds no complete synthetic world: run `crossplay generate` or "
              "`crossplay demo`",
        "zh-CN": "{world} 中没有完整的模拟数据: 请运行 `crossplay generate` 或 "
                 "`crossplay demo`"},
    # options of generate and demo (crossplay.cli.commands_world)
    "err.synth_start_date": {"en": "--start: {start!r} is not a date like 2026-09-01",
                             "zh-CN": "--start: {start!r} 不是 2026-09-01 这样的日期"},
    "err.synth_demo_window": {
        "en": "--start: the demo's window ({first} to {last}) must lie between {earliest} and "
              "yesterday ({latest}): ingest refuses times before 2000, and consents dated in "
              "the future are not in force yet; omit --start for a window that ends yesterday",
        "zh-CN": "--start: 演示的时间窗口 ({first} 至 {last}) 须在 {earliest} 与昨天 "
                 "({latest}) 之间: 导入会拒绝 2000 年以前的时间, 而日期在未来的同意记录尚未"
                 "生效; 不指定 --start 时窗口截至昨天"},
}
