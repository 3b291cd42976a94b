"""Safe YAML loading that remembers where every node came from.

Rule files are parsed with PyYAML's SafeLoader (no Python objects, no code). Alongside the data we
keep a map from each node's path (``("scope", 0, "when")``) to its position, so schema errors,
CEL errors and reference errors can all be reported as ``file:line:column``. Positions inside a
scalar (a CEL expression) are mapped back exactly for plain and literal (``|``) scalars, and by
aligning the parsed text with the source for quoted and folded ones.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rules.engine.errors import RuleError

Path = tuple[str | int, ...]
MAX_NODES = 100_000
"""Far above any real rule file; stops alias bombs (``&a [*a, *a]`` nested) before they expand."""


@dataclass(frozen=True, slots=True)
class NodePosition:
    """Where a node starts (0-based, as PyYAML counts) and, for a mapping entry, its key."""

    line: int
    column: int
    index: int
    end_index: int
    style: str | None
    key_line: int | None = None
    key_column: int | None = None


@dataclass(slots=True)
class YamlDocument:
    """A parsed rule file: its data and the position of every node by path."""

    file: str
    text: str
    data: Any
    positions: dict[Path, NodePosition] = field(default_factory=dict)

    def error(self, path: Path, message: str, *, at_key: bool = False) -> RuleError:
        """An error at the node ``path`` (or its nearest ancestor that exists)."""
        line, column = self.position(path, at_key=at_key)
        return RuleError(self.file, line, column, message)

    def position(self, path: Path, *, at_key: bool = False) -> tuple[int, int]:
        """1-based line and column of ``path``, falling back to the nearest existing ancestor."""
        probe = path
        while probe not in self.positions and probe:
            probe = probe[:-1]
        pos = self.positions.get(probe)
        if pos is None:
            return 1, 1
        if at_key and probe == path and pos.key_line is not None and pos.key_column is not None:
            return pos.key_line + 1, pos.key_column + 1
        return pos.line + 1, pos.column + 1

    def locate_in_scalar(self, path: Path, line: int, column: int) -> tuple[int, int]:
        """Map a 1-based (line, column) inside the scalar at ``path`` to the file's line:column."""
        pos = self.positions.get(path)
        if pos is None:
            return self.position(path)
        raw = self.text[pos.index : pos.end_index]
        if pos.style == "|":
            return _locate_literal(raw, pos, line, column)
        value = _scalar_value(self.data, path)
        if value is None:
            return pos.line + 1, pos.column + 1
        offset = _offset_of(value, line, column)
        return _locate_aligned(raw, pos, value, offset)


class _PositionLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one)."""


def parse_yaml(file: str, text: str) -> tuple[YamlDocument | None, list[RuleError]]:
    """Parse ``text``; return the document, or the syntax errors found."""
    loader = _PositionLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, text, None), []
        duplicates = _duplicate_keys(file, node)
        if duplicates:
            return None, duplicates
        if _expanded_size(node, {}) > MAX_NODES:
            message = f"the file expands to more than {MAX_NODES} values (aliases nested too deep?)"
            return None, [RuleError(file, 1, 1, message)]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(file, exc)]
    except yaml.YAMLError as exc:
        return None, [RuleError(file, 1, 1, f"YAML error: {exc}")]
    finally:
        loader.dispose()
    document = YamlDocument(file, text, data)
    _record(node, (), document.positions, None)
    return document, []


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """How many values the document has once aliases are expanded (a cycle counts as too many)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_NODES + 1  # seen again before finishing: a recursive alias
    total = 1
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            total += _expanded_size(key_node, sizes) + _expanded_size(value_node, sizes)
            if total > MAX_NODES:
                break
    elif isinstance(node, SequenceNode):
        for item in node.value:
            total += _expanded_size(item, sizes)
            if total > MAX_NODES:
                break
    sizes[id(node)] = total
    return total


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> RuleError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "invalid YAML"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return RuleError(file, line, column, f"YAML syntax error: {problem}{context}")


def _duplicate_keys(file: str, node: Node) -> list[RuleError]:
    errors: list[RuleError] = []
    stack = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, MappingNode):
            keys: set[tuple[str, str]] = set()
            for key_node, value_node in current.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                    ident = (key_node.tag, key_node.value)
                    if ident in keys:
                        mark = key_node.start_mark
                        errors.append(
                            RuleError(
                                file,
                                mark.line + 1,
                                mark.column + 1,
                                f"duplicate key {key_node.value!r}: each key may appear once",
                            )
                        )
                    keys.add(ident)
                stack.append(value_node)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
    return errors


def _record(node: Node, path: Path, positions: dict[Path, NodePosition], key: Node | None) -> None:
    start, end = node.start_mark, node.end_mark
    style = node.style if isinstance(node, ScalarNode) else None
    positions[path] = NodePosition(
        line=start.line,
        column=start.column,
        index=start.index,
        end_index=end.index,
        style=style,
        key_line=key.start_mark.line if key is not None else None,
        key_column=key.start_mark.column if key is not None else None,
    )
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key_value = key_node.value if isinstance(key_node, ScalarNode) else None
            if isinstance(key_value, Hashable) and key_value != "<<":
                _record(value_node, (*path, _key(key_node)), positions, key_node)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, (*path, index), positions, None)


def _key(node: ScalarNode) -> str | int:
    """The key as the constructed data has it (ints stay ints, everything else is text)."""
    if node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value)
        except ValueError:
            return str(node.value)
    return str(node.value)


def child(current: Any, part: str | int) -> tuple[bool, Any]:
    """``current[part]`` if the data has it: (found, value)."""
    if isinstance(current, dict) and part in current:
        return True, current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return True, current[part]
    return False, None


def _scalar_value(data: Any, path: Path) -> str | None:
    current = data
    for part in path:
        found, current = child(current, part)
        if not found:
            return None
    return current if isinstance(current, str) else None


def _offset_of(value: str, line: int, column: int) -> int:
    """The 0-based character offset of a 1-based (line, column) in ``value``."""
    lines = value.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(text) + 1 for text in lines[: line - 1]) + max(0, column - 1)


def _locate_literal(raw: str, pos: NodePosition, line: int, column: int) -> tuple[int, int]:
    """Literal blocks keep lines as they are: content line k is the header's line plus k."""
    content_lines = raw.split("\n")[1:]
    indent = next((len(text) - len(text.lstrip(" ")) for text in content_lines if text.strip()), 0)
    return pos.line + 1 + line, indent + column


def _locate_aligned(raw: str, pos: NodePosition, value: str, offset: int) -> tuple[int, int]:
    """Walk the parsed value and the source together; escapes and folds are skipped over."""
    j = 1 if pos.style in ("'", '"') else 0
    if pos.style == ">":
        j = raw.find("\n") + 1
    target = min(offset, len(value))
    for i in range(target + 1):
        char = value[i] if i < len(value) else None
        while j < len(raw) and char is not None and raw[j] != char:
            if char == " " and raw[j] == "\n":
                break
            j += 1
        if i == target:
            break
        if char == " " and j < len(raw) and raw[j] == "\n":
            j += 1
            while j < len(raw) and raw[j] == " ":
                j += 1
            continue
        j += 1
    consumed = raw[: min(j, len(raw))]
    newlines = consumed.count("\n")
    if newlines == 0:
        return pos.line + 1, pos.column + 1 + len(consumed)
    return pos.line + 1 + newlines, len(consumed) - consumed.rfind("\n")
