"""What would change if a draft rule set replaced the active one?

Run the same case inputs — from a scenario file, or recorded by running cases — through both
rule sets and report every decision and due date that differs. This is the dry run an
administrator sees before moving a running case to a newer version: the API queries the case for
its recorded inputs, shows :func:`dry_run`'s report, and only then sends the audited update.

Due dates are resolved with the calendar activity's own arithmetic, so a simulation and a running
case agree on every working day.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from activities.calendar import ChinaCalendar, WorkingCalendar
from activities.calendar import shift as calendar_shift
from models.duration import Duration
from rules.engine.dates import Shift, Sign, WeekdayCalendar
from rules.engine.errors import EvaluationError, RuleSetInvalid
from rules.engine.processes.run import CaseInputs, Outcome, Process, run_case
from rules.engine.ruleset import RuleSet
from rules.engine.schema_errors import schema_errors
from rules.engine.yamldoc import parse_yaml


class ScenarioCase(BaseModel):
    """One case of a scenario file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    process: Process
    now: datetime | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)


class Scenario(BaseModel):
    """A scenario file: a default ``now`` and the cases to decide."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    now: datetime
    cases: tuple[ScenarioCase, ...] = Field(min_length=1)

    def case_inputs(self) -> list[CaseInputs]:
        return [
            CaseInputs(case_id=c.id, process=c.process, now=c.now or self.now, inputs=c.inputs)
            for c in self.cases
        ]


@dataclass(frozen=True, slots=True)
class DecisionChange:
    """A decision whose outcome differs; None when it was not made under one of the sets."""

    decision: str
    before: Outcome | None
    after: Outcome | None

    def format(self) -> str:
        return f"{self.decision}: {_show(self.before)} → {_show(self.after)}"


@dataclass(frozen=True, slots=True)
class CaseReport:
    case_id: str
    process: str
    changes: tuple[DecisionChange, ...]


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """Per case, what differs between the active and the draft rule set."""

    active_version: str
    draft_version: str
    cases: tuple[CaseReport, ...]

    @property
    def changed(self) -> tuple[CaseReport, ...]:
        return tuple(case for case in self.cases if case.changes)

    def format(self) -> str:
        lines = [f"active {self.active_version} → draft {self.draft_version}"]
        for case in self.cases:
            if not case.changes:
                lines.append(f"  = {case.case_id} ({case.process}): no change")
                continue
            lines.append(f"  ~ {case.case_id} ({case.process}):")
            lines.extend(f"      {change.format()}" for change in case.changes)
        changed = len(self.changed)
        lines.append(f"{changed} of {len(self.cases)} cases would change")
        return "\n".join(lines)


def compare_cases(
    active: RuleSet,
    draft: RuleSet,
    cases: Sequence[CaseInputs],
    calendar: WorkingCalendar | None = None,
) -> SimulationReport:
    """Run each case under both rule sets; report the decisions that differ."""
    active_shift, draft_shift = shift_for(active, calendar), shift_for(draft, calendar)
    reports = []
    for case in cases:
        before = _outcomes(active, case, active_shift)
        after = _outcomes(draft, case, draft_shift)
        changes = tuple(
            DecisionChange(name, before.get(name), after.get(name))
            for name in [*before, *(n for n in after if n not in before)]
            if _differs(before.get(name), after.get(name))
        )
        reports.append(CaseReport(case.case_id, case.process, changes))
    return SimulationReport(active.version, draft.version, tuple(reports))


def dry_run(
    active: RuleSet,
    draft: RuleSet,
    case: CaseInputs,
    calendar: WorkingCalendar | None = None,
) -> CaseReport:
    """What moving one running case from ``active`` to ``draft`` would change for it."""
    return compare_cases(active, draft, [case], calendar).cases[0]


def load_scenario(path: Path) -> list[CaseInputs]:
    """Read a scenario file; errors are reported as ``file:line:column`` like rule files."""
    name = path.name
    doc, errors = parse_yaml(name, path.read_text(encoding="utf-8"))
    if doc is None:
        raise RuleSetInvalid(errors, str(path.parent))
    try:
        return Scenario.model_validate(doc.data).case_inputs()
    except ValidationError as exc:
        raise RuleSetInvalid(schema_errors(doc, Scenario, exc), str(path.parent)) from exc


def simulate_scenario(
    active: RuleSet, draft: RuleSet, path: Path, calendar: WorkingCalendar | None = None
) -> SimulationReport:
    """Compare ``active`` and ``draft`` on the cases of a scenario file."""
    return compare_cases(active, draft, load_scenario(path), calendar)


def shift_for(rules: RuleSet, calendar: WorkingCalendar | None = None) -> Shift:
    """The calendar activity's shift with the calendar ``rules`` name (or the one given)."""
    if calendar is None:
        official = rules.shared.calendar.working_days == "china_official"
        calendar = ChinaCalendar() if official else WeekdayCalendar()
    chosen = calendar

    def shift(at: datetime, duration: Duration, sign: Sign) -> datetime:
        return calendar_shift(at, duration, sign, calendar=chosen)

    return shift


def _outcomes(rules: RuleSet, case: CaseInputs, shift: Shift) -> dict[str, Outcome]:
    try:
        return run_case(rules, case, shift)
    except (EvaluationError, ValidationError, KeyError, ValueError) as exc:
        return {"error": Outcome(result=str(exc).splitlines()[0], rule_id=None)}


def _differs(before: Outcome | None, after: Outcome | None) -> bool:
    if before is None or after is None:
        return before is not after
    return bool(before.result != after.result)


def _show(outcome: Outcome | None) -> str:
    if outcome is None:
        return "(not decided)"
    rule = f" [{outcome.rule_id}]" if outcome.rule_id else ""
    return f"{outcome.result!r}{rule}"


__all__ = [
    "CaseReport",
    "DecisionChange",
    "Scenario",
    "SimulationReport",
    "compare_cases",
    "dry_run",
    "load_scenario",
    "simulate_scenario",
]
