"""Who may move a deadline task's due time, how often and how far (pure, workflow-safe)."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.deadline import DeadlineState, TaskStatus
    from models.duration import Duration

from workflows.deadline_text import CHINA_TIME


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
) -> None:
    """Raise ValueError saying why the extension is refused, or return if it is allowed."""
    spec = state.spec
    if state.status is not TaskStatus.OPEN:
        raise ValueError(f"task {spec.task_id} is {state.status.value}: it cannot be extended")
    if state.schedule is None:
        raise ValueError(f"task {spec.task_id} is being scheduled: try again shortly")
    if role not in spec.extension_roles:
        raise ValueError(
            f"role {role!r} may not extend task {spec.task_id} "
            f"(allowed: {', '.join(spec.extension_roles)})"
        )
    if state.extensions >= spec.max_extensions:
        raise ValueError(
            f"task {spec.task_id} has had {state.extensions} extension(s), "
            f"the most its rules allow ({spec.max_extensions})"
        )
    if not reason.strip():
        raise ValueError("an extension needs a reason")
    if not actor.strip():
        raise ValueError("an extension needs the actor who grants it")
    if (new_due_at is None) == (by is None):
        raise ValueError("give exactly one of new_due_at, by")
    if by is not None and by.is_zero:
        raise ValueError("an extension must move the due time: 'by' is zero")
    if new_due_at is not None:
        new_due = as_aware(new_due_at)
        if new_due <= state.schedule.due_at:
            raise ValueError(
                f"the new due time {new_due.isoformat()} is not later than "
                f"the current one {state.schedule.due_at.isoformat()}"
            )
        if new_due <= now:
            raise ValueError(f"the new due time {new_due.isoformat()} is past")
