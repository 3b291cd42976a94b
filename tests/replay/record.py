"""Record the histories that the replay tests check: ``python -m tests.replay.record``.

Each scenario runs a real case on the time-skipping server and writes its history to
``tests/replay/histories/<WorkflowType>__<scenario>.json``. Name scenarios to record only those:
``python -m tests.replay.record opinion_after_refusal conditional_lapsed``.

A recorded history is never overwritten: it stands for the cases that started on the code of its
day and are still running, which must keep replaying. When a workflow change adds a code path
(a ``workflow.patched`` branch), record the scenarios again under a suffix that names the path,
and keep the old files beside the new ones::

    python -m tests.replay.record --suffix local opinion_after_refusal conditional_lapsed

writes ``<WorkflowType>__<scenario>-local.json``; recording onto an existing name stops with an
error before any case runs.
"""

import argparse
import asyncio
import json
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.deadline import DeadlineSpec, EscalationStep, Point, Reminder
from models.duration import Duration
from models.supervised_task import AnswerInput, ExtendInput, SupervisedTaskInput
from rules.engine.cache import rule_set_of
from rules.engine.versions import FileRuleVersionStore
from runtime.devserver import installed_binary
from runtime.temporal import ensure_search_attributes
from tests.replay.case_scenarios import CASE_SCENARIOS, case_worker
from tests.replay.record_floating import (
    record_floating_member,
    record_floating_member_answered,
    record_floating_member_continued,
)
from tests.replay.record_p4p5 import P4P5_SCENARIOS, p4p5_worker
from worker import WORKFLOWS, build_activities
from workflows.supervised_task import SupervisedTaskWorkflow

HISTORIES = Path(__file__).parent / "histories"
RULE_VERSIONS = HISTORIES / "rule-versions"
"""The rule versions cases in the histories started under (a version store's layout)."""

Scenario = Callable[[WorkflowEnvironment, str], Awaitable[str]]


def _spec() -> DeadlineSpec:
    return DeadlineSpec(
        task_id="signoff",
        title="年检登记社区党组织签署意见",
        owner="community-1",
        due_in=Duration.parse("5wd"),
        reminders=(Reminder(at=Point(fraction=0.5)), Reminder(at=Point(fraction=0.9))),
        escalation=(
            EscalationStep(level="yellow", at=Point(after_due=Duration.parse("0d")), to="street"),
            EscalationStep(level="red", at=Point(after_due=Duration.parse("5wd")), to="street"),
        ),
    )


async def supervised_task_answered_late(env: WorkflowEnvironment, task_queue: str) -> str:
    """Reminders and a yellow card fire, an extension is granted, then the answer arrives."""
    workflow_id = f"supervised_task/replay-{uuid.uuid4()}"
    handle = await env.client.start_workflow(
        SupervisedTaskWorkflow.run,
        SupervisedTaskInput(spec=_spec(), community="community-1", assigned_by="admin"),
        id=workflow_id,
        task_queue=task_queue,
    )
    await env.sleep(8 * 86400)
    await handle.execute_update(
        SupervisedTaskWorkflow.extend_deadline,
        ExtendInput(actor="admin", role="admin", reason="材料补充", by=Duration.parse("5wd")),
    )
    await env.sleep(86400)
    await handle.signal(
        SupervisedTaskWorkflow.answer,
        AnswerInput(event_id="ev-1", actor="community-1", payload={"decision": "granted"}),
    )
    await handle.result()
    return workflow_id


SCENARIOS: dict[str, Scenario] = {"answered_late": supervised_task_answered_late}


FLOATING_SCENARIOS: dict[str, Scenario] = {
    "onboarded_contacted_moved_out": record_floating_member,
    "continued_as_new": record_floating_member_continued,
    "answered_by_event": record_floating_member_answered,
}


def _stem(name: str, suffix: str) -> str:
    return f"{name}-{suffix}" if suffix else name


def _refuse_overwrites(only: Sequence[str], suffix: str) -> None:
    """Stop before recording anything if a scenario's history is already on disk."""
    names = set(SCENARIOS) | set(CASE_SCENARIOS) | set(P4P5_SCENARIOS) | set(FLOATING_SCENARIOS)
    unknown = set(only) - names
    if unknown:
        raise SystemExit(f"no such scenario: {', '.join(sorted(unknown))}")
    taken = [
        path.name
        for name in (only or sorted(names))
        for path in HISTORIES.glob(f"*__{_stem(name, suffix)}.json")
    ]
    if taken:
        raise SystemExit(f"already recorded (choose another --suffix): {', '.join(sorted(taken))}")


async def _save(env: WorkflowEnvironment, name: str, workflow_id: str, suffix: str) -> None:
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    wf_type = history.events[0].workflow_execution_started_event_attributes
    path = HISTORIES / f"{wf_type.workflow_type.name}__{_stem(name, suffix)}.json"
    with path.open("x") as out:
        out.write(history.to_json())
    print(f"recorded {path}")
    await _keep_rule_version(wf_type.input.payloads)


async def _keep_rule_version(payloads: Sequence[Payload]) -> None:
    """Store the rule version a case started under beside the histories: cases that take their
    rules by version (not as files in history) replay against that store (test_replay)."""
    started = json.loads(payloads[0].data) if payloads else {}
    version = started.get("rule_version") if isinstance(started, dict) else None
    if version:
        rules = rule_set_of(version)
        if await FileRuleVersionStore(RULE_VERSIONS).save(version, rules.files):
            print(f"kept rule version {version} in {RULE_VERSIONS}")


async def record(only: Sequence[str] = (), suffix: str = "") -> None:
    """Record every scenario, or those named in ``only``, as new files named with ``suffix``."""
    _refuse_overwrites(only, suffix)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=installed_binary("temporal-test-server"),
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    try:
        task_queue = f"record-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=list(WORKFLOWS),
            activities=build_activities(),
        ):
            for name, scenario in SCENARIOS.items():
                if not only or name in only:
                    await _save(env, name, await scenario(env, task_queue), suffix)
        with tempfile.TemporaryDirectory() as root:
            cases_queue = f"record-cases-{uuid.uuid4()}"
            async with case_worker(env, cases_queue, Path(root)) as rig:
                for name, case_scenario in CASE_SCENARIOS.items():
                    if not only or name in only:
                        case_id = await case_scenario(env, cases_queue, rig)
                        await _save(env, name, case_id, suffix)
        with tempfile.TemporaryDirectory() as root:
            p4p5_queue = f"record-p4p5-{uuid.uuid4()}"
            async with p4p5_worker(env, p4p5_queue, Path(root)):
                for name, p4p5_scenario in P4P5_SCENARIOS.items():
                    if not only or name in only:
                        await _save(env, name, await p4p5_scenario(env, p4p5_queue), suffix)
        for name, floating in FLOATING_SCENARIOS.items():
            if not only or name in only:
                workflow_id = await floating(env, f"record-p3-{uuid.uuid4()}")
                await _save(env, name, workflow_id, suffix)
    finally:
        await env.shutdown()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Record replay histories as new files.")
    parser.add_argument("scenarios", nargs="*", help="the scenarios to record (default: all)")
    parser.add_argument(
        "--suffix", default="", help="appended to each file's scenario name, e.g. local"
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    asyncio.run(record(arguments.scenarios, arguments.suffix))
