"""The rules activities: a version's files for a case to pin, and the dry run of a move."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.rules import DryRunInput, FetchRules, RulesActivities
from rules.engine.cache import rule_set_for
from rules.engine.processes.run import CaseInputs
from tests.workflows.case_support import edit_rules, rule_registry

CST = timezone(timedelta(hours=8))


async def test_a_case_gets_the_files_of_its_version_even_after_an_edit(tmp_path: Path) -> None:
    """The active version's files, and an older version's files after the folder changed."""
    registry = await rule_registry(tmp_path)
    activities = RulesActivities(registry)
    env = ActivityEnvironment()
    old = await env.run(activities.fetch_rules, FetchRules())
    edit_rules(registry.folder, {"dual_assessment.yaml": [("before: 5wd", "before: 3wd")]})
    assert await registry.refresh() is True
    again = await env.run(activities.fetch_rules, FetchRules(version=old.version))
    assert again == old
    assert rule_set_for(again).version == old.version
    with pytest.raises(ApplicationError) as unknown:
        await env.run(activities.fetch_rules, FetchRules(version="000000000000"))
    assert unknown.value.non_retryable
    assert unknown.value.type == "UnknownRuleVersion"


async def test_dry_run_lists_what_a_move_would_change(tmp_path: Path) -> None:
    """Moving a cadre's case to rules with a shorter lead time changes only its due date."""
    registry = await rule_registry(tmp_path)
    old = registry.active.version
    edit_rules(registry.folder, {"dual_assessment.yaml": [("before: 5wd", "before: 3wd")]})
    await registry.refresh()
    case = CaseInputs(
        case_id="dual_assessment/c1/year_end_assessment/2026",
        process="dual_assessment",
        now=datetime(2027, 3, 1, 9, tzinfo=CST),
        inputs={
            "subject": {"subject_type": "cadre", "id": "c1", "party_member": True},
            "occasion": "year_end_assessment",
            "period": "2026",
            "closes_at": datetime(2027, 3, 19, 17, tzinfo=CST),
        },
    )
    result = await ActivityEnvironment().run(
        RulesActivities(registry).dry_run_rules,
        DryRunInput(active_version=old, draft_version=registry.active.version, case=case),
    )
    # Five working days before Friday 19 March is Friday 12; three is Tuesday 16.
    assert [(c.decision, c.before, c.after) for c in result.changes] == [
        ("opinion.due_at", "2027-03-12T17:00:00+08:00", "2027-03-16T17:00:00+08:00")
    ]
    assert "opinion.due_at" in result.report
