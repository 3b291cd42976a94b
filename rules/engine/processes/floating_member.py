"""P3 流动党员 decisions: credential, origin confirmation, assignment down the four levels,
mentor pairing, contact due dates and status, attendance escalation.

``member`` has the fields of :class:`rules.engine.facts.MemberFacts`; a household candidate has
``id, grid_id, building_id, unit, capacity`` (0 = the rule set's default) and ``assigned``; a
mentor candidate has the fields of :class:`rules.engine.facts.MentorFacts`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.engine.dates import DueDate, due_from_rule
from rules.engine.evaluate import Decider, Decision, Step
from rules.engine.ruleset import RuleSet

_FILE = "floating_member"
_MATCH_FIELDS = {
    "same_unit": ("grid_id", "building_id", "unit"),
    "same_building": ("grid_id", "building_id"),
    "same_grid": ("grid_id",),
}


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where the member was placed; ``manual`` asks a person to finish the placement."""

    branch: str | None
    grid_id: str | None
    household_id: str | None
    match: str | None
    manual: bool


class FloatingMember(Decider):
    """The decisions of P3 under one rule-set version."""

    file = "floating_member.yaml"

    def __init__(self, rules: RuleSet) -> None:
        super().__init__(rules.version)
        model = rules.floating_member
        self.model = model
        groups = rules.shared.occupation_groups
        self._credential_rules = tuple(
            (rule.id, rule.credential, rules.expr(_FILE, ("credential_rules", i, "when")))
            for i, rule in enumerate(model.credential_rules)
        )
        self._assignment = tuple(
            (
                rule,
                frozenset(groups[rule.occupations].occupations) if rule.occupations else None,
                rules.expr(_FILE, ("assignment", "rules", i, "when")) if rule.when else None,
            )
            for i, rule in enumerate(model.assignment.rules)
        )
        self._mentor = rules.expr(_FILE, ("mentor", "eligible"))
        self._attendance = tuple(
            (rule, rules.expr(_FILE, ("party_life", "attendance_rules", i, "when")))
            for i, rule in enumerate(model.party_life.attendance_rules)
        )

    @classmethod
    def of(cls, rules: RuleSet) -> "FloatingMember":
        decider: FloatingMember = rules.view("floating_member", cls)
        return decider

    def credential_for(self, member: Mapping[str, Any], now: datetime) -> Decision[str | None]:
        """The document the member's absence calls for; None: a short trip needs none."""
        inputs = {"member": member, "now": now}
        steps: list[Step] = []
        for rule_id, credential, expr in self._credential_rules:
            if self._check(expr, rule_id, inputs, steps):
                return self._decide("credential_for", credential, rule_id, steps)
        return self._decide("credential_for", None, None, steps)

    def needs_origin_confirmation(self, credential: str) -> Decision[bool]:
        spec = self.model.credentials.get(credential)  # type: ignore[call-overload]
        needed = bool(spec.confirm_origin) if spec is not None else True
        step = Step("credentials", needed, {"member.credential": credential})
        return self._decide("needs_origin_confirmation", needed, "credentials", [step])

    def confirmation_due(self, registered_at: datetime) -> Decision[DueDate]:
        result = due_from_rule(self.model.origin_confirmation.due, {"registered_at": registered_at})
        step = Step("origin_confirmation", result, {"registered_at": registered_at})
        return self._decide("confirmation_due", result, "origin_confirmation", [step])

    def manual_assignment_due(self, registered_at: datetime) -> Decision[DueDate]:
        rule = self.model.assignment.manual_task.due
        result = due_from_rule(rule, {"registered_at": registered_at})
        step = Step("manual_task", result, {"registered_at": registered_at})
        return self._decide("manual_assignment_due", result, "manual_task", [step])

    def assign(
        self, member: Mapping[str, Any], households: Sequence[Mapping[str, Any]]
    ) -> Decision[Assignment]:
        """Branch by the first rule that applies, then the nearest household with room."""
        inputs = {"member": member}
        steps: list[Step] = []
        for rule, occupations, expr in self._assignment:
            if occupations is not None:
                fits = member["occupation"] in occupations
                steps.append(Step(rule.id, fits, {"member.occupation": member["occupation"]}))
                if not fits:
                    continue
            if expr is not None and not self._check(expr, rule.id, inputs, steps):
                continue
            if rule.branch == "new_sector" or not rule.to_household:
                result = Assignment(rule.branch, None, None, None, manual=False)
                return self._decide("assign", result, rule.id, steps)
            grid = member["grid_id"] or None
            household, match = self._household(member, households)
            steps.append(Step("household", household, {"candidates": len(households)}))
            result = Assignment(rule.branch, grid, household, match, manual=household is None)
            return self._decide("assign", result, rule.id, steps)
        return self._decide("assign", Assignment(None, None, None, None, True), None, steps)

    def _household(
        self, member: Mapping[str, Any], households: Sequence[Mapping[str, Any]]
    ) -> tuple[str | None, str | None]:
        default = self.model.assignment.household_capacity
        free = [h for h in households if (h.get("capacity") or default) - h["assigned"] > 0]
        for match in self.model.assignment.match_order:
            fields = _MATCH_FIELDS[match]
            near = [h for h in free if all(h[f] == member[f] and member[f] for f in fields)]
            if near:
                best = min(
                    near, key=lambda h: (h["assigned"] - (h.get("capacity") or default), h["id"])
                )
                return str(best["id"]), match
        return None, None

    def pair_mentor(
        self, member: Mapping[str, Any], mentors: Sequence[Mapping[str, Any]]
    ) -> Decision[str | None]:
        """The preferred eligible mentor with room for another mentee."""
        rules = self.model.mentor
        steps: list[Step] = []
        eligible = []
        for mentor in mentors:
            if mentor["mentees"] >= rules.max_mentees:
                continue
            if self._check(
                self._mentor, f"mentor:{mentor['id']}", {"member": member, "mentor": mentor}, steps
            ):
                eligible.append(mentor)
        if not eligible:
            return self._decide("pair_mentor", None, None, steps)

        def rank(mentor: Mapping[str, Any]) -> tuple[int, int, str]:
            for position, preference in enumerate(rules.prefer):
                if _prefers(preference, member, mentor):
                    return position, mentor["mentees"], str(mentor["id"])
            return len(rules.prefer), mentor["mentees"], str(mentor["id"])

        chosen = min(eligible, key=rank)
        return self._decide("pair_mentor", str(chosen["id"]), "mentor", steps)

    def contact_due(self, last_contact_at: datetime, level: str, abroad: bool) -> Decision[DueDate]:
        """When the next contact by the organisation at ``level`` is due."""
        contact = self.model.contact
        read = {"last_contact_at": last_contact_at, "level": level, "member.abroad": abroad}
        if abroad:
            result = DueDate("last_contact_at", last_contact_at, contact.abroad_every)
            return self._decide(
                "contact_due", result, "abroad_every", [Step("abroad_every", result, read)]
            )
        for cadence in contact.cadence:
            if cadence.by == level:
                result = DueDate("last_contact_at", last_contact_at, cadence.every)
                return self._decide(
                    "contact_due", result, cadence.id, [Step(cadence.id, result, read)]
                )
        cadence = contact.cadence[0]
        result = DueDate("last_contact_at", last_contact_at, cadence.every)
        return self._decide("contact_due", result, cadence.id, [Step(cadence.id, result, read)])

    def lost_contact_at(self, last_contact_at: datetime) -> Decision[DueDate]:
        """When a member not contacted since ``last_contact_at`` counts as 失联."""
        result = DueDate("last_contact_at", last_contact_at, self.model.contact.lost_contact_after)
        step = Step("lost_contact_after", result, {"last_contact_at": last_contact_at})
        return self._decide("lost_contact_at", result, "lost_contact_after", [step])

    def transfer_prompt_at(self, settled_since: datetime) -> Decision[DueDate]:
        """When a member settled since ``settled_since`` is prompted to transfer membership."""
        after = self.model.contact.transfer_prompt_after
        result = DueDate("settled_since", settled_since, after)
        step = Step("transfer_prompt_after", result, {"settled_since": settled_since})
        return self._decide("transfer_prompt_at", result, "transfer_prompt_after", [step])

    def attendance_escalations(
        self, member: Mapping[str, Any], attendance: Mapping[str, Any]
    ) -> Decision[tuple[tuple[str, str], ...]]:
        """(rule id, role to notify) for every attendance rule that fires."""
        inputs = {"member": member, "attendance": attendance}
        steps: list[Step] = []
        fired = tuple(
            (rule.id, rule.notify)
            for rule, expr in self._attendance
            if self._check(expr, rule.id, inputs, steps)
        )
        return self._decide("attendance_escalations", fired, fired[0][0] if fired else None, steps)


def _prefers(preference: str, member: Mapping[str, Any], mentor: Mapping[str, Any]) -> bool:
    if preference == "central_household":
        return bool(mentor["is_central_household"])
    if preference == "same_building":
        return bool(member["building_id"]) and mentor["building_id"] == member["building_id"]
    return bool(member["grid_id"]) and mentor["grid_id"] == member["grid_id"]
