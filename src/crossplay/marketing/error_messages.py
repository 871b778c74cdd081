"""The audience errors in English and Simplified Chinese (``err.<code>`` entries).

The English text of each entry is exactly what the raising code says; ``crossplay
audience`` registers this catalog, and the API renders the zh-CN text from the error's
params. Field names, operators and commands stay as typed.
"""

from __future__ import annotations

from crossplay.core.types import Lang

ERRORS: dict[str, dict[Lang, str]] = {
    # the language (crossplay.marketing.expr, .compile)
    "err.audience_unclosed_string": {
        "en": "the string opened at column {col} is not closed",
        "zh-CN": "第 {col} 列开始的字符串没有结束引号"},
    "err.audience_too_long": {
        "en": "the expression is longer than {max} characters",
        "zh-CN": "表达式超过 {max} 个字符"},
    "err.audience_expected_literal": {
        "en": "expected a number, a string or true/false at column {col}, found {found}",
        "zh-CN": "第 {col} 列应为数字、字符串或 true/false, 实际是 {found}"},
    "err.audience_expected_operand": {
        "en": "expected a field, a number or a string at column {col}, found {found}",
        "zh-CN": "第 {col} 列应为字段、数字或字符串, 实际是 {found}"},
    "err.audience_empty": {
        "en": "the expression is empty: write a condition, e.g. game.hours_30d > 10",
        "zh-CN": "表达式为空: 请写一个条件, 例如 game.hours_30d > 10"},
    "err.audience_too_deep": {
        "en": "the expression nests deeper than {max} levels at column {col}",
        "zh-CN": "表达式在第 {col} 列嵌套超过 {max} 层"},
    "err.audience_trailing": {
        "en": "unexpected {token!r} at column {col}: the condition before it is complete "
              "(a missing 'and' / 'or'?)",
        "zh-CN": "第 {col} 列出现多余的 {token!r}: 它前面的条件已经完整 (是否漏写了 and / or?)"},
    "err.audience_expected_in": {
        "en": "expected 'in' after 'not' at column {col}",
        "zh-CN": "第 {col} 列的 not 后面应为 in"},
    "err.audience_expected_list": {
        "en": "expected '(' after 'in' at column {col}, found {found}",
        "zh-CN": "第 {col} 列的 in 后面应为 '(', 实际是 {found}"},
    "err.audience_unopened_paren": {
        "en": "')' at column {col} closes no parenthesis",
        "zh-CN": "第 {col} 列的 ')' 没有对应的左括号"},
    "err.audience_list_too_long": {
        "en": "more than {max} values in the list at column {col}",
        "zh-CN": "第 {col} 列的列表超过 {max} 个值"},
    "err.audience_expected_comma": {
        "en": "expected ',' or ')' at column {col}, found {found}",
        "zh-CN": "第 {col} 列应为 ',' 或 ')', 实际是 {found}"},
    "err.audience_unclosed_paren": {
        "en": "the parenthesis opened at column {col} is not closed",
        "zh-CN": "第 {col} 列的左括号没有闭合"},
    "err.audience_bad_number": {
        "en": "the number {number} at column {col} is out of range",
        "zh-CN": "第 {col} 列的数字 {number} 超出范围"},
    "err.audience_single_equals": {
        "en": "'=' at column {col}: write '==' to compare",
        "zh-CN": "第 {col} 列是 '=': 比较请写 '=='"},
    "err.audience_bad_char": {
        "en": "unexpected character {char!r} at column {col}",
        "zh-CN": "第 {col} 列有无法识别的字符 {char!r}"},
    "err.audience_unknown_field": {
        "en": "unknown field {field!r} at column {col}; did you mean: {hint}? "
              "(`crossplay audience fields` lists them)",
        "zh-CN": "第 {col} 列的字段 {field!r} 不存在; 是否想写: {hint}? "
                 "(全部字段见 `crossplay audience fields`)"},
    "err.audience_unknown_segment": {
        "en": "no segment named {name!r} at column {col}; the segments are: {names}",
        "zh-CN": "第 {col} 列: 没有名为 {name!r} 的分群; 现有分群: {names}"},
    "err.audience_unknown_function": {
        "en": "unknown function {function!r} at column {col}: use has(\"k:cat:编程\") or "
              "rule(N)",
        "zh-CN": "第 {col} 列的函数 {function!r} 不存在: 请用 has(\"k:cat:编程\") 或 rule(N)"},
    "err.audience_type_mismatch": {
        "en": "type mismatch at column {col}: {left} is a {ltype}, {right} is a {rtype}",
        "zh-CN": "第 {col} 列类型不匹配: {left} 是{ltype_zh}, {right} 是{rtype_zh}"},
    "err.audience_bad_operator": {
        "en": "operator {op} at column {col} does not apply to {type} values: use == or !=",
        "zh-CN": "第 {col} 列的运算符 {op} 不能用于{type_zh}: 请用 == 或 !="},
    "err.audience_segment_literal": {
        "en": "compare segment at column {col} with a number or a name, e.g. "
              "segment == \"策略玩家\"",
        "zh-CN": "第 {col} 列: segment 只能与编号或分群名称比较, 例如 segment == \"策略玩家\""},
    "err.audience_no_segments": {
        "en": "'segment' at column {col}: no joint segments are stored; run `crossplay "
              "segments fit` first",
        "zh-CN": "第 {col} 列的 segment: 尚无联合分群; 请先运行 `crossplay segments fit`"},
    "err.audience_not_condition": {
        "en": "{what} at column {col} is a {type}, not a condition: compare it (e.g. "
              "{what} > 0)",
        "zh-CN": "第 {col} 列的 {what} 是{type_zh}, 不是条件: 请加上比较 (例如 {what} > 0)"},
    "err.audience_bad_token": {
        "en": "has(...) at column {col} takes one token such as \"k:cat:编程\", "
              "\"g:cat:MOBA\" or \"s:item:S12\"",
        "zh-CN": "第 {col} 列的 has(...) 需要一个标记, 例如 \"k:cat:编程\"、\"g:cat:MOBA\" "
                 "或 \"s:item:S12\""},
    "err.audience_bad_rule": {
        "en": "rule(...) at column {col} takes one rule number, e.g. rule(3)",
        "zh-CN": "第 {col} 列的 rule(...) 需要一个规则编号, 例如 rule(3)"},
    "err.audience_no_rules": {
        "en": "rule({n}) at column {col}: no joint category rules are stored; run "
              "`crossplay rules mine --scope joint --level category` first",
        "zh-CN": "第 {col} 列的 rule({n}): 尚无联合类别规则; 请先运行 "
                 "`crossplay rules mine --scope joint --level category`"},
    "err.audience_rule_number": {
        "en": "rule({n}) at column {col}: the stored rules are numbered 1..{count}",
        "zh-CN": "第 {col} 列的 rule({n}): 已保存的规则编号为 1..{count}"},
    # evaluation (crossplay.marketing.query)
    "err.audience_no_events": {
        "en": "the lake has no events: windowed fields need behaviour; ingest data first",
        "zh-CN": "数据湖中没有事件: 时间窗口字段需要行为数据; 请先导入数据"},
    "err.audience_no_churn": {
        "en": "propensity.churn needs churn scores of linked persons: run `crossplay churn "
              "fit --scope joint` first",
        "zh-CN": "propensity.churn 需要已关联用户的流失评分: 请先运行 "
                 "`crossplay churn fit --scope joint`"},
    "err.audience_no_profiles": {
        "en": "no joint profiles yet: run `crossplay profiles build` first",
        "zh-CN": "尚无联合画像: 请先运行 `crossplay profiles build`"},
    # saved audiences and exports (crossplay.marketing.store, .service)
    "err.audience_bad_name": {
        "en": "bad audience name {name!r}: use 1-64 letters, digits, '_' or '-', starting "
              "with a letter or digit",
        "zh-CN": "人群名称 {name!r} 无效: 请用 1-64 个字母 (含中文)、数字、'_' 或 '-', "
                 "以字母或数字开头"},
    "err.audience_not_found": {
        "en": "no audience named {name!r}: build it with `crossplay audience build NAME "
              "--where EXPR`",
        "zh-CN": "没有名为 {name!r} 的人群: 请用 `crossplay audience build NAME --where "
                 "EXPR` 创建"},
    "err.audience_no_version": {
        "en": "audience {name!r} has no version {version}; it has 1..{last}",
        "zh-CN": "人群 {name!r} 没有第 {version} 版; 现有版本 1..{last}"},
    "err.audience_bad_exclusion": {
        "en": "{option} must be between {low} and {max}, got {value}",
        "zh-CN": "{option} 应在 {low} 到 {max} 之间, 收到 {value}"},
    "err.audience_bad_partner": {
        "en": "unknown partner {partner!r}: use knowledge or game",
        "zh-CN": "未知的合作方 {partner!r}: 请用 knowledge 或 game"},
    "err.audience_export_below_k": {
        "en": "audience {name!r} v{version} has fewer than {k} people {partner} may receive "
              "now (consent, exclusions): nothing was exported",
        "zh-CN": "人群 {name!r} 第 {version} 版中 {partner} 现在可接收的人数少于 {k} "
                 "(同意授权、排除规则): 未导出任何数据"},
    "err.audience_bad_format": {
        "en": "unknown format {format!r}: use csv or parquet",
        "zh-CN": "未知的格式 {format!r}: 请用 csv 或 parquet"},
}
