"""Replay every recorded history against today's workflow code: running cases must not break.

The files are ``histories/<WorkflowType>__<scenario>[-<suffix>].json``, written by
``python -m tests.replay.record`` (see its docstring), which never overwrites one. A suffix names
the code path the history was recorded on (``PATHS``): ``-local`` histories are cases that
started after CaseCore moved its projection, rule fetching and due-date shifting into local
activities; ``-batched`` ones started after it also read registry facts and task schedules
locally and projected once per run of reads; ``-first`` ones decided all those patches in their
first workflow task; ``-lean`` ones took them all with the single lean-case marker, upsert their
search attributes once per projection step and project once the workflow task has settled;
``-engine1`` ones took the same path because their start input names case-engine revision 1,
with no marker at all, and resolved a rule's due time and its task's schedule in one local
activity; ``-engine2`` ones started under revision 2 (ANSWERS_ENGINE), whose P1 cases open an
assignment task when no community is found, hold on it under the deadline policy, and answer an
out-of-scope subject; ``-engine2-p2`` ones are P2 cases of revision 2, whose gate waits for a
sign-off on an org of unknown type and tells the registrar of every block. Those without a suffix
are cases that started before, on the activity
path, and must keep replaying too.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from rules.engine import cache
from rules.engine.versions import FileRuleVersionStore
from tests.replay.record import RULE_VERSIONS
from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
CASE_CORE_TYPES = {"dual_assessment", "annual_inspection", "community_worker", "commitment"}
# Per suffix, the ``workflow.patched`` ids that every history recorded on that path carries.
PATHS = {
    "local": {"local-case-steps"},
    "batched": {"local-case-steps", "local-task-schedule"},
    "first": {"patches-first", "local-case-steps", "local-task-schedule"},
    "lean": {"lean-case"},
    "engine1": set(),
    "engine2": set(),
    "engine2-p2": set(),
}
# Per suffix, the case-engine revision its cases started under (``CaseStartInput.engine``).
ENGINES = {"engine1": 1, "engine2": 2, "engine2-p2": 2}
# Per suffix of one process's path, the workflow types it concerns (default: every CaseCore one).
SCOPES = {"engine2": {"dual_assessment"}, "engine2-p2": {"annual_inspection"}}
SUFFIXED = [path for path in HISTORIES if "-" in path.stem.split("__", 1)[-1]]


@pytest.fixture(autouse=True)
def recorded_rule_versions() -> Iterator[None]:
    """The rule versions the recorded cases started under, as a worker's store offers them."""
    load = FileRuleVersionStore(RULE_VERSIONS).load_now
    cache.clear()  # read from the store, as a freshly started worker does
    cache.add_source(load)
    yield
    cache.remove_source(load)


def _suffix(path: Path) -> str:
    return path.stem.split("__", 1)[-1].partition("-")[2]


def _engine(history: WorkflowHistory) -> int:
    """The case-engine revision the case's start input names (0 when it names none)."""
    started = history.events[0].workflow_execution_started_event_attributes
    return int(json.loads(started.input.payloads[0].data).get("engine", 0))


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


@pytest.mark.parametrize("suffix", sorted(PATHS))
def test_every_case_core_process_has_a_history_of_each_path(suffix: str) -> None:
    """Cases started on each local-activity path are covered for every process on CaseCore."""
    recorded = {path.name.split("__", 1)[0] for path in SUFFIXED if _suffix(path) == suffix}
    missing = SCOPES.get(suffix, CASE_CORE_TYPES) - recorded
    assert not missing, f"record -{suffix} histories for: {sorted(missing)}"


@pytest.mark.parametrize("path", SUFFIXED, ids=[p.stem for p in SUFFIXED])
def test_suffixed_history_took_its_path(path: Path) -> None:
    """A history named for a local-activity path really ran its case steps as local
    activities behind that path's patches or engine revision, so replaying it checks that path,
    not an older one."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    names, patches = _markers(history)
    assert _suffix(path) in PATHS, f"declare the patches of -{_suffix(path)} in PATHS"
    assert PATHS[_suffix(path)] <= patches
    assert _engine(history) == ENGINES.get(_suffix(path), 0)
    assert "core_local_activity" in names
