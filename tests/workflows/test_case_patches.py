"""A case decides its patches in its first workflow task (now with one marker for them all), so
its history replays the same wherever the server cut its workflow tasks — in particular when a
local activity's result reached the case one workflow task after history recorded it (the server
cut the task short to answer a query), which left such a case failing its replay, and so stuck,
for ever."""

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from models.events import CASE_ENGINE
from tests.workflows.assessment_support import (
    asked,
    open_assessment,
    unit_facts,
)
from tests.workflows.case_support import (
    DAY,
    FakeRegistry,
    case_worker,
    eventually,
    rule_registry,
    stop,
    unique,
)
from tests.workflows.deadline_support import quiet_friday
from workflows.case import LEAN_CASE
from workflows.dual_assessment import DualAssessmentWorkflow

_FIELDS = ("eventId", "scheduledEventId", "startedEventId", "workflowTaskCompletedEventId")


def _markers(history: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    for event in history["events"]:
        attributes = event.get("markerRecordedEventAttributes")
        if attributes and attributes["markerName"] == name:
            yield event


def _detail(event: dict[str, Any], key: str) -> Any:
    """One JSON detail of a marker event, decoded."""
    payload = event["markerRecordedEventAttributes"]["details"][key]["payloads"][0]
    return json.loads(base64.b64decode(payload["data"]))


def _patch_id(event: dict[str, Any]) -> str:
    return str(_detail(event, "patch-data")["id"])


def _renumber(node: Any, after: int, by: int) -> None:
    """Shift every event id above ``after`` (and every reference to one) by ``by``."""
    if isinstance(node, list):
        for item in node:
            _renumber(item, after, by)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _FIELDS and int(value) > after:
                node[key] = str(int(value) + by)
            else:
                _renumber(value, after, by)


def split_after_first_local_activity(history: dict[str, Any]) -> dict[str, Any]:
    """The history as the server records it when a query cuts the first workflow task short
    right after the first local activity finished: that activity's marker closes the task and
    the case sees its result only in the next one."""
    events: list[dict[str, Any]] = history["events"]
    first = next(_markers(history, "core_local_activity"))
    at = int(first["eventId"])
    _renumber(events, at, 3)
    time = first["eventTime"]
    scheduled = {
        "eventId": str(at + 1),
        "eventTime": time,
        "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
        "workflowTaskScheduledEventAttributes": {
            "taskQueue": events[1]["workflowTaskScheduledEventAttributes"]["taskQueue"],
            "startToCloseTimeout": "10s",
            "attempt": 1,
        },
    }
    started = {
        "eventId": str(at + 2),
        "eventTime": time,
        "eventType": "EVENT_TYPE_WORKFLOW_TASK_STARTED",
        "workflowTaskStartedEventAttributes": {"scheduledEventId": str(at + 1)},
    }
    completed = {
        "eventId": str(at + 3),
        "eventTime": time,
        "eventType": "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
        "workflowTaskCompletedEventAttributes": {
            "scheduledEventId": str(at + 1),
            "startedEventId": str(at + 2),
        },
    }
    index = events.index(first) + 1
    return {"events": [*events[:index], scheduled, started, completed, *events[index:]]}


async def _recorded_case(
    env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path, engine: int
) -> tuple[str, dict[str, Any]]:
    """An assessment started under case-engine revision ``engine``, run until it asks for the
    opinion; its id and history."""
    friday = await quiet_friday(env)
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, friday + 7 * DAY, engine=engine
        )
        await eventually(handle, asked)
        await stop(handle)
        return handle.id, json.loads((await handle.fetch_history()).to_json())


async def _replays_split(workflow_id: str, history: dict[str, Any]) -> None:
    split = split_after_first_local_activity(history)
    replayer = Replayer(workflows=[DualAssessmentWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json(workflow_id, split), raise_on_replay_failure=False
    )
    assert result.replay_failure is None, str(result.replay_failure)


def _local_activities(history: dict[str, Any]) -> list[str]:
    """The types of the local activities the case ran, in order."""
    return [
        str(_detail(event, "data")["activity_type"])
        for event in _markers(history, "core_local_activity")
    ]


def _upserted(history: dict[str, Any]) -> set[str]:
    """The search attributes the case upserted, over its whole history."""
    names: set[str] = set()
    for event in history["events"]:
        attributes = event.get("upsertWorkflowSearchAttributesEventAttributes")
        if attributes:
            names |= set(attributes["searchAttributes"]["indexedFields"])
    return names


async def test_a_case_started_before_engine_revisions_takes_one_marker_and_replays_split(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A start without an engine revision (as before it was recorded) decides by patch markers:
    the case's one marker precedes its first local activity, and the split history replays."""
    workflow_id, history = await _recorded_case(
        time_skipping_env, client, task_queue, tmp_path, engine=0
    )
    events = history["events"]
    patches = [_patch_id(event) for event in _markers(history, "core_patch")]
    assert patches == [LEAN_CASE]
    assert "TemporalChangeVersion" in _upserted(history)
    first_local = events.index(next(_markers(history, "core_local_activity")))
    last_patch = max(events.index(event) for event in _markers(history, "core_patch"))
    assert last_patch < first_local
    assert _local_activities(history)[:3] == ["subject_facts", "shift", "resolve_schedule"]
    await _replays_split(workflow_id, history)


async def test_a_case_started_under_todays_engine_revision_records_no_marker(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The API starts cases under today's engine revision: the case takes the lean path with no
    patch marker and no ``TemporalChangeVersion`` upsert (a visibility write fewer per case),
    keeps its own search attributes current, resolves the opinion's due time and the task's
    schedule in one local activity, and its history replays, split or not."""
    workflow_id, history = await _recorded_case(
        time_skipping_env, client, task_queue, tmp_path, engine=CASE_ENGINE
    )
    assert list(_markers(history, "core_patch")) == []
    assert _upserted(history) >= {"GrStatus", "GrCommunity", "GrDueAt"}
    assert "TemporalChangeVersion" not in _upserted(history)
    assert _local_activities(history)[:2] == ["subject_facts", "resolve_schedule_by_rule"]
    replayer = Replayer(workflows=[DualAssessmentWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, json.dumps(history)))
    await _replays_split(workflow_id, history)


async def test_a_case_from_a_newer_engine_revision_waits_for_a_worker_that_knows_it(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """A worker that meets a case started under a later revision than its own fails the case's
    workflow task, saying so, and runs none of it: Temporal retries the task until a newer
    worker takes it, so an older worker never runs a newer case's path."""
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    closes_at = await quiet_friday(time_skipping_env) + 7 * DAY
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, closes_at, engine=CASE_ENGINE + 1
        )
        failure = ""
        for _ in range(100):
            history = json.loads((await handle.fetch_history()).to_json())
            failed = [
                event["workflowTaskFailedEventAttributes"]
                for event in history["events"]
                if "workflowTaskFailedEventAttributes" in event
            ]
            if failed:
                failure = failed[0]["failure"]["message"]
                break
            await asyncio.sleep(0.1)
        await handle.terminate("test over")
    assert f"case-engine revision {CASE_ENGINE + 1}" in failure
    assert f"knows revisions up to {CASE_ENGINE}" in failure
    kinds = {event["eventType"] for event in history["events"]}
    assert "EVENT_TYPE_MARKER_RECORDED" not in kinds  # nothing of the case ran
