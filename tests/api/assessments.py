"""P1 双向考核 cases for the API and page tests: the real workflow on its own task queue, projecting
into the app's database, and cases brought into the states people act on (held, awaiting
assignment, awaiting the opinion) the way the workflow gets there today."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from temporalio.worker import Worker

from activities.cases import CaseActivities
from activities.rules import RulesActivities
from rules.engine.registry import RuleRegistry
from tests.api.conftest import Api
from tests.workflows.assessment_support import (
    assessment_id,
    cadre_facts,
    open_assessment,
    unit_facts,
)
from tests.workflows.case_support import (
    CALENDAR,
    DAY,
    HOUR,
    FakeRegistry,
    rule_registry,
    sleep_until,
    stop,
    unique,
)
from tests.workflows.deadline_support import quiet_friday
from workflows.dual_assessment import DualAssessmentWorkflow


@dataclass
class Assessments:
    """Opens assessment cases for a test and waits until the case list shows them."""

    api: Api
    queue: str
    rules: RuleRegistry
    registry: FakeRegistry

    async def awaiting_opinion(self, community: str = "c-a") -> tuple[str, datetime]:
        """A unit of ``community`` whose opinion task is open, due on a quiet Friday; the case
        id and that Friday."""
        friday = await quiet_friday(self.api.env)
        unit = unit_facts(unique("unit"), community_id=community)
        self.registry.subjects[unit.id] = unit
        await open_assessment(
            self.api.env.client, self.queue, self.rules.active.version, unit, friday + 7 * DAY
        )
        case_id = assessment_id(unit)
        self.api.cases.add(case_id)
        await self.api.wait_for(case_id, status="awaiting_opinion")
        return case_id, friday

    async def held(self, community: str = "c-a") -> str:
        """A unit's assessment held past its due time without the community's opinion (the
        default rules' ``on_deadline: hold``)."""
        case_id, friday = await self.awaiting_opinion(community)
        await sleep_until(self.api.env, friday + HOUR)
        await self.api.wait_for(case_id, status="held")
        return case_id

    async def awaiting_assignment(self) -> str:
        """A cadre who reported in nowhere and lives nowhere the registry knows: no rule finds
        the community to consult, so the case waits for a person to name one."""
        friday = await quiet_friday(self.api.env)
        cadre = cadre_facts(
            unique("cadre"), reported_in=False, report_community_id="", residence_community_id=""
        )
        self.registry.subjects[cadre.id] = cadre
        await open_assessment(
            self.api.env.client, self.queue, self.rules.active.version, cadre, friday + 7 * DAY
        )
        case_id = assessment_id(cadre)
        self.api.cases.add(case_id)
        await self.api.wait_for(case_id, status="awaiting_assignment")
        return case_id

    async def held_unassigned(self) -> str:
        """An assessment still without a community to consult when the assessment closed: held
        (``on_deadline: hold``) with its assignment task open."""
        case_id = await self.awaiting_assignment()
        await sleep_until(self.api.env, await quiet_friday(self.api.env) + 8 * DAY)
        await self.api.wait_for(case_id, status="held")
        return case_id


@contextlib.asynccontextmanager
async def assessment_cases(api: Api, task_queue: str, tmp_path: Path) -> AsyncIterator[Assessments]:
    """A worker for P1 on its own queue over a copy of the default rules; the cases it opened
    are stopped afterwards."""
    queue = f"{task_queue}-assessment"
    rules, registry = await rule_registry(tmp_path / "p1"), FakeRegistry()
    rule_files = RulesActivities(rules)
    async with Worker(
        api.env.client,
        task_queue=queue,
        workflows=[DualAssessmentWorkflow],
        activities=[
            CALENDAR.resolve_schedule,
            CALENDAR.resolve_schedule_by_rule,
            CALENDAR.shift,
            rule_files.fetch_rules,
            rule_files.dry_run_rules,
            registry.subject_facts,
            registry.org_facts,
            CaseActivities(api.sessions).project_case,
        ],
        graceful_shutdown_timeout=timedelta(seconds=5),
    ):
        try:
            yield Assessments(api, queue, rules, registry)
        finally:
            for case_id in api.cases:
                await stop(api.env.client.get_workflow_handle(case_id))
            api.cases.clear()
