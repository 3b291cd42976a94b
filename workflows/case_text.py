"""Wording the process workflows share (pure, workflow-safe)."""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
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


def problems(err: ValidationError) -> str:
    """Event data that failed validation, as one line: ``field: message; …``."""
    return "；".join(
        f"{'.'.join(str(p) for p in e['loc']) or '数据'}: {e['msg']}" for e in err.errors()
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
