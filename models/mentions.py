"""Registry ids that a case's texts mention, named when the texts are stored.

A workflow knows the ids of the communities and organisations it deals with, not their names, and
cannot read the registry from inside the sandbox. Its timeline entries and notifications mark each
such id (``mention``); the projection step that stores them replaces every mark with the name the
registry has at that moment (``name_mentions``), so people read 汾河社区 where the case wrote
``fenhe``. An id the registry does not know is shown as it is.
"""

import re
from collections.abc import Mapping
from typing import Any

_OPEN, _CLOSE = "⟦", "⟧"
_MARK = re.compile(f"{_OPEN}([^{_OPEN}{_CLOSE}]+){_CLOSE}")


def mention(registry_id: str) -> str:
    """``registry_id`` marked for naming when the text is stored."""
    return f"{_OPEN}{registry_id}{_CLOSE}"


def mentioned(text: str) -> set[str]:
    """The ids ``text`` mentions."""
    return set(_MARK.findall(text))


def name_mentions(text: str, names: Mapping[str, str]) -> str:
    """``text`` with every mention replaced by its name (by the bare id where none is known)."""
    if _OPEN not in text:
        return text
    return _MARK.sub(lambda m: names.get(m.group(1), m.group(1)), text)


def mentioned_within(value: Any) -> set[str]:
    """The ids mentioned in any text inside ``value`` (a case's live state as JSON)."""
    if isinstance(value, str):
        return mentioned(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set[str]().union(*(mentioned_within(item) for item in value))
    return set()


def name_mentions_within(value: Any, names: Mapping[str, str]) -> Any:
    """``value`` with every text inside it named as ``name_mentions`` does."""
    if isinstance(value, str):
        return name_mentions(value, names)
    if isinstance(value, dict):
        return {key: name_mentions_within(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [name_mentions_within(item, names) for item in value]
    return value
