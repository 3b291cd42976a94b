"""On the time-skipping server: an edited rule changes new cases, not running ones, until an
audited update moves a running case to the new version."""

import shutil
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from rules.engine.registry import RuleRegistry
from rules.engine.versions import FileRuleVersionStore
from tests.rules.helpers import RULES_DIR
from tests.rules.pinned_case import (
    GradeQuestion,
    MoveToVersion,
    PinnedCase,
    RulesActivities,
)

QUESTION = GradeQuestion(community_activities=3, grade="优秀")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    target.mkdir()
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


async def test_rules_are_pinned_per_case(
    time_skipping_env: WorkflowEnvironment, task_queue: str, folder: Path, tmp_path: Path
) -> None:
    """A running case keeps its rules after an edit; new cases and moved cases use the new ones."""
    # No timers here: without this, the V1 test server may skip a waiting case to its timeout.
    with time_skipping_env.auto_time_skipping_disabled():
        await _pinning(time_skipping_env.client, task_queue, folder, tmp_path)


async def _pinning(client: Client, task_queue: str, folder: Path, tmp_path: Path) -> None:
    registry = RuleRegistry(
        folder, FileRuleVersionStore(tmp_path / "versions"), display_root="rules"
    )
    await registry.refresh()
    old_version = registry.active.version
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[PinnedCase],
        activities=[RulesActivities(registry).fetch_rules],
    ):
        running = await client.start_workflow(
            PinnedCase.run, id=f"pinned-{uuid.uuid4()}", task_queue=task_queue
        )
        assert (await running.query(PinnedCase.check_grade, QUESTION)).allowed is False

        path = folder / "dual_assessment.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("community_activities < 4", "community_activities < 2"), encoding="utf-8"
        )
        assert await registry.refresh() is True
        new_version = registry.active.version

        fresh = await client.start_workflow(
            PinnedCase.run, id=f"pinned-{uuid.uuid4()}", task_queue=task_queue
        )
        fresh_answer = await fresh.query(PinnedCase.check_grade, QUESTION)
        assert (fresh_answer.allowed, fresh_answer.version) == (True, new_version)
        old_answer = await running.query(PinnedCase.check_grade, QUESTION)
        assert (old_answer.allowed, old_answer.version) == (False, old_version)

        with pytest.raises(WorkflowUpdateFailedError):
            await running.execute_update(
                PinnedCase.move_to_version,
                MoveToVersion(version=new_version, actor="admin", reason=" "),
            )
        view = await running.execute_update(
            PinnedCase.move_to_version,
            MoveToVersion(version=new_version, actor="admin", reason="采用新的社区活动次数标准"),
        )
        assert [(m.previous, m.version, m.actor) for m in view.moves] == [
            (old_version, new_version, "admin")
        ]
        moved = await running.query(PinnedCase.check_grade, QUESTION)
        assert (moved.allowed, moved.version) == (True, new_version)
        for handle in (running, fresh):
            await handle.signal(PinnedCase.close)
            await handle.result()
