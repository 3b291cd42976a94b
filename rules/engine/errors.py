"""Errors of the rules engine: every problem in a rule file carries its file, line and column."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class RuleError:
    """One problem in one rule file, at a 1-based line and column."""

    file: str
    line: int
    column: int
    message: str

    def format(self, root: str = "rules") -> str:
        """``rules/<file>.yaml:<line>:<column>: <message>``, the form editors and CI understand."""
        prefix = f"{root.rstrip('/')}/" if root else ""
        return f"{prefix}{self.file}:{self.line}:{self.column}: {self.message}"


class RulesError(Exception):
    """Base error of the rules engine."""


class RuleSetInvalid(RulesError):
    """A rule set was refused; ``errors`` says where and why."""

    def __init__(self, errors: list[RuleError], root: str = "rules") -> None:
        self.errors = tuple(sorted(errors))
        self.root = root
        super().__init__("\n".join(e.format(root) for e in self.errors))


class UnknownRuleVersion(RulesError):
    """No stored rule set has this version."""


class StaleRuleVersion(RulesError):
    """An edit was based on a version that is no longer the active one."""

    def __init__(self, base: str, active: str) -> None:
        self.base = base
        self.active = active
        super().__init__(f"the edit is based on {base}, but {active} is active now")


class EvaluationError(RulesError):
    """A rule could not be evaluated on the inputs it was given (a bug in the caller's inputs)."""
