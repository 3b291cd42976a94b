"""Two P2 steps kept apart from the workflow class: the checklist's timeline entries, one per
item with its own trace, and the follow-up of a conditional sign-off's conditions."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow

from workflows.case import CaseCore
from workflows.case_tasks import CaseDeadlineTask

with workflow.unsafe.imports_passed_through():
    from models.annual_inspection import Condition, InspectionStatus, SignoffSubmitted
    from models.deadline import TaskStatus
    from rules.engine.evaluate import Decision, jsonable
    from rules.engine.processes import AnnualInspection
    from rules.engine.processes.annual_inspection import ChecklistResult
    from rules.engine.tasks import deadline_spec


def record_checklist(
    c: CaseCore, decision: Decision[ChecklistResult], request: int
) -> list[dict[str, Any]]:
    """Write each item's pass/fail with the trace of its rule, then the result; return the items."""
    trace = decision.trace
    items = []
    for step, (item, label, required, ok) in zip(trace.steps, decision.result.items, strict=True):
        items.append({"id": item, "label": label, "required": required, "passed": ok})
        c.note(
            "checklist_item",
            f"{label}：{'通过' if ok else '未通过'}{'' if required else '（参考项）'}",
            detail={"item": item, "required": required, "passed": ok, "request": request},
            trace={
                **trace.to_dict(),
                "rule_id": item,
                "inputs": jsonable(step.inputs),
                "result": ok,
                "steps": [step.to_dict()],
            },
        )
    failed = decision.result.failed_required
    summary = f"检查结果：未通过（{'、'.join(failed)}）" if failed else "检查结果：通过"
    c.decided("checklist_decided", summary, decision)
    c.summary["checklist_passed"] = decision.result.passed
    return items


async def follow_up(
    c: CaseCore,
    d: AnnualInspection,
    signoff: SignoffSubmitted,
    request: int,
    conditions: list[Condition],
    met_before: Callable[[Condition], bool] | None = None,
) -> Condition | None:
    """Open a task per condition and wait until all are met (None), or until one lapses under a
    rule that blocks (that condition; the other tasks are cancelled). A condition that
    ``met_before`` meets at once (the organisation did it already) gets no task."""
    signed_at: datetime = workflow.now()
    c.inputs["signed_at"] = signed_at
    owner = c.community_id or "street_committee"
    tasks: list[tuple[Condition, CaseDeadlineTask]] = []
    for i, spec in enumerate(signoff.conditions, start=1):
        condition = Condition(task_id=f"condition-{request}-{i}", text=spec.text, kind=spec.kind)
        conditions.append(condition)
        if met_before is not None and met_before(condition):
            continue
        due = await c.resolve_due(
            c.decided(
                "condition_due_decided",
                f"条件“{spec.text}”的落实期限",
                d.condition_due(signed_at, spec.within),
            )
        )
        spec_ = deadline_spec(
            c.rules,
            task_id=condition.task_id,
            title=f"落实签署条件：{spec.text}",
            owner=owner,
            due_at=due,
            reminders=d.model.conditional.reminders,
            escalation=d.model.conditional.escalation,
        )
        tasks.append((condition, c.open_task(spec_)))
    c.set_status(InspectionStatus.CONDITIONAL)
    while pending := [(cd, t) for cd, t in tasks if t.status is TaskStatus.OPEN]:
        condition, task = min(pending, key=lambda p: p[1].due_at or signed_at)

        def closed(task: CaseDeadlineTask = task) -> bool:
            return task.status is not TaskStatus.OPEN

        if await c.until_due(task, closed):
            continue
        condition.status = "lapsed"
        policy = c.decided(
            "lapse_policy_decided", f"条件“{condition.text}”逾期未落实", d.lapse_policy()
        )
        if policy == "block":
            for _, open_task in pending:
                open_task.cancel("system", "签署条件逾期未落实，按规则阻断")
            return condition
        c.set_status(InspectionStatus.CONDITION_OVERDUE)
        await workflow.wait_condition(closed)
    return None
