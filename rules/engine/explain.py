"""Plain-Chinese explanations of rule-file errors, for administrators who are not programmers.

The engine's messages stay English (they are what the CLI and CI print); the browser editor shows
this explanation first and the original message beside it.
"""

import re

_Q = r"'([^']*)'"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (
            r"^YAML syntax error",
            "格式错误：这一行（或上一行）的写法不符合 YAML 格式。请检查缩进是否与同级对齐、"
            "冒号后是否有空格、引号和括号是否成对。",
        ),
        (r"^YAML error", "格式错误：文件无法按 YAML 格式读取。"),
        (r"^duplicate key " + _Q, "键“{0}”在同一层级出现了两次，每个键只能写一次。"),
        (
            r"^unknown key " + _Q + r" \(did you mean " + _Q,
            "不认识的键“{0}”，是不是想写“{1}”？",
        ),
        (r"^unknown key " + _Q, "不认识的键“{0}”：这里不能写这个键，请检查拼写。"),
        (r"^missing required key " + _Q, "缺少必填项“{0}”。"),
        (r"^undefined role " + _Q, "角色“{0}”未定义：角色须先在 shared.yaml 的 roles 中定义。"),
        (r"^undefined grade " + _Q, "等次“{0}”不在所用的等次表中。"),
        (r"^undefined (.+?) " + _Q, "引用了未定义的名称“{1}”（{0}）：请先定义它，或检查拼写。"),
        (r"^duplicate rule id " + _Q, "规则编号“{0}”重复了：同一列表里每条规则的 id 必须不同。"),
        (
            r"^no event starts process " + _Q,
            "没有任何事件能启动流程“{0}”：events.yaml 缺少启动路由。",
        ),
        (r"CEL syntax error", "条件表达式写法有误（括号、引号或运算符不完整）。"),
        (r"unknown variable " + _Q, "条件表达式里用了不存在的变量“{0}”。"),
        (r"unknown field " + _Q, "条件表达式里用了不存在的字段“{0}”。"),
        (r"unknown function " + _Q, "条件表达式里用了不支持的函数“{0}”。"),
        (r"CEL type error", "条件表达式的结果类型不对（例如应当得出“是/否”）。"),
        (r"CEL error", "条件表达式无法计算。"),
        (r"^unknown rule file", "这不是规则集中的文件。"),
        (r"file is missing from the rule set", "规则集缺少这个文件。"),
        (r"is not UTF-8", "文件不是 UTF-8 编码的文本。"),
        (r"a rule file is a mapping", "规则文件应由“键: 值”组成，而这个文件是空的或格式不对。"),
        (r"[Ii]nput should be a valid (integer|number)", "这里应填写数字。"),
        (r"[Ii]nput should be a valid boolean", "这里应填写 true 或 false。"),
        (r"[Ii]nput should be a valid (string|str)", "这里应填写文字。"),
        (r"[Ii]nput should be a valid (list|array|tuple)", "这里应填写列表（每项以“- ”开头）。"),
        (r"[Ii]nput should be a valid dictionary", "这里应填写“键: 值”形式的内容。"),
        (r"[Ii]nput should be (.+)", "取值不在允许范围内：应为 {0}。"),
        (
            r"duration",
            "时长写法不对：请写成 30d（天）、5wd（工作日）、12h（小时）、2w（周）或 P1M。",
        ),
    )
)
_FALLBACK = "规则检查未通过，请按下面的原文提示修改。"


def explain_zh(message: str) -> str:
    """A plain-Chinese sentence for one engine error message (a general one when unknown)."""
    for pattern, text in _PATTERNS:
        found = pattern.search(message)
        if found:
            return text.format(*found.groups())
    return _FALLBACK
