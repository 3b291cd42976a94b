"""Candidate rule sets edited in the browser: one file replaced in a version's files, checked
exactly as the CLI checks a folder, and written back into the rules folder atomically."""

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from rules.engine.errors import RuleError, RuleSetInvalid
from rules.engine.loader import RULE_FILES, load_files
from rules.engine.ruleset import RuleSet


def with_file(files: Mapping[str, bytes], name: str, text: str) -> dict[str, bytes]:
    """``files`` with ``name`` replaced by ``text``; a name outside the rule set is a KeyError."""
    if name not in RULE_FILES:
        raise KeyError(name)
    return {**files, name: text.encode("utf-8")}


def check(files: Mapping[str, bytes]) -> tuple[RuleSet | None, tuple[RuleError, ...]]:
    """The rule set and no errors, or None and every error (YAML, schema, CEL, references)."""
    try:
        return load_files(files), ()
    except RuleSetInvalid as exc:
        return None, exc.errors


def write_folder(folder: Path, files: Mapping[str, bytes]) -> list[str]:
    """Make ``folder``'s rule files exactly ``files``; each file is replaced atomically.

    Returns the names written. Files whose bytes are unchanged are left alone, and ``*.yaml``
    files that are not in ``files`` are removed, so the folder hashes to the same version.
    """
    written: list[str] = []
    for name, content in sorted(files.items()):
        target = folder / name
        if target.exists() and target.read_bytes() == content:
            continue
        # The temporary name does not end in .yaml, so a poller never reads a half-written file.
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(name)
    for path in folder.glob("*.yaml"):
        if path.name not in files:
            path.unlink()
            written.append(path.name)
    return written
