"""P1 双向考核 decisions: scope, consulted organisation, evidence, grade check, opinion due date.

``subject`` is a mapping with the fields of :class:`rules.engine.facts.SubjectFacts`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.engine.cel import CompiledExpr
from rules.engine.dates import DueDate, due_from_rule
from rules.engine.evaluate import Decider, Decision, Step
from rules.engine.ruleset import RuleSet

_FILE = "dual_assessment"


@dataclass(frozen=True, slots=True)
class _ScopeRule:
    id: str
    subject_type: str
    org_types: frozenset[str] | None
    occasions: frozenset[str] | None
    when: CompiledExpr | None


@dataclass(frozen=True, slots=True)
class _ConsultRule:
    id: str
    subject_type: str
    when: CompiledExpr | None
    org: CompiledExpr


@dataclass(frozen=True, slots=True)
class GradeCheck:
    """Whether a proposed grade is allowed, the best grade allowed, and why."""

    allowed: bool
    best_allowed: str | None
    reasons: tuple[str, ...]


class DualAssessment(Decider):
    """The decisions of P1 under one rule-set version."""

    file = "dual_assessment.yaml"

    def __init__(self, rules: RuleSet) -> None:
        super().__init__(rules.version)
        model = rules.dual_assessment
        self.model = model
        self._scales = {
            "unit": rules.shared.grade_scales[model.grade_scales.unit].grades,
            "cadre": rules.shared.grade_scales[model.grade_scales.cadre].grades,
        }
        self._scope = tuple(
            _ScopeRule(
                rule.id,
                rule.subject_type,
                rules.org_types(rule.org_types) if rule.org_types else None,
                frozenset(rule.occasions) if rule.occasions else None,
                _expr(rules, ("scope", i, "when")) if rule.when else None,
            )
            for i, rule in enumerate(model.scope)
        )
        self._consult = tuple(
            _ConsultRule(
                rule.id,
                rule.subject_type,
                _expr(rules, ("consulted_org", i, "when")) if rule.when else None,
                rules.expr(_FILE, ("consulted_org", i, "org")),
            )
            for i, rule in enumerate(model.consulted_org)
        )
        self._evidence = tuple(
            (item.id, item.subject_type, rules.expr(_FILE, ("evidence", i, "value")))
            for i, item in enumerate(model.evidence)
        )
        self._constraints = tuple(
            (rule, rules.expr(_FILE, ("grade_constraints", i, "when")))
            for i, rule in enumerate(model.grade_constraints)
        )

    @classmethod
    def of(cls, rules: RuleSet) -> "DualAssessment":
        """The decider for ``rules``, built once per version."""
        decider: DualAssessment = rules.view("dual_assessment", cls)
        return decider

    def in_scope(
        self, subject: Mapping[str, Any], occasion: str, period: str, now: datetime
    ) -> Decision[bool]:
        """Is the subject in scope for this occasion? The first scope rule that applies says yes."""
        inputs = {"subject": subject, "occasion": occasion, "period": period, "now": now}
        subject_type = subject["subject_type"]
        steps: list[Step] = []
        for rule in self._scope:
            if rule.subject_type != subject_type:
                continue
            read = {"subject.subject_type": subject_type}
            if rule.org_types is not None:
                read["subject.org_type"] = subject["org_type"]
            if rule.occasions is not None:
                read["occasion"] = occasion
            matched = (rule.org_types is None or subject["org_type"] in rule.org_types) and (
                rule.occasions is None or occasion in rule.occasions
            )
            steps.append(Step(rule.id, matched, read))
            if matched and rule.when is not None:
                matched = self._check(rule.when, rule.id, inputs, steps)
            if matched:
                return self._decide("in_scope", True, rule.id, steps)
        return self._decide("in_scope", False, None, steps)

    def consulted_org(
        self, subject: Mapping[str, Any], occasion: str, period: str, now: datetime
    ) -> Decision[str | None]:
        """The community organisation asked for the opinion; None means a manual assignment."""
        inputs = {"subject": subject, "occasion": occasion, "period": period, "now": now}
        subject_type = subject["subject_type"]
        steps: list[Step] = []
        for rule in self._consult:
            if rule.subject_type != subject_type:
                continue
            if rule.when is not None and not self._check(rule.when, rule.id, inputs, steps):
                continue
            org = self._check(rule.org, rule.id, inputs, steps)
            if org:
                return self._decide("consulted_org", str(org), rule.id, steps)
        return self._decide("consulted_org", None, None, steps)

    def evidence(
        self, subject: Mapping[str, Any], occasion: str, period: str, now: datetime
    ) -> Decision[dict[str, Any]]:
        """The evidence items for the subject's type, by id."""
        inputs = {"subject": subject, "occasion": occasion, "period": period, "now": now}
        subject_type = subject["subject_type"]
        steps: list[Step] = []
        found = {
            item_id: self._check(expr, item_id, inputs, steps)
            for item_id, item_type, expr in self._evidence
            if item_type == subject_type
        }
        return self._decide("evidence", found, None, steps)

    def check_grade(
        self,
        subject: Mapping[str, Any],
        evidence: Mapping[str, Any],
        grade: str,
        occasion: str,
        period: str,
    ) -> Decision[GradeCheck]:
        """May ``grade`` be given? Every constraint that applies caps the best grade allowed."""
        subject_type = subject["subject_type"]
        scale = self._scales[subject_type]
        inputs = {
            "subject": subject,
            "evidence": evidence,
            "grade": grade,
            "occasion": occasion,
            "period": period,
        }
        steps: list[Step] = []
        if grade not in scale:
            reason = f"“{grade}”不在等次表中（{'、'.join(scale)}）"
            steps.append(Step("grade_scale", False, {"grade": grade}))
            return self._decide("check_grade", GradeCheck(False, None, (reason,)), None, steps)
        best_index, reasons, decided_by = 0, [], None
        for rule, expr in self._constraints:
            if rule.subject_type != subject_type or not self._check(expr, rule.id, inputs, steps):
                continue
            reasons.append(rule.reason)
            index = scale.index(rule.best_allowed)
            if index > best_index:
                best_index, decided_by = index, rule.id
        allowed = scale.index(grade) >= best_index
        result = GradeCheck(allowed, scale[best_index], tuple(reasons) if not allowed else ())
        return self._decide("check_grade", result, decided_by, steps)

    def opinion_due(self, opened_at: datetime, closes_at: datetime) -> Decision[DueDate]:
        """When the community's opinion is due (resolve it with the working-day calendar)."""
        anchors = {"opened_at": opened_at, "closes_at": closes_at}
        result = due_from_rule(self.model.opinion_task.due, anchors)
        steps = [Step("opinion_task", result, anchors)]
        return self._decide("opinion_due", result, "opinion_task", steps)

    def deadline_policy(self) -> Decision[str]:
        """What happens when no opinion arrives by the deadline: close_without_opinion | hold."""
        policy = self.model.opinion_task.on_deadline
        return self._decide("deadline_policy", policy, "opinion_task", [])


def _expr(rules: RuleSet, path: tuple[str | int, ...]) -> CompiledExpr:
    return rules.expr(_FILE, path)
