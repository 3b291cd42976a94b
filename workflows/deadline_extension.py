"""Who may move a deadline task's due time, how often and how far (pure, workflow-safe)."""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.deadline import DeadlineState, TaskStatus
    from models.duration import Duration

from workflows.case_text import role_refused
from workflows.deadline_text import CHINA_TIME, show, status_word


def as_aware(at: datetime) -> datetime:
    """``at`` itself, or read as China time when it has no zone."""
    return at if at.tzinfo is not None else at.replace(tzinfo=CHINA_TIME)


def check_extension(
    state: DeadlineState,
    *,
    now: datetime,
    actor: str,
    role: str,
    reason: str,
    new_due_at: datetime | None,
    by: Duration | None,
    role_label: Callable[[str], str] = str,
) -> None:
    """Raise ValueError saying why the extension is refused, or return if it is allowed;
    ``role_label`` names a rule role as people read it."""
    spec = state.spec
    task = f"任务“{spec.title}”"
    if state.status is not TaskStatus.OPEN:
        raise ValueError(f"{task}已{status_word(state.status)}，不能延期")
    if state.schedule is None:
        raise ValueError(f"{task}正在排定期限，请稍后再试")
    if role not in spec.extension_roles:
        raise role_refused(role, spec.extension_roles, f"为{task}延期", "可批准延期", role_label)
    if state.extensions >= spec.max_extensions:
        raise ValueError(
            f"{task}已延期 {state.extensions} 次，已达规则允许的上限（{spec.max_extensions} 次）"
        )
    if not reason.strip():
        raise ValueError("延期须说明理由")
    if not actor.strip():
        raise ValueError("延期须写明批准人")
    if (new_due_at is None) == (by is None):
        raise ValueError("new_due_at 与 by 须且只须给出一项")
    if by is not None and by.is_zero:
        raise ValueError("延期须推迟期限：by 为零")
    if new_due_at is not None:
        new_due = as_aware(new_due_at)
        if new_due <= state.schedule.due_at:
            raise ValueError(f"新期限 {show(new_due)} 不晚于现期限 {show(state.schedule.due_at)}")
        if new_due <= now:
            raise ValueError(f"新期限 {show(new_due)} 已经过去")
