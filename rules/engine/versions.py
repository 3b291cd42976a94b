"""Rule-set versions: the content hash of the files, and a store that keeps every version.

A case pins the version it started under; the store keeps that version's files for as long as
the case (or its audit trail) may need to show them.
"""

import asyncio
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from rules.engine.errors import UnknownRuleVersion

VERSION_LENGTH = 12


def version_of(files: Mapping[str, bytes]) -> str:
    """First 12 hex digits of sha256 over each file's name and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name]
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(str(len(content)).encode("ascii") + b"\0")
        digest.update(content)
    return digest.hexdigest()[:VERSION_LENGTH]


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """A stored version and when it was first stored."""

    version: str
    stored_at: datetime


class RuleVersionStore(Protocol):
    """Keeps every rule-set version's files, addressed by version."""

    async def save(self, version: str, files: Mapping[str, bytes]) -> bool:
        """Store a version; False when it was already stored (content is never overwritten)."""
        ...

    async def load(self, version: str) -> dict[str, bytes]:
        """The files of ``version``; raise UnknownRuleVersion when it was never stored."""
        ...

    async def versions(self) -> list[StoredVersion]:
        """Every stored version, oldest first."""
        ...


class FileRuleVersionStore:
    """Stores versions under ``root/<version>/`` with a manifest; written once, atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def save(self, version: str, files: Mapping[str, bytes]) -> bool:
        return await asyncio.to_thread(self._save, version, dict(files))

    async def load(self, version: str) -> dict[str, bytes]:
        return await asyncio.to_thread(self._load, version)

    async def versions(self) -> list[StoredVersion]:
        return await asyncio.to_thread(self._list)

    def load_now(self, version: str) -> dict[str, bytes]:
        """:meth:`load` without leaving the thread (a few small files, read once per version
        per process: see ``rules.engine.cache.rule_set_of``)."""
        return self._load(version)

    def _save(self, version: str, files: dict[str, bytes]) -> bool:
        if version_of(files) != version:
            raise ValueError(f"files do not hash to version {version}")
        target = self.root / version
        if (target / "manifest.json").exists():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
        for name, content in files.items():
            (staging / name).write_bytes(content)
        manifest = {
            "version": version,
            "stored_at": datetime.now(UTC).isoformat(),
            "files": {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:
            # Another process stored the same version first: same content by construction.
            _remove_tree(staging)
            return False
        return True

    def _load(self, version: str) -> dict[str, bytes]:
        manifest_path = self.root / version / "manifest.json"
        if not manifest_path.exists():
            raise UnknownRuleVersion(f"rule version {version!r} is not stored in {self.root}")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return {name: (self.root / version / name).read_bytes() for name in manifest["files"]}

    def _list(self) -> list[StoredVersion]:
        found: list[StoredVersion] = []
        if not self.root.exists():
            return found
        for manifest_path in self.root.glob("*/manifest.json"):
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            stored_at = datetime.fromisoformat(manifest["stored_at"])
            found.append(StoredVersion(manifest["version"], stored_at))
        return sorted(found, key=lambda v: (v.stored_at, v.version))


def _remove_tree(path: Path) -> None:
    for child in path.iterdir():
        child.unlink()
    path.rmdir()
