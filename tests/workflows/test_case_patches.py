"""A case decides its patches in its first workflow task (now with one marker for them all), so
its history replays the same wherever the server cut its workflow tasks — in particular when a
local activity's result reached the case one workflow task after history recorded it (the server
cut the task short to answer a query), which left such a case failing its replay, and so stuck,
for ever."""

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

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


def _patch_id(event: dict[str, Any]) -> str:
    data = event["markerRecordedEventAttributes"]["details"]["patch-data"]["payloads"][0]
    return str(json.loads(base64.b64decode(data["data"]))["id"])


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


async def test_a_case_replays_when_a_local_result_reached_it_a_task_late(
    time_skipping_env: WorkflowEnvironment, client: Client, task_queue: str, tmp_path: Path
) -> None:
    """The case's one patch marker precedes its first local activity, and the split history
    replays."""
    friday = await quiet_friday(time_skipping_env)
    unit = unit_facts(unique("unit"))
    registry, rules = FakeRegistry(), await rule_registry(tmp_path)
    registry.subjects[unit.id] = unit
    async with case_worker(client, task_queue, rules, registry):
        handle = await open_assessment(
            client, task_queue, rules.active.version, unit, friday + 7 * DAY
        )
        await eventually(handle, asked)
        await stop(handle)
        history = json.loads((await handle.fetch_history()).to_json())

    events = history["events"]
    patches = [_patch_id(event) for event in _markers(history, "core_patch")]
    assert patches == [LEAN_CASE]
    first_local = events.index(next(_markers(history, "core_local_activity")))
    last_patch = max(events.index(event) for event in _markers(history, "core_patch"))
    assert last_patch < first_local

    split = split_after_first_local_activity(history)
    replayer = Replayer(workflows=[DualAssessmentWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        WorkflowHistory.from_json(handle.id, split), raise_on_replay_failure=False
    )
    assert result.replay_failure is None, str(result.replay_failure)
