"""P4 社区工作者 decisions: recruitment requirements, entry grade, grade steps, training
shortfall, Party development, and the workforce structure against its targets.

``candidate`` and ``worker`` have the fields of :class:`rules.engine.facts.CandidateFacts` and
:class:`rules.engine.facts.WorkerFacts`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models.duration import Duration
from rules.engine.evaluate import Decider, Decision, Step
from rules.engine.ruleset import RuleSet

_FILE = "community_worker"


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    failed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GradeStep:
    """The grade after a step review: ``steps`` up from ``grade``, capped by the post."""

    grade: int
    new_grade: int
    steps: int
    due: bool


@dataclass(frozen=True, slots=True)
class Gap:
    """One workforce figure against its target; ``meets`` is None when either is unknown."""

    actual: float | None
    target: float | None
    meets: bool | None


def years(duration: Duration) -> float:
    """A Duration as years (months / 12, days / 365)."""
    return duration.months / 12 + (duration.days + duration.seconds / 86400) / 365


class CommunityWorker(Decider):
    """The decisions of P4 under one rule-set version."""

    file = "community_worker.yaml"

    def __init__(self, rules: RuleSet) -> None:
        super().__init__(rules.version)
        model = rules.community_worker
        self.model = model
        self._requirements = tuple(
            (rule, rules.expr(_FILE, ("recruitment", "requirements", i, "when")))
            for i, rule in enumerate(model.recruitment.requirements)
        )
        self._steps = tuple(
            (rule, rules.expr(_FILE, ("steps", "rules", i, "when")))
            for i, rule in enumerate(model.steps.rules)
        )
        self._interval = years(model.steps.every)
        self._party = rules.expr(_FILE, ("party_development", "approach_when"))

    @classmethod
    def of(cls, rules: RuleSet) -> "CommunityWorker":
        decider: CommunityWorker = rules.view("community_worker", cls)
        return decider

    def eligibility(self, candidate: Mapping[str, Any]) -> Decision[Eligibility]:
        """Does the candidate meet every recruitment requirement?"""
        inputs = {"candidate": candidate}
        steps: list[Step] = []
        failed = tuple(
            rule.label
            for rule, expr in self._requirements
            if not self._check(expr, rule.id, inputs, steps)
        )
        return self._decide("eligibility", Eligibility(not failed, failed), None, steps)

    def entry_grade(self, post: str, education: str) -> Decision[int]:
        """The starting grade: the post's lowest, plus a step per interval of education credit."""
        grades = self.model.posts[post]  # type: ignore[index]
        credit = self.model.steps.education_credits.get(education)  # type: ignore[call-overload]
        bonus = int(years(credit) // self._interval) if credit is not None and self._interval else 0
        grade = min(grades.lowest + bonus, grades.highest)
        read = {"worker.post": post, "worker.education": education}
        return self._decide("entry_grade", grade, "education_credits", [Step("posts", grade, read)])

    def step(self, worker: Mapping[str, Any]) -> Decision[GradeStep]:
        """At the step interval, the first step rule that applies says how many grades to move."""
        grades = self.model.posts[worker["post"]]
        grade = worker["grade"]
        due = worker["years_in_grade"] >= self._interval
        steps = [Step("every", due, {"worker.years_in_grade": worker["years_in_grade"]})]
        if not due:
            return self._decide("step", GradeStep(grade, grade, 0, False), "every", steps)
        inputs = {"worker": worker}
        for rule, expr in self._steps:
            if self._check(expr, rule.id, inputs, steps):
                new_grade = min(grade + rule.steps, grades.highest)
                result = GradeStep(grade, new_grade, new_grade - grade, True)
                return self._decide("step", result, rule.id, steps)
        return self._decide("step", GradeStep(grade, grade, 0, True), None, steps)

    def training_shortfall(self, worker: Mapping[str, Any]) -> Decision[float]:
        """Hours still missing from the annual minimum (0 when met)."""
        minimum = self.model.training.annual_minimum_hours
        missing = max(0.0, minimum - float(worker["training_hours"]))
        read = {"worker.training_hours": worker["training_hours"], "minimum": minimum}
        return self._decide(
            "training_shortfall", missing, "training", [Step("training", missing, read)]
        )

    def approach_for_party(self, worker: Mapping[str, Any]) -> Decision[bool]:
        """Should the branch talk to this worker about joining the Party?"""
        steps: list[Step] = []
        approach = bool(self._check(self._party, "party_development", {"worker": worker}, steps))
        return self._decide("approach_for_party", approach, "party_development", steps)

    def workforce(self, figures: Mapping[str, float | None]) -> Decision[dict[str, Gap]]:
        """Each measured figure against its target (age is a ceiling, shares are floors)."""
        targets = self.model.workforce.targets
        gaps: dict[str, Gap] = {}
        for name in (
            "secretary_average_age",
            "bachelor_share",
            "party_member_share",
            "certificate_share",
            "workers_per_10k_residents",
        ):
            actual = figures.get(name)
            target = getattr(targets, name)
            meets = None
            if actual is not None and target is not None:
                meets = actual <= target if name == "secretary_average_age" else actual >= target
            gaps[name] = Gap(actual, target, meets)
        steps = [Step("workforce", {k: g.meets for k, g in gaps.items()}, dict(figures))]
        return self._decide("workforce", gaps, "workforce", steps)
