"""The rule registry: the newest valid rule set, picked up from the folder without a restart.

It polls the folder (mtime and size every few seconds; no file-watching dependency). A valid
edit becomes the active version for new cases and is stored, so cases pinned to it can always
show it. An invalid edit is refused: the last valid version stays active, the errors are logged
loudly and kept for the UI.
"""

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import structlog

from rules.engine import cache
from rules.engine.candidate import write_folder
from rules.engine.errors import RuleError, RuleSetInvalid, StaleRuleVersion
from rules.engine.loader import load_files, read_folder
from rules.engine.ruleset import RuleSet
from rules.engine.versions import RuleVersionStore, version_of

log = structlog.get_logger(__name__)

Fingerprint = tuple[tuple[str, int, int], ...]


def seed_folder(folder: Path, seed: Path | None) -> bool:
    """Copy ``seed`` (e.g. the rules an image ships) to ``folder`` if ``folder`` does not exist
    yet: a deployment's first start on an empty shared volume. True if this call copied it.
    Processes starting together may all try; each copies into a staging folder and renames it
    into place, and every rename but the first fails and is dropped."""
    if seed is None or folder.exists():
        return False
    if not seed.is_dir():
        raise FileNotFoundError(f"rules seed folder {seed} does not exist")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        shutil.copytree(seed, staging, dirs_exist_ok=True)
        os.rename(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not folder.exists():
            raise
        return False
    log.info("rules_seeded", folder=str(folder), seed=str(seed))
    return True


class RuleRegistry:
    """Keeps the active rule set and every version it has seen."""

    def __init__(
        self,
        folder: Path,
        store: RuleVersionStore,
        *,
        poll_seconds: float = 2.0,
        display_root: str | None = None,
    ) -> None:
        self.folder = folder
        self.store = store
        self.poll_seconds = poll_seconds
        self.display_root = str(folder) if display_root is None else display_root
        self._active: RuleSet | None = None
        self._errors: tuple[RuleError, ...] = ()
        self._fingerprint: Fingerprint | None = None
        self._refused_version: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def active(self) -> RuleSet:
        """The rule set new cases start under."""
        if self._active is None:
            raise RuntimeError("the rule registry has not been started")
        return self._active

    @property
    def errors(self) -> tuple[RuleError, ...]:
        """Why the folder's current content was refused; empty when it is the active version."""
        return self._errors

    def error_lines(self) -> list[str]:
        return [error.format(self.display_root) for error in self._errors]

    @property
    def _version_source(self) -> cache.Source | None:
        """The store's synchronous read of a version, if it has one (a file store does)."""
        return getattr(self.store, "load_now", None)

    async def start(self) -> None:
        """Load the folder (or, if it is invalid, the newest stored version) and start polling."""
        await self.refresh()
        if self._active is None:
            await self._fall_back_to_store()
        if self._version_source is not None:
            cache.add_source(self._version_source)  # pinned versions readable by workflows here
        if self._task is None:
            self._task = asyncio.create_task(self._poll(), name="rules-poll")

    async def stop(self) -> None:
        if self._version_source is not None:
            cache.remove_source(self._version_source)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> "RuleRegistry":
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def refresh(self) -> bool:
        """Check the folder now; True when a new version became active."""
        async with self._lock:
            fingerprint = await asyncio.to_thread(_fingerprint, self.folder)
            if fingerprint == self._fingerprint:
                return False
            files = await asyncio.to_thread(read_folder, self.folder)
            self._fingerprint = fingerprint
            version = version_of(files)
            if self._active is not None and version == self._active.version:
                self._errors = ()
                return False
            if version == self._refused_version:
                return False
            try:
                rules = await asyncio.to_thread(load_files, files, self.display_root)
            except RuleSetInvalid as exc:
                self._refuse(version, exc)
                return False
            await self._activate(rules)
            return True

    async def install(self, files: Mapping[str, bytes], *, base: str | None = None) -> RuleSet:
        """Write ``files`` into the folder and make them the active version now, not at the next
        poll. Refused with RuleSetInvalid when they are invalid (nothing is written), and with
        StaleRuleVersion when ``base`` is given and is no longer the active version."""
        async with self._lock:
            active = self.active.version
            if base is not None and base != active:
                raise StaleRuleVersion(base, active)
            rules = await asyncio.to_thread(load_files, files, self.display_root)
            await asyncio.to_thread(write_folder, self.folder, files)
            self._fingerprint = await asyncio.to_thread(_fingerprint, self.folder)
            if rules.version != active:
                await self._activate(rules)
            else:
                self._errors = ()
            return self.active

    async def get(self, version: str) -> RuleSet:
        """The rule set of any stored ``version`` (for cases pinned to an older one)."""
        rules = cache.cached(version)
        if rules is not None:
            return rules
        files = await self.store.load(version)
        rules = await asyncio.to_thread(load_files, files, f"versions/{version}")
        cache.remember(rules)
        return rules

    async def _activate(self, rules: RuleSet) -> None:
        await self.store.save(rules.version, rules.files)
        cache.remember(rules)
        previous = self._active.version if self._active is not None else None
        self._active = rules
        self._errors = ()
        self._refused_version = None
        log.info(
            "rules_activated", version=rules.version, previous=previous, folder=self.display_root
        )

    def _refuse(self, version: str, exc: RuleSetInvalid) -> None:
        self._errors = exc.errors
        self._refused_version = version
        active = self._active.version if self._active is not None else None
        log.error(
            "rules_invalid",
            folder=self.display_root,
            refused_version=version,
            active_version=active,
            errors=self.error_lines(),
        )

    async def _fall_back_to_store(self) -> None:
        for stored in reversed(await self.store.versions()):
            try:
                rules = await self.get(stored.version)
            except RuleSetInvalid:
                continue
            self._active = rules
            log.warning("rules_fallback", version=rules.version, folder=self.display_root)
            return
        raise RuleSetInvalid(list(self._errors), self.display_root)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except Exception:
                log.exception("rules_poll_failed", folder=self.display_root)


def _fingerprint(folder: Path) -> Fingerprint:
    entries = []
    for path in sorted(folder.glob("*.yaml")):
        with contextlib.suppress(FileNotFoundError):
            stat = path.stat()
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)
