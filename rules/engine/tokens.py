"""A small CEL tokenizer: enough to find identifiers, field selections and calls with positions.

The library parses and checks syntax; this only runs on expressions that already compiled, to
locate names (for unknown-variable errors) and to rename ``root.field`` paths for fast runs.
"""

import re
from dataclasses import dataclass

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+[uU]?|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[uU]?|\.\d+")
_STRING_PREFIXES = frozenset({"r", "R", "b", "B", "rb", "rB", "Rb", "RB", "br", "bR", "Br", "BR"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident | number | string | punct
    text: str
    start: int


def tokenize(source: str) -> list[Token]:
    """Tokens of ``source`` without whitespace and comments."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif char in "'\"":
            end = _string_end(source, i, raw=False)
            tokens.append(Token("string", source[i:end], i))
            i = end
        elif char.isdigit() or (char == "." and i + 1 < n and source[i + 1].isdigit()):
            match = _NUMBER.match(source, i)
            end = match.end() if match else i + 1
            tokens.append(Token("number", source[i:end], i))
            i = end
        elif char.isalpha() or char == "_":
            match = _IDENT.match(source, i)
            end = match.end() if match else i + 1
            word = source[i:end]
            if word in _STRING_PREFIXES and end < n and source[end] in "'\"":
                stop = _string_end(source, end, raw="r" in word.lower())
                tokens.append(Token("string", source[i:stop], i))
                i = stop
            else:
                tokens.append(Token("ident", word, i))
                i = end
        else:
            tokens.append(Token("punct", char, i))
            i += 1
    return tokens


def _string_end(source: str, start: int, *, raw: bool) -> int:
    """Index just past the string literal starting with the quote at ``start``."""
    quote = source[start]
    triple = source.startswith(quote * 3, start)
    delimiter = quote * 3 if triple else quote
    i = start + len(delimiter)
    while i < len(source):
        if not raw and source[i] == "\\":
            i += 2
            continue
        if source.startswith(delimiter, i):
            return i + len(delimiter)
        i += 1
    return len(source)
