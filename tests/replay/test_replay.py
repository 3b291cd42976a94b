"""Replay every recorded history against today's workflow code: running cases must not break.

The files are ``histories/<WorkflowType>__<scenario>[-<suffix>].json``, written by
``python -m tests.replay.record`` (see its docstring), which never overwrites one. A suffix names
the code path the history was recorded on: ``-local`` histories are cases that started after
CaseCore moved its projection, rule fetching and due-date shifting into local activities
(``workflow.patched`` ids ``local-case-steps``, ``local-projection``); those without a suffix are
cases that started before, on the activity path, and must keep replaying too.
"""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
LOCAL = [path for path in HISTORIES if path.stem.endswith("-local")]
CASE_CORE_TYPES = {"dual_assessment", "annual_inspection", "community_worker", "commitment"}


def _markers(history: WorkflowHistory) -> tuple[list[str], set[str]]:
    """The names of the history's markers and the ids of the patches among them."""
    names, patches = [], set()
    for event in history.events:
        if not event.HasField("marker_recorded_event_attributes"):
            continue
        marker = event.marker_recorded_event_attributes
        names.append(marker.marker_name)
        if marker.marker_name == "core_patch":
            patches.add(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return names, patches


def test_every_workflow_type_has_a_recorded_history() -> None:
    """Each registered workflow type is covered by at least one recorded history."""
    recorded = {path.name.split("__", 1)[0] for path in HISTORIES}
    registered = {wf.__temporal_workflow_definition.name for wf in WORKFLOWS}  # type: ignore[attr-defined]
    assert registered <= recorded, f"record histories for: {sorted(registered - recorded)}"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    """A recorded case replays without a non-determinism error."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)


def test_every_case_core_process_has_a_local_path_history() -> None:
    """Cases started on the local-activity path are covered for each process built on CaseCore."""
    recorded = {path.name.split("__", 1)[0] for path in LOCAL}
    missing = CASE_CORE_TYPES - recorded
    assert not missing, f"record -local histories for: {sorted(missing)}"


@pytest.mark.parametrize("path", LOCAL, ids=[p.stem for p in LOCAL])
def test_local_history_took_the_local_path(path: Path) -> None:
    """A ``-local`` history really ran its case steps as local activities, so replaying it
    checks that path and not the old one again."""
    names, patches = _markers(WorkflowHistory.from_json(path.stem, path.read_text()))
    assert "local-case-steps" in patches
    assert "core_local_activity" in names
