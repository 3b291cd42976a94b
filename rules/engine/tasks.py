"""Deadline specs from rules: what the shared deadline primitive needs for one task.

A rule file names its task's reminder schedule and escalation ladder; this resolves them from
shared.yaml into a :class:`models.deadline.DeadlineSpec` for a task due at a known time.
"""

from datetime import datetime

from models.deadline import DeadlineSpec
from rules.engine.ruleset import RuleSet
from rules.engine.schema.common import TaskRule


def deadline_spec(
    rules: RuleSet,
    *,
    task_id: str,
    title: str,
    owner: str,
    due_at: datetime,
    reminders: str,
    escalation: str,
    extension_roles: tuple[str, ...] = ("street_committee",),
    max_extensions: int = 0,
) -> DeadlineSpec:
    """A deadline task with the named schedule and ladder of ``rules``."""
    return DeadlineSpec(
        task_id=task_id,
        title=title,
        owner=owner,
        due_at=due_at,
        reminders=rules.schedule(reminders),
        escalation=rules.ladder(escalation),
        extension_roles=extension_roles,
        max_extensions=max_extensions,
    )


def task_spec(
    rules: RuleSet, task: TaskRule, *, task_id: str, owner: str, due_at: datetime
) -> DeadlineSpec:
    """The deadline spec of a rule file's task (opinion, sign-off, review …)."""
    return deadline_spec(
        rules,
        task_id=task_id,
        title=task.title,
        owner=owner,
        due_at=due_at,
        reminders=task.reminders,
        escalation=task.escalation,
        extension_roles=task.extension.approvers,
        max_extensions=task.extension.max,
    )
