"""P5 党员亮相承诺 decisions: the items of a commitment, review due date, progress alerts and
the year-end evaluation.

``progress`` has the fields of :class:`rules.engine.facts.ProgressFacts`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.engine.dates import DueDate, due_from_rule
from rules.engine.evaluate import Decider, Decision, Step
from rules.engine.ruleset import RuleSet

_FILE = "commitment"


@dataclass(frozen=True, slots=True)
class ItemsCheck:
    valid: bool
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    score: float
    grade: str
    missing: tuple[str, ...]


class Commitment(Decider):
    """The decisions of P5 under one rule-set version."""

    file = "commitment.yaml"

    def __init__(self, rules: RuleSet) -> None:
        super().__init__(rules.version)
        model = rules.commitment
        self.model = model
        self._alerts = tuple(
            (rule, rules.expr(_FILE, ("progress_alerts", i, "when")))
            for i, rule in enumerate(model.progress_alerts)
        )

    @classmethod
    def of(cls, rules: RuleSet) -> "Commitment":
        decider: Commitment = rules.view("commitment", cls)
        return decider

    def check_items(self, categories: Sequence[str]) -> Decision[ItemsCheck]:
        """A commitment has between ``min`` and ``max`` items, each of a known category."""
        items = self.model.items
        problems = []
        if not items.min <= len(categories) <= items.max:
            problems.append(f"承诺事项应为 {items.min}–{items.max} 项，现为 {len(categories)} 项")
        unknown = [c for c in categories if c not in self.model.categories]
        if unknown:
            known = "、".join(cat.label for cat in self.model.categories.values())
            problems.append(f"未知的服务类别：{'、'.join(unknown)}（可选：{known}）")
        result = ItemsCheck(not problems, tuple(problems))
        step = Step("items", result.valid, {"categories": list(categories)})
        return self._decide("check_items", result, "items", [step])

    def review_due(self, submitted_at: datetime) -> Decision[DueDate]:
        result = due_from_rule(self.model.review_task.due, {"submitted_at": submitted_at})
        step = Step("review_task", result, {"submitted_at": submitted_at})
        return self._decide("review_due", result, "review_task", [step])

    def progress_alerts(
        self, progress: Mapping[str, Any], now: datetime
    ) -> Decision[tuple[tuple[str, str], ...]]:
        """(alert id, role to notify) for every progress alert that fires."""
        inputs = {"progress": progress, "now": now}
        steps: list[Step] = []
        fired = tuple(
            (rule.id, rule.notify)
            for rule, expr in self._alerts
            if self._check(expr, rule.id, inputs, steps)
        )
        return self._decide("progress_alerts", fired, fired[0][0] if fired else None, steps)

    def evaluate(self, scores: Mapping[str, float]) -> Decision[Evaluation]:
        """The weighted score of the evaluators' 0–100 scores and the grade it earns.

        An evaluator without a score counts as 0 and is listed in ``missing``.
        """
        evaluation = self.model.evaluation
        missing = tuple(name for name in evaluation.weights if name not in scores)
        score = round(
            sum(
                weight * float(scores.get(name, 0.0)) for name, weight in evaluation.weights.items()
            ),
            2,
        )
        grade = evaluation.thresholds[-1].grade
        for threshold in evaluation.thresholds:
            if score >= threshold.min_score:
                grade = threshold.grade
                break
        result = Evaluation(score, grade, missing)
        step = Step("evaluation", grade, {"scores": dict(scores)})
        return self._decide("evaluate", result, "evaluation", [step])
