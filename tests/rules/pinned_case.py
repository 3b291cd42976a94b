"""A minimal case workflow that pins its rule version the way the process workflows do.

At start an activity returns the active rule set's files (recorded in history); the workflow
loads them with the pure, version-cached ``rule_set_for`` and evaluates only that version. An
audited update moves the case to another stored version.
"""

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from rules.engine.cache import RuleFiles, rule_set_for
    from rules.engine.processes import DualAssessment
    from rules.engine.registry import RuleRegistry

_TIMEOUT = timedelta(seconds=30)
_RETRY = RetryPolicy(maximum_attempts=3)


class FetchRules(BaseModel):
    """Which version to fetch; None means the active one."""

    version: str | None = None


class GradeQuestion(BaseModel):
    community_activities: int
    grade: str


class GradeAnswer(BaseModel):
    allowed: bool
    version: str
    rule_id: str | None


class MoveToVersion(BaseModel):
    version: str
    actor: str
    reason: str


class Move(BaseModel):
    """One audited move of the case to another rule version."""

    previous: str
    version: str
    actor: str
    reason: str
    at: str


class CaseView(BaseModel):
    version: str
    moves: list[Move] = Field(default_factory=list)


class RulesActivities:
    """Hands workflows the files of the active or of a stored rule version."""

    def __init__(self, registry: RuleRegistry) -> None:
        self._registry = registry

    @activity.defn
    async def fetch_rules(self, request: FetchRules) -> RuleFiles:
        if request.version is None:
            return RuleFiles.of(self._registry.active)
        return RuleFiles.of(await self._registry.get(request.version))


@workflow.defn
class PinnedCase:
    """Evaluates P1 grade checks under its pinned rule version until closed."""

    def __init__(self) -> None:
        self._files: RuleFiles | None = None
        self._moves: list[Move] = []
        self._closed = False

    @workflow.run
    async def run(self) -> CaseView:
        self._files = await workflow.execute_activity_method(
            RulesActivities.fetch_rules,
            FetchRules(),
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )
        await workflow.wait_condition(lambda: self._closed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    @workflow.query
    def view(self) -> CaseView:
        return CaseView(version=self._files.version if self._files else "", moves=self._moves)

    @workflow.query
    def check_grade(self, question: GradeQuestion) -> GradeAnswer:
        if self._files is None:
            raise RuntimeError("the case has not fetched its rules yet")
        decider = DualAssessment.of(rule_set_for(self._files))
        subject = {"subject_type": "cadre"}
        evidence = {
            "community_activities": question.community_activities,
            "reported_in": True,
            "commitment_grade": "",
        }
        decision = decider.check_grade(
            subject, evidence, question.grade, "year_end_assessment", "2025"
        )
        return GradeAnswer(
            allowed=decision.result.allowed,
            version=decision.trace.version,
            rule_id=decision.trace.rule_id,
        )

    @workflow.update
    async def move_to_version(self, request: MoveToVersion) -> CaseView:
        previous = self._files.version if self._files else ""
        self._files = await workflow.execute_activity_method(
            RulesActivities.fetch_rules,
            FetchRules(version=request.version),
            start_to_close_timeout=_TIMEOUT,
            retry_policy=_RETRY,
        )
        rule_set_for(self._files)  # load (or find) it now, so queries never fail on it
        self._moves.append(
            Move(
                previous=previous,
                version=self._files.version,
                actor=request.actor,
                reason=request.reason,
                at=workflow.now().isoformat(),
            )
        )
        return self.view()

    @move_to_version.validator
    def _validate_move(self, request: MoveToVersion) -> None:
        if self._files is None or request.version == self._files.version:
            raise ValueError("the case already runs under this rule version")
        if not request.reason.strip():
            raise ValueError("moving a case to another rule version needs a reason")

    @workflow.signal
    def close(self) -> None:
        self._closed = True
