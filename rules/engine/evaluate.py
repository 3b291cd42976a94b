"""Pure, deterministic evaluation with traces — safe inside Temporal workflow code.

Nothing here reads files, the clock or the network: the rule set is already loaded (its
expressions compiled once per version and cached on it), and ``now`` is passed in by the
workflow. Every decision returns ``Decision(result, trace)``; the trace names the file, the rule
that decided, the version, the inputs each rule read and the result, so the UI can show why.

Traces are named tuples (no pydantic, nothing slow to build in the hot path); ``Trace.to_dict()``
gives JSON-ready data for history, audit and the UI.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from models.duration import Duration
from rules.engine.cel import CompiledExpr

T = TypeVar("T")


class Step(NamedTuple):
    """One rule consulted on the way to a decision: what it read and what it gave."""

    rule_id: str
    outcome: Any
    read: Mapping[str, Any]
    expr: CompiledExpr | None = None

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs read, by dotted name (``subject.org_type``)."""
        if self.expr is None:
            return dict(self.read)
        return self.expr.trace_inputs(self.read)

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "rule_id": self.rule_id,
            "inputs": jsonable(self.inputs),
            "outcome": jsonable(self.outcome),
        }
        if self.expr is not None:
            entry["expression"] = self.expr.source
        return entry


class Trace(NamedTuple):
    """Why a decision came out as it did."""

    file: str
    decision: str
    rule_id: str | None
    version: str
    result: Any
    steps: tuple[Step, ...] = ()

    @property
    def inputs(self) -> dict[str, Any]:
        """Every input the decision read, by dotted name."""
        merged: dict[str, Any] = {}
        for step in self.steps:
            merged.update(step.inputs)
        return merged

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "decision": self.decision,
            "rule_id": self.rule_id,
            "version": self.version,
            "inputs": jsonable(self.inputs),
            "result": jsonable(self.result),
            "steps": [step.to_dict() for step in self.steps],
        }


class Decision(NamedTuple, Generic[T]):
    """A decision's result and the trace that explains it."""

    result: T
    trace: Trace


class Decider:
    """Base of the per-process deciders: knows its file and version, builds traces."""

    file = ""

    def __init__(self, version: str) -> None:
        self.version = version

    def _decide(
        self, decision: str, result: T, rule_id: str | None, steps: list[Step]
    ) -> Decision[T]:
        trace = Trace(self.file, decision, rule_id, self.version, result, tuple(steps))
        return Decision(result, trace)

    @staticmethod
    def _check(
        expr: CompiledExpr, rule_id: str, inputs: Mapping[str, Any], steps: list[Step]
    ) -> Any:
        """Run ``expr`` on ``inputs``, record the step, return the outcome."""
        outcome, read = expr.evaluate(inputs)
        steps.append(Step(rule_id, outcome, read, expr))
        return outcome


def jsonable(value: Any) -> Any:
    """Values as JSON can hold them: times as ISO text, durations as their text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Duration):
        return value.text
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
