"""Rule sets for workflows: a version's files (recorded in history, so the case is pinned to
them) and the dry run shown before a running case moves to another version.

The input and output models live here, not in ``models/``, because they carry the rules engine's
own ``CaseInputs``.
"""

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.case_actions import RuleChange
from rules.engine.cache import RuleFiles
from rules.engine.errors import UnknownRuleVersion
from rules.engine.evaluate import jsonable
from rules.engine.processes.run import CaseInputs
from rules.engine.registry import RuleRegistry
from rules.engine.ruleset import RuleSet
from rules.engine.simulate import dry_run


class FetchRules(BaseModel):
    """Which version to fetch; None means the active one."""

    version: str | None = None


class DryRunInput(BaseModel):
    """Decide a case's recorded inputs under its current and a proposed version."""

    active_version: str
    draft_version: str
    case: CaseInputs


class DryRunResult(BaseModel):
    """Every decision or due date that would differ, and the report as text."""

    active_version: str
    draft_version: str
    changes: list[RuleChange] = Field(default_factory=list)
    report: str = ""


class RulesActivities:
    """Hands workflows rule-set files by version and dry-runs a move between versions."""

    def __init__(self, registry: RuleRegistry) -> None:
        self._registry = registry

    @activity.defn
    async def fetch_rules(self, request: FetchRules) -> RuleFiles:
        """The files of ``request.version`` (or of the active version)."""
        return RuleFiles.of(await self._rules(request.version))

    @activity.defn
    async def dry_run_rules(self, request: DryRunInput) -> DryRunResult:
        """What moving the case from its version to the draft would change for it."""
        active = await self._rules(request.active_version)
        draft = await self._rules(request.draft_version)
        report = dry_run(active, draft, request.case)
        changes = [
            RuleChange(
                decision=change.decision,
                before=jsonable(change.before.result) if change.before else None,
                after=jsonable(change.after.result) if change.after else None,
            )
            for change in report.changes
        ]
        lines = [change.format() for change in report.changes] or ["no change"]
        return DryRunResult(
            active_version=active.version,
            draft_version=draft.version,
            changes=changes,
            report="\n".join(lines),
        )

    async def _rules(self, version: str | None) -> RuleSet:
        if version is None:
            return self._registry.active
        try:
            return await self._registry.get(version)
        except UnknownRuleVersion as exc:
            raise ApplicationError(
                f"unknown rule version {version!r}", type="UnknownRuleVersion", non_retryable=True
            ) from exc
