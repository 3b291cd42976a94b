"""The rules engine: load and check rule sets, version and store them, and decide with them.

Workflows use :func:`rule_set_for` (or :func:`cached`) to get their pinned version and the
per-process deciders (``DualAssessment.of(rules)`` …) to decide; every decision carries a trace.
"""

from rules.engine.cache import RuleFiles, cached, remember, rule_set_for
from rules.engine.dates import DueDate
from rules.engine.errors import (
    EvaluationError,
    RuleError,
    RulesError,
    RuleSetInvalid,
    StaleRuleVersion,
    UnknownRuleVersion,
)
from rules.engine.evaluate import Decision, Step, Trace
from rules.engine.loader import RULE_FILES, load_files, load_folder, read_folder
from rules.engine.processes import (
    AnnualInspection,
    Commitment,
    CommunityWorker,
    DualAssessment,
    FloatingMember,
)
from rules.engine.registry import RuleRegistry
from rules.engine.ruleset import RuleSet
from rules.engine.tasks import deadline_spec, task_spec
from rules.engine.versions import FileRuleVersionStore, RuleVersionStore, version_of

__all__ = [
    "RULE_FILES",
    "AnnualInspection",
    "Commitment",
    "CommunityWorker",
    "Decision",
    "DualAssessment",
    "DueDate",
    "EvaluationError",
    "FileRuleVersionStore",
    "FloatingMember",
    "RuleError",
    "RuleFiles",
    "RuleRegistry",
    "RuleSet",
    "RuleSetInvalid",
    "RuleVersionStore",
    "RulesError",
    "StaleRuleVersion",
    "Step",
    "Trace",
    "UnknownRuleVersion",
    "cached",
    "deadline_spec",
    "load_files",
    "load_folder",
    "read_folder",
    "remember",
    "rule_set_for",
    "task_spec",
    "version_of",
]
