"""Helpers for rule-engine tests: edit a copy of the default rule files and read the errors."""

from pathlib import Path

from rules.engine.errors import RuleSetInvalid
from rules.engine.loader import load_files

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


def edited(files: dict[str, bytes], name: str, old: str, new: str) -> dict[str, bytes]:
    """A copy of ``files`` with the first ``old`` in ``name`` replaced by ``new``."""
    text = files[name].decode("utf-8")
    assert old in text, f"{old!r} is not in {name}"
    return {**files, name: text.replace(old, new, 1).encode("utf-8")}


def errors_of(files: dict[str, bytes]) -> list[str]:
    """The formatted errors loading ``files`` gives (empty when the rule set is valid)."""
    try:
        load_files(files)
    except RuleSetInvalid as exc:
        return [error.format("rules") for error in exc.errors]
    return []


def where(files: dict[str, bytes], name: str, needle: str, offset: int = 0, *, nth: int = 1) -> str:
    """``rules/<name>:<line>:<column>`` of the ``nth`` ``needle`` in ``name``, plus ``offset``."""
    text = files[name].decode("utf-8")
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"rules/{name}:{line}:{column}"
