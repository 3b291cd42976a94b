"""A loaded, checked rule set: its version, its files, its models and compiled expressions."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from models.deadline import EscalationStep, Reminder
from rules.engine.cel import CompiledExpr
from rules.engine.schema import (
    AnnualInspectionRules,
    CommitmentRules,
    CommunityWorkerRules,
    DualAssessmentRules,
    EventRules,
    FloatingMemberRules,
    SharedRules,
)
from rules.engine.yamldoc import Path


@dataclass(frozen=True, eq=False)
class RuleSet:
    """One version of the rules. Immutable: a case pinned to it sees exactly this for life."""

    version: str
    files: Mapping[str, bytes]
    shared: SharedRules
    events: EventRules
    dual_assessment: DualAssessmentRules
    annual_inspection: AnnualInspectionRules
    floating_member: FloatingMemberRules
    community_worker: CommunityWorkerRules
    commitment: CommitmentRules
    exprs: Mapping[tuple[str, Path], CompiledExpr]
    org_type_sets: Mapping[str, frozenset[str]]
    _views: dict[str, Any] = field(default_factory=dict, repr=False)

    def model(self, stem: str) -> Any:
        """The model of ``<stem>.yaml``."""
        return getattr(self, stem)

    def expr(self, stem: str, path: Path) -> CompiledExpr:
        """The compiled expression at ``path`` of ``<stem>.yaml``."""
        return self.exprs[(stem, path)]

    def org_types(self, refs: Iterable[str]) -> frozenset[str]:
        """The org types that a list of org types and groups stands for."""
        result: set[str] = set()
        for ref in refs:
            result |= self.org_type_sets.get(ref, frozenset())
        return frozenset(result)

    def role_label(self, role: str) -> str:
        """A rule role as people read it: its label in ``shared.yaml`` (its name if it has none)."""
        named = self.shared.roles.get(role)
        return named.label if named is not None else role

    def schedule(self, name: str) -> tuple[Reminder, ...]:
        return self.shared.reminder_schedules[name]

    def ladder(self, name: str) -> tuple[EscalationStep, ...]:
        return self.shared.escalation_ladders[name]

    def view(self, key: str, build: Any) -> Any:
        """A per-version cache for derived, read-only structures (built once, then reused)."""
        cached = self._views.get(key)
        if cached is None:
            cached = build(self)
            self._views[key] = cached
        return cached
