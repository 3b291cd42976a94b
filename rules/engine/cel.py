"""CEL expressions of rule files: compiled and checked at load time, evaluated fast at run time.

Checks at load: syntax (with the library's line:column), unknown variables and fields against the
expression's site, unknown functions, and type errors found by running the expression on two typed
samples of its variables; the result must have the kind the site asks for.

Speed: the library converts every variable into CEL values on each run, and nested maps cost far
more than scalars. So an expression that only reads ``root.field`` paths is compiled a second time
with each path renamed to one flat variable (``subject.org_type`` → ``subject__org_type``), and
its activation holds exactly the scalars it reads. Those are also the inputs its trace records.
"""

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

from rules.engine.errors import EvaluationError
from rules.engine.sites import Site
from rules.engine.tokens import Token, tokenize

_ERROR_AT = re.compile(r"<input>:(\d+):(\d+): (.*)")
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_LITERALS = frozenset({"true", "false", "null"})
_KNOWN_FUNCTIONS = frozenset(
    {
        "size",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "timestamp",
        "duration",
        "dyn",
        "type",
        "matches",
        "contains",
        "startsWith",
        "endsWith",
        "has",
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfMonth",
        "getDayOfYear",
        "getDayOfWeek",
        "getHours",
        "getMinutes",
        "getSeconds",
        "getMilliseconds",
    }
)
_RESULT_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,),
    "string": (str,),
    "scalar": (bool, int, float, str),
}
_KIND_NAMES = {bool: "bool", int: "int", float: "double", str: "string", list: "list", dict: "map"}


@dataclass(frozen=True, slots=True)
class CelIssue:
    """A problem at a 1-based line and column inside an expression's own text."""

    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class _Read:
    flat: str
    root: str
    field: str | None


class CompiledExpr:
    """A checked expression: run it on inputs keyed by variable name (objects as mappings)."""

    __slots__ = ("_flat", "_program", "_reads", "result", "site_name", "source")

    def __init__(
        self, source: str, site: Site, program: cel.Program, reads: tuple[_Read, ...], flat: bool
    ) -> None:
        self.source = source
        self.site_name = site.name
        self.result = site.result
        self._program = program
        self._reads = reads
        self._flat = flat

    def run(self, activation: dict[str, Any]) -> Any:
        """Run on an activation (variable → value); raise EvaluationError on failure."""
        try:
            value = self._program.execute(activation)
        except Exception as exc:
            raise EvaluationError(f"{self.site_name}: {self.source!r}: {exc}") from exc
        if self.result == "bool" and type(value) is not bool:
            raise EvaluationError(f"{self.site_name}: {self.source!r} gave {value!r}, not a bool")
        return value

    def evaluate(self, inputs: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Build the activation from ``inputs`` and run: (result, the activation it read)."""
        act: dict[str, Any] = {}
        try:
            for read in self._reads:
                value = inputs[read.root]
                act[read.flat] = value if read.field is None else value[read.field]
        except (KeyError, TypeError) as exc:
            raise EvaluationError(f"{self.site_name}: input {exc} is missing") from exc
        return self.run(act), act

    def trace_inputs(self, activation: Mapping[str, Any]) -> dict[str, Any]:
        """The activation keyed by dotted input names, for a decision trace."""
        if not self._flat:
            return dict(activation)
        return {flat.replace("__", "."): value for flat, value in activation.items()}


def compile_expr(source: str, site: Site) -> tuple[CompiledExpr | None, list[CelIssue]]:
    """Compile ``source`` for ``site``; return the expression or the problems found."""
    if not source.strip():
        return None, [CelIssue(1, 1, "empty expression: write a CEL expression")]
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        return None, [_syntax_issue(str(exc))]
    tokens = tokenize(source)
    issues, chains, whole_roots = _check_names(source, tokens, site)
    # The library's own list of names is the safety net for anything the tokenizer missed.
    known = set(site.variables) | _bound_names(tokens)
    issues += [
        CelIssue(
            1, 1, f"unknown variable {name!r}; {site.name} can use: {', '.join(site.variables)}"
        )
        for name in program.variables()
        if name not in known and not any(name in issue.message for issue in issues)
    ]
    if issues:
        return None, issues
    issues = _check_samples(program, site)
    if issues:
        return None, issues
    flat = not whole_roots
    reads = _reads(chains, flat, site)
    runnable = cel.compile(_flatten(source, tokens, site)) if flat else program
    return CompiledExpr(source, site, runnable, reads, flat), []


def _syntax_issue(text: str) -> CelIssue:
    match = _ERROR_AT.search(text)
    if match is None:
        return CelIssue(1, 1, f"CEL syntax error: {text.splitlines()[0] if text else text}")
    message = match.group(3).strip()
    message = message.removeprefix("Syntax error: ")
    return CelIssue(int(match.group(1)), int(match.group(2)), f"CEL syntax error: {message}")


def _position(source: str, index: int) -> tuple[int, int]:
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1) + 1
    return line, column


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _bound_names(tokens: list[Token]) -> set[str]:
    """Names bound by comprehension macros: the ``x`` in ``list.exists(x, x > 1)``."""
    bound: set[str] = set()
    for i in range(len(tokens) - 3):
        if (
            tokens[i].text in _MACROS
            and tokens[i + 1].text == "("
            and tokens[i + 2].kind == "ident"
            and tokens[i + 3].text == ","
        ):
            bound.add(tokens[i + 2].text)
    return bound


def _check_names(
    source: str, tokens: list[Token], site: Site
) -> tuple[list[CelIssue], list[tuple[str, str | None]], set[str]]:
    """Unknown variables, fields and functions; also the (root, field) chains and bare roots."""
    issues: list[CelIssue] = []
    chains: list[tuple[str, str | None]] = []
    whole: set[str] = set()
    bound = _bound_names(tokens)
    variables = site.variables
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text in _LITERALS or token.text == "in":
            continue
        after_dot = i > 0 and tokens[i - 1].text == "."
        called = i + 1 < len(tokens) and tokens[i + 1].text == "("
        if called:
            if token.text not in _KNOWN_FUNCTIONS and token.text not in _MACROS:
                line, column = _position(source, token.start)
                issues.append(CelIssue(line, column, f"unknown function {token.text!r}"))
            continue
        if after_dot or token.text in bound:
            continue
        line, column = _position(source, token.start)
        var = variables.get(token.text)
        if var is None:
            names = list(variables)
            issues.append(
                CelIssue(
                    line,
                    column,
                    f"unknown variable {token.text!r}{_suggest(token.text, names)}; "
                    f"{site.name} can use: {', '.join(names)}",
                )
            )
            continue
        field_name = _field_after(tokens, i)
        in_has = i >= 2 and tokens[i - 1].text == "(" and tokens[i - 2].text == "has"
        if field_name is None:
            chains.append((token.text, None))
            if var.kind == "object":
                whole.add(token.text)
            continue
        if var.kind != "object":
            issues.append(
                CelIssue(line, column, f"{token.text!r} is a {var.kind} and has no fields")
            )
            continue
        if field_name not in var.fields:
            dotted = [f"{token.text}.{name}" for name in var.fields]
            wrong = f"{token.text}.{field_name}"
            line, column = _position(source, tokens[i + 2].start)
            issues.append(
                CelIssue(
                    line,
                    column,
                    f"unknown field {wrong!r}{_suggest(wrong, dotted)}; "
                    f"{token.text} has: {', '.join(var.fields) or 'no fields'}",
                )
            )
            continue
        chains.append((token.text, field_name))
        if in_has or _indexed(tokens, i):
            whole.add(token.text)
    return issues, chains, whole


def _field_after(tokens: list[Token], i: int) -> str | None:
    """The field selected right after ``tokens[i]`` (``.name`` not followed by a call)."""
    if i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 2].kind == "ident":
        called = i + 3 < len(tokens) and tokens[i + 3].text == "("
        return None if called else tokens[i + 2].text
    return None


def _indexed(tokens: list[Token], i: int) -> bool:
    return i + 3 < len(tokens) and tokens[i + 3].text == "["


def _check_samples(program: cel.Program, site: Site) -> list[CelIssue]:
    """Run on two typed samples: type errors and a result of the wrong kind are load errors."""
    expected = _RESULT_TYPES[site.result]
    for variant in (0, 1):
        try:
            value = program.execute(site.sample_context(variant))
        except TypeError as exc:
            message = str(exc).split(". ")[0]
            return [CelIssue(1, 1, f"CEL type error: {message}")]
        except RuntimeError as exc:
            if "Undefined variable or function" in str(exc):
                return [CelIssue(1, 1, f"CEL error: {str(exc).split('. ')[0]}")]
            continue
        except Exception:  # division by zero and the like depend on real values, not types
            continue
        if value is None or type(value) not in expected:
            got = _KIND_NAMES.get(type(value), type(value).__name__)
            want = " or ".join(_KIND_NAMES[t] for t in expected)
            return [CelIssue(1, 1, f"CEL type error: the expression must give a {want}, not {got}")]
    return []


def _reads(chains: list[tuple[str, str | None]], flat: bool, site: Site) -> tuple[_Read, ...]:
    """What to put in the activation: flat ``root__field`` scalars, or whole variables when the
    expression uses an object as a whole (then every variable it names is passed whole)."""
    reads: dict[str, _Read] = {}
    for root, field_name in chains:
        if not flat or field_name is None or site.variables[root].kind != "object":
            reads.setdefault(root, _Read(root, root, None))
        else:
            name = f"{root}__{field_name}"
            reads.setdefault(name, _Read(name, root, field_name))
    return tuple(reads.values())


def _flatten(source: str, tokens: list[Token], site: Site) -> str:
    """Rename every ``root.field`` of an object variable to the flat ``root__field``."""
    out: list[str] = []
    cursor = 0
    bound = _bound_names(tokens)
    for i, token in enumerate(tokens):
        var = site.variables.get(token.text)
        if (
            token.kind != "ident"
            or var is None
            or var.kind != "object"
            or token.text in bound
            or (i > 0 and tokens[i - 1].text == ".")
        ):
            continue
        field_name = _field_after(tokens, i)
        if field_name is None:
            continue
        end = tokens[i + 2].start + len(tokens[i + 2].text)
        out.append(source[cursor : token.start])
        out.append(f"{token.text}__{field_name}")
        cursor = end
    out.append(source[cursor:])
    return "".join(out)
