"""Wording the process workflows share (pure, workflow-safe)."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.deadline import TaskStatus
    from rules.engine.dates import DueDate
    from rules.engine.evaluate import Decision

CLOSED_WORDS = {
    TaskStatus.ANSWERED: "答复",
    TaskStatus.EXPIRED: "失效",
    TaskStatus.CANCELLED: "撤销",
}
"""How a closed task is described: 意见任务已答复 …"""


_SAID = {
    "missing": "缺少此项",
    "extra_forbidden": "无法识别的字段",
    "string_type": "须为文本",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "bool_type": "须为是或否（true / false）",
    "bool_parsing": "须为是或否（true / false）",
    "datetime_type": "须为日期时间（如 2026-03-01T09:00+08:00）",
    "datetime_parsing": "须为日期时间（如 2026-03-01T09:00+08:00）",
    "datetime_from_date_parsing": "须为日期时间（如 2026-03-01T09:00+08:00）",
    "timezone_aware": "须带时区（如 +08:00）",
    "date_type": "须为日期（如 2026-03-01）",
    "date_parsing": "须为日期（如 2026-03-01）",
    "date_from_datetime_parsing": "须为日期（如 2026-03-01）",
    "date_from_datetime_inexact": "须为日期，不带时刻",
    "list_type": "须为列表",
    "dict_type": "须为对象",
    "model_type": "须为对象",
}
"""Errors whose Chinese needs nothing from the error's context, by pydantic error type."""

_BOUNDS = {
    "string_too_short": ("min_length", "至少 {} 个字"),
    "string_too_long": ("max_length", "至多 {} 个字"),
    "too_short": ("min_length", "至少 {} 项"),
    "too_long": ("max_length", "至多 {} 项"),
    "greater_than": ("gt", "须大于 {}"),
    "greater_than_equal": ("ge", "须不小于 {}"),
    "less_than": ("lt", "须小于 {}"),
    "less_than_equal": ("le", "须不大于 {}"),
}
"""Errors about a limit: the context key holding it and the Chinese around it."""


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``'a'、'b'、'c'``."""
    head, _, last = expected.rpartition(" or ")
    return "、".join([*head.split(", "), last] if head else [last])


def error_text(error: ErrorDetails) -> str:
    """One validation error in Chinese, without its field: 须为整数, 缺少此项 …; types not worded
    here keep pydantic's message."""
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in _SAID:
        return _SAID[kind]
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "不能为空"
    if kind in _BOUNDS and _BOUNDS[kind][0] in context:
        key, wording = _BOUNDS[kind]
        return wording.format(_number(context[key]))
    if kind in {"literal_error", "enum"} and "expected" in context:
        choices = _choices(str(context["expected"]))
        return f"须为 {choices} 之一" if "、" in choices else f"须为 {choices}"
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    return error["msg"]


def problems(err: ValidationError) -> str:
    """Event data that failed validation, as one line in Chinese: ``field：问题；…``."""
    return "；".join(
        f"{'.'.join(str(p) for p in e['loc']) or '数据'}：{error_text(e)}" for e in err.errors()
    )


def period_year(period: str, fallback: int) -> int:
    """The year a period such as ``2026``, ``2026Q4`` or ``2026-H2`` falls in."""
    head = period.strip()[:4]
    return int(head) if head.isdigit() else fallback


def said(outcome: str, decision: Decision[Any]) -> str:
    """A decision's timeline line: what was decided (``不…`` when it came out False), and by
    which rule."""
    rule = decision.trace.rule_id
    if decision.result is False:
        outcome = f"不{outcome}"
    return f"{outcome}（规则 {rule}）" if rule else outcome


def shown(value: Any) -> str:
    """A fact as people read it: 是/否, 无 for an empty text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value != "" else "无"


def due_rule(due: DueDate, anchors: Mapping[str, str]) -> str:
    """A due rule in words: 考核截止前 5wd."""
    where = "前" if due.before else "后"
    return f"{anchors.get(due.anchor, due.anchor)}{where} {due.offset.text}"


def role_refused(
    role: str, allowed: Iterable[str], act: str, may: str, label: Callable[[str], str] = str
) -> ValueError:
    """The refusal of ``role`` to ``act``, naming who ``may`` (可授权, 可指定 …), every role as
    ``label`` names it for people."""
    names = "、".join(label(name) for name in allowed)
    return ValueError(f"角色“{label(role)}”无权{act}（{may}：{names}）")
