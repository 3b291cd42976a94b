"""Rule sets by version, shared by everything in one process — workflow code included.

A workflow pins a version and must see exactly that rule set on every replay, without I/O. The
usual path: the worker's :class:`~rules.engine.registry.RuleRegistry` has already loaded it;
otherwise an activity returns the version's files (``RuleFiles``, recorded in history) and
:func:`rule_set_for` loads them — a pure function of the bytes, cached by version. Keep this
module passed through the workflow sandbox (``imports_passed_through``) so the cache is shared.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from pydantic import BaseModel, ConfigDict

from rules.engine.errors import UnknownRuleVersion
from rules.engine.loader import load_files
from rules.engine.ruleset import RuleSet
from rules.engine.versions import version_of

_MAX_VERSIONS = 32
_sets: OrderedDict[str, RuleSet] = OrderedDict()
_lock = threading.Lock()
Source = Callable[[str], Mapping[str, bytes]]
_sources: list[Source] = []


class RuleFiles(BaseModel):
    """A rule-set version's files as text, for activity results and update payloads."""

    model_config = ConfigDict(frozen=True)

    version: str
    files: dict[str, str]

    def as_bytes(self) -> dict[str, bytes]:
        return {name: text.encode("utf-8") for name, text in self.files.items()}

    @classmethod
    def of(cls, rules: RuleSet) -> "RuleFiles":
        return cls(
            version=rules.version, files={n: c.decode("utf-8") for n, c in rules.files.items()}
        )


def remember(rules: RuleSet) -> None:
    """Keep ``rules`` for later lookups by version (the oldest unused are dropped past 32)."""
    with _lock:
        _sets[rules.version] = rules
        _sets.move_to_end(rules.version)
        while len(_sets) > _MAX_VERSIONS:
            _sets.popitem(last=False)


def clear() -> None:
    """Forget every loaded version (tests: make the next lookups read their stores)."""
    with _lock:
        _sets.clear()


def cached(version: str) -> RuleSet | None:
    """The rule set of ``version`` if this process has it."""
    with _lock:
        rules = _sets.get(version)
        if rules is not None:
            _sets.move_to_end(version)
        return rules


def rule_set_for(files: RuleFiles) -> RuleSet:
    """The rule set these files make, loaded once per version. Pure: safe in workflow code."""
    rules = cached(files.version)
    return rules if rules is not None else _load(files.version, files.as_bytes())


def _load(version: str, content: Mapping[str, bytes]) -> RuleSet:
    if version_of(content) != version:
        raise ValueError(f"rule files do not hash to version {version}")
    rules = load_files(content)
    remember(rules)
    return rules


def add_source(load: Source) -> None:
    """Let :func:`rule_set_of` read versions this process has not loaded through ``load`` (a
    version store's synchronous read, raising UnknownRuleVersion for a version it lacks)."""
    with _lock:
        if load not in _sources:
            _sources.append(load)


def remove_source(load: Source) -> None:
    with _lock:
        if load in _sources:
            _sources.remove(load)


def rule_set_of(version: str) -> RuleSet:
    """The rule set of ``version``: this process's copy, else read once from a registered
    version store. A version is the hash of its files, so every store holds the same bytes for
    it and a workflow may call this on replay: it decides the same whichever store answers."""
    rules = cached(version)
    if rules is not None:
        return rules
    with _lock:
        sources = list(_sources)
    for load in sources:
        try:
            content = load(version)
        except UnknownRuleVersion:
            continue
        return _load(version, content)
    raise UnknownRuleVersion(
        f"rule version {version} is not loaded in this process and no rule version store here "
        "holds it (is the worker's rules/versions folder the one the API wrote to?)"
    )
