"""Semantic diff of two rule sets: what changed, by file and rule, not by line.

Lists of rules are matched by ``id`` (a rule moved in its list is not a change; a rule edited is
one change per field), so a diff reads like ``dual_assessment.yaml opinion_task.due.before:
5wd → 3wd``.
"""

import json
from dataclasses import dataclass
from typing import Any, Literal

from rules.engine.ruleset import RuleSet
from rules.engine.schema import FILE_MODELS

ChangeKind = Literal["added", "removed", "changed"]
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: in ``file`` at ``path``, ``old`` became ``new``."""

    file: str
    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None

    def format(self) -> str:
        mark = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        if self.kind == "added":
            return f"{mark} {self.file} {self.path}: {_show(self.new)}"
        if self.kind == "removed":
            return f"{mark} {self.file} {self.path}: {_show(self.old)}"
        return f"{mark} {self.file} {self.path}: {_show(self.old)} → {_show(self.new)}"


def diff_rule_sets(old: RuleSet, new: RuleSet) -> list[Change]:
    """Every semantic change from ``old`` to ``new``, file by file in a fixed order."""
    changes: list[Change] = []
    for stem in FILE_MODELS:
        file = f"{stem}.yaml"
        before = old.model(stem).model_dump(mode="json")
        after = new.model(stem).model_dump(mode="json")
        _compare(file, "", before, after, changes)
    return changes


def _compare(file: str, path: str, old: Any, new: Any, out: list[Change]) -> None:
    if old is _MISSING:
        out.append(Change(file, path, "added", None, new))
    elif new is _MISSING:
        out.append(Change(file, path, "removed", old, None))
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            _compare(
                file, _join(path, str(key)), old.get(key, _MISSING), new.get(key, _MISSING), out
            )
    elif _by_id(old) and _by_id(new):
        old_items = {item["id"]: item for item in old}
        new_items = {item["id"]: item for item in new}
        for rule_id in [*old_items, *(k for k in new_items if k not in old_items)]:
            _compare(
                file,
                f"{path}[{rule_id}]",
                old_items.get(rule_id, _MISSING),
                new_items.get(rule_id, _MISSING),
                out,
            )
        kept = [i for i in old_items if i in new_items]
        if kept != [i for i in new_items if i in old_items]:
            out.append(
                Change(
                    file,
                    f"{path} (order)",
                    "changed",
                    kept,
                    [i for i in new_items if i in old_items],
                )
            )
    elif old != new:
        out.append(Change(file, path, "changed", old, new))


def _by_id(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "id" in item for item in value)
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "id" in value:
        label = value.get("label")
        return f"{value['id']} ({label})" if label else str(value["id"])
    return repr(value) if not isinstance(value, list | dict) else _compact(value)


def _compact(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."
