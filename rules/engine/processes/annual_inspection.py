"""P2 年检登记 decisions: scope and exemptions, statutory window, checklist, sign-off and
condition due dates, and whether a denied organisation may ask again.

``org`` is a mapping with the fields of :class:`rules.engine.facts.OrgFacts`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.duration import Duration
from rules.engine.dates import DueDate, due_from_rule, month_day
from rules.engine.evaluate import Decider, Decision, Step
from rules.engine.ruleset import RuleSet

_FILE = "annual_inspection"


@dataclass(frozen=True, slots=True)
class Window:
    """A statutory filing window of one year, in local time."""

    id: str
    label: str
    opens_at: datetime
    closes_at: datetime
    authority: str


@dataclass(frozen=True, slots=True)
class ChecklistResult:
    """Each item's pass/fail and whether every required item passed."""

    passed: bool
    items: tuple[tuple[str, str, bool, bool], ...]  # (id, label, required, passed)

    @property
    def failed_required(self) -> tuple[str, ...]:
        return tuple(label for _, label, required, ok in self.items if required and not ok)


class AnnualInspection(Decider):
    """The decisions of P2 under one rule-set version."""

    file = "annual_inspection.yaml"

    def __init__(self, rules: RuleSet) -> None:
        super().__init__(rules.version)
        model = rules.annual_inspection
        self.model = model
        self._timezone = rules.shared.calendar.timezone
        self._scope = rules.org_types(model.scope.org_types)
        self._exemptions = tuple(
            (
                rule.id,
                rules.org_types(rule.org_types) if rule.org_types else None,
                rules.expr(_FILE, ("scope", "exemptions", i, "when")),
            )
            for i, rule in enumerate(model.scope.exemptions)
        )
        self._windows = tuple((w, rules.org_types(w.org_types)) for w in model.statutory_windows)
        self._checklist = tuple(
            (item, rules.expr(_FILE, ("checklist", i, "pass_when")))
            for i, item in enumerate(model.checklist)
        )

    @classmethod
    def of(cls, rules: RuleSet) -> "AnnualInspection":
        decider: AnnualInspection = rules.view("annual_inspection", cls)
        return decider

    def in_scope(self, org: Mapping[str, Any], year: int, now: datetime) -> Decision[bool]:
        """Does the organisation need a community sign-off this year?"""
        org_type = org["org_type"]
        steps = [Step("scope", org_type in self._scope, {"org.org_type": org_type})]
        if org_type not in self._scope:
            return self._decide("in_scope", False, "scope", steps)
        inputs = {"org": org, "year": year, "now": now}
        for rule_id, types, expr in self._exemptions:
            if types is not None and org_type not in types:
                continue
            if self._check(expr, rule_id, inputs, steps):
                return self._decide("in_scope", False, rule_id, steps)
        return self._decide("in_scope", True, "scope", steps)

    def statutory_window(self, org: Mapping[str, Any], year: int) -> Decision[Window | None]:
        """The filing window for the organisation's type; the first listing the type applies."""
        org_type = org["org_type"]
        steps: list[Step] = []
        for window, types in self._windows:
            matched = org_type in types
            steps.append(Step(window.id, matched, {"org.org_type": org_type, "year": year}))
            if matched:
                result = Window(
                    window.id,
                    window.label,
                    month_day(year, window.opens, self._timezone),
                    month_day(year, window.closes, self._timezone, end_of_day=True),
                    window.authority,
                )
                return self._decide("statutory_window", result, window.id, steps)
        return self._decide("statutory_window", None, None, steps)

    def checklist(
        self, org: Mapping[str, Any], year: int, now: datetime
    ) -> Decision[ChecklistResult]:
        """Run every checklist item; passed when every required item passes."""
        inputs = {"org": org, "year": year, "now": now}
        steps: list[Step] = []
        items = tuple(
            (item.id, item.label, item.required, bool(self._check(expr, item.id, inputs, steps)))
            for item, expr in self._checklist
        )
        passed = all(ok for _, _, required, ok in items if required)
        return self._decide("checklist", ChecklistResult(passed, items), None, steps)

    def signoff_due(self, requested_at: datetime, window_closes: datetime) -> Decision[DueDate]:
        """When the community's sign-off is due (resolve with the working-day calendar)."""
        anchors = {"requested_at": requested_at, "window_closes": window_closes}
        result = due_from_rule(self.model.signoff_task.due, anchors)
        return self._decide(
            "signoff_due", result, "signoff_task", [Step("signoff_task", result, anchors)]
        )

    def condition_due(self, signed_at: datetime, within: Duration | None) -> Decision[DueDate]:
        """When a condition must be met: the signer's time limit, at most ``max_within``."""
        rules = self.model.conditional
        asked = within or rules.default_within
        limit = rules.max_within if _longer(asked, rules.max_within) else asked
        result = DueDate("signed_at", signed_at, limit)
        read = {"signed_at": signed_at, "within": asked.text, "max_within": rules.max_within.text}
        return self._decide(
            "condition_due", result, "conditional", [Step("conditional", result, read)]
        )

    def signoff_deadline_policy(self) -> Decision[str]:
        """What happens when no sign-off arrives by its due time: hold | block."""
        policy = self.model.signoff_task.on_deadline
        return self._decide("signoff_deadline_policy", policy, "signoff_task", [])

    def lapse_policy(self) -> Decision[str]:
        """What happens when a condition of a sign-off is not met in time: block | hold."""
        policy = self.model.conditional.on_lapse
        return self._decide("lapse_policy", policy, "conditional", [])

    def may_request_again(
        self, requests: int, now: datetime, window_closes: datetime
    ) -> Decision[bool]:
        """May a denied organisation remediate and ask again?"""
        rules = self.model.remediation
        allowed = rules.allowed and requests < rules.max_requests and now <= window_closes
        read = {"requests": requests, "now": now, "window_closes": window_closes}
        return self._decide(
            "may_request_again", allowed, "remediation", [Step("remediation", allowed, read)]
        )


def _longer(a: Duration, b: Duration) -> bool:
    """Compare by approximate length (a month as 30 days, a working day as 1.4 days)."""
    return _approx_days(a) > _approx_days(b)


def _approx_days(d: Duration) -> float:
    return d.months * 30 + d.days + d.seconds / 86400 + d.working_days * 1.4
