"""The Chinese wording of deadline notifications and timeline entries (pure, workflow-safe)."""

from datetime import datetime, timedelta, timezone

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.deadline import DeadlineSpec, ScheduledPoint, TaskStatus

# China has kept UTC+8 without daylight saving since 1991, and a fixed offset needs no time-zone
# database inside the workflow sandbox.
CHINA_TIME = timezone(timedelta(hours=8))

_STATUS = {
    TaskStatus.OPEN: "开启",
    TaskStatus.ANSWERED: "答复",
    TaskStatus.EXPIRED: "失效",
    TaskStatus.CANCELLED: "撤销",
}


def status_word(status: TaskStatus) -> str:
    """A task's status in a sentence: 已答复, 已失效 …"""
    return _STATUS[status]


def show(at: datetime) -> str:
    """A time as people in China read it: 2026-10-10 09:00."""
    return at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def opened(spec: DeadlineSpec, due: datetime, owner: str) -> str:
    """The timeline line for a task that opens; ``owner`` as the text names them."""
    return f"任务「{spec.title}」开启，承办：{owner}，期限 {show(due)}"


def point(
    spec: DeadlineSpec, p: ScheduledPoint, due: datetime, now: datetime, *, owner: str, to: str
) -> str:
    """The message for a reminder, an escalation or an expiry; ``owner`` and ``to`` (who it
    goes to) as the text names them."""
    if p.kind == "expiry":
        return f"任务「{spec.title}」已超过办理时限（期限 {show(due)}），任务失效"
    if p.kind == "escalation" and p.level is not None:
        return (
            f"{p.label or p.level.label}：任务「{spec.title}」（承办：{owner}，"
            f"期限 {show(due)}）升级至{to}督办"
        )
    if now > due:
        return f"{p.label or '提醒'}：任务「{spec.title}」已于 {show(due)} 到期，请尽快办理"
    return f"{p.label or '提醒'}：任务「{spec.title}」将于 {show(due)} 到期，请及时办理"


def answered(spec: DeadlineSpec, late: bool) -> str:
    """The timeline line for an answer."""
    return f"任务「{spec.title}」已答复" + ("（逾期）" if late else "")


def refused(spec: DeadlineSpec, status: TaskStatus) -> str:
    """The timeline line for an answer that came after the task closed."""
    return f"任务「{spec.title}」已{_STATUS[status]}，不再受理答复"


def extended(spec: DeadlineSpec, old_due: datetime, new_due: datetime, reason: str) -> str:
    """The message for an extension."""
    return f"任务「{spec.title}」期限由 {show(old_due)} 延长至 {show(new_due)}，原因：{reason}"


def cancelled(spec: DeadlineSpec, reason: str) -> str:
    """The timeline line for a cancelled task."""
    return f"任务「{spec.title}」已撤销，原因：{reason}"
