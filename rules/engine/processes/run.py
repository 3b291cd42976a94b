"""Run every decision a case's inputs allow, for simulations and dry runs.

A case's inputs are what its workflow recorded (or what a scenario file says): the facts the
rules read and the times due dates count from. Missing facts take the facts models' defaults;
a decision whose inputs are absent is skipped.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rules.engine import facts
from rules.engine.dates import DueDate, Shift
from rules.engine.evaluate import Decision, jsonable
from rules.engine.processes import (
    AnnualInspection,
    Commitment,
    CommunityWorker,
    DualAssessment,
    FloatingMember,
)
from rules.engine.ruleset import RuleSet

Process = Literal[
    "dual_assessment", "annual_inspection", "floating_member", "community_worker", "commitment"
]


class CaseInputs(BaseModel):
    """The inputs of one case's decisions (recorded by its workflow, or written in a scenario)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    process: Process
    now: datetime
    inputs: dict[str, Any] = Field(default_factory=dict)


class Outcome(BaseModel):
    """A decision's result as JSON-ready data, and the rule that decided."""

    model_config = ConfigDict(frozen=True)

    result: Any
    rule_id: str | None


def run_case(rules: RuleSet, case: CaseInputs, shift: Shift) -> dict[str, Outcome]:
    """Decision name → outcome, for every decision the case's inputs allow; due dates are
    resolved with ``shift`` (the calendar activity's arithmetic)."""
    runner = _RUNNERS[case.process]
    out: dict[str, Outcome] = {}

    def record(name: str, decision: Decision[Any]) -> None:
        result = decision.result
        if isinstance(result, DueDate):
            out[f"{name}.due_at"] = Outcome(
                result=result.resolve(shift).isoformat(),
                rule_id=decision.trace.rule_id,
            )
            return
        out[name] = Outcome(result=jsonable(result), rule_id=decision.trace.rule_id)

    runner(rules, case, record)
    return out


Record = Callable[[str, Decision[Any]], None]


def _facts(model: type[BaseModel], value: Any) -> dict[str, Any]:
    return model.model_validate(value or {}).model_dump()


def _time(inputs: Mapping[str, Any], name: str) -> datetime | None:
    value = inputs.get(name)
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _dual_assessment(rules: RuleSet, case: CaseInputs, record: Record) -> None:
    d, i, now = DualAssessment.of(rules), case.inputs, case.now
    subject = _facts(facts.SubjectFacts, i.get("subject"))
    occasion, period = str(i.get("occasion", "")), str(i.get("period", ""))
    record("in_scope", d.in_scope(subject, occasion, period, now))
    record("consulted_org", d.consulted_org(subject, occasion, period, now))
    evidence = d.evidence(subject, occasion, period, now)
    record("evidence", evidence)
    if "grade" in i:
        record("check_grade", d.check_grade(subject, evidence.result, i["grade"], occasion, period))
    opened, closes = _time(i, "opened_at") or now, _time(i, "closes_at")
    if closes is not None:
        record("opinion", d.opinion_due(opened, closes))
    record("deadline_policy", d.deadline_policy())


def _annual_inspection(rules: RuleSet, case: CaseInputs, record: Record) -> None:
    d, i, now = AnnualInspection.of(rules), case.inputs, case.now
    org = _facts(facts.OrgFacts, i.get("org"))
    year = int(i.get("year", now.year))
    record("in_scope", d.in_scope(org, year, now))
    window = d.statutory_window(org, year)
    record("statutory_window", window)
    record("checklist", d.checklist(org, year, now))
    if window.result is not None:
        requested = _time(i, "requested_at") or now
        record("signoff", d.signoff_due(requested, window.result.closes_at))
        requests = int(i.get("requests", 1))
        record("may_request_again", d.may_request_again(requests, now, window.result.closes_at))
    signed = _time(i, "signed_at")
    if signed is not None:
        record("condition", d.condition_due(signed, None))


def _floating_member(rules: RuleSet, case: CaseInputs, record: Record) -> None:
    d, i, now = FloatingMember.of(rules), case.inputs, case.now
    member = _facts(facts.MemberFacts, i.get("member"))
    credential = d.credential_for(member, now)
    record("credential_for", credential)
    if member["credential"]:
        record("needs_origin_confirmation", d.needs_origin_confirmation(member["credential"]))
    registered = _time(i, "registered_at")
    if registered is not None:
        record("confirmation", d.confirmation_due(registered))
    record("assign", d.assign(member, list(i.get("households", []))))
    mentors = [_facts(facts.MentorFacts, m) for m in i.get("mentors", [])]
    record("pair_mentor", d.pair_mentor(member, mentors))
    last_contact = _time(i, "last_contact_at")
    if last_contact is not None:
        level = str(i.get("level", "central_household"))
        record("contact", d.contact_due(last_contact, level, member["abroad"]))
        record("lost_contact", d.lost_contact_at(last_contact))
    settled = _time(i, "settled_since")
    if settled is not None:
        record("transfer_prompt", d.transfer_prompt_at(settled))
    if "attendance" in i:
        attendance = _facts(facts.AttendanceFacts, i["attendance"])
        record("attendance_escalations", d.attendance_escalations(member, attendance))


def _community_worker(rules: RuleSet, case: CaseInputs, record: Record) -> None:
    d, i = CommunityWorker.of(rules), case.inputs
    if "candidate" in i:
        record("eligibility", d.eligibility(_facts(facts.CandidateFacts, i["candidate"])))
    if "worker" in i:
        worker = _facts(facts.WorkerFacts, i["worker"])
        record("entry_grade", d.entry_grade(worker["post"], worker["education"]))
        record("step", d.step(worker))
        record("training_shortfall", d.training_shortfall(worker))
        record("approach_for_party", d.approach_for_party(worker))
    if "figures" in i:
        record("workforce", d.workforce(i["figures"]))


def _commitment(rules: RuleSet, case: CaseInputs, record: Record) -> None:
    d, i, now = Commitment.of(rules), case.inputs, case.now
    if "categories" in i:
        record("check_items", d.check_items(list(i["categories"])))
    submitted = _time(i, "submitted_at")
    if submitted is not None:
        record("review", d.review_due(submitted))
    if "progress" in i:
        record(
            "progress_alerts", d.progress_alerts(_facts(facts.ProgressFacts, i["progress"]), now)
        )
    if "scores" in i:
        record("evaluate", d.evaluate(i["scores"]))


_RUNNERS: dict[str, Callable[[RuleSet, CaseInputs, Record], None]] = {
    "dual_assessment": _dual_assessment,
    "annual_inspection": _annual_inspection,
    "floating_member": _floating_member,
    "community_worker": _community_worker,
    "commitment": _commitment,
}
