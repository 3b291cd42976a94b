"""New cases take the newest valid rules without a restart; an invalid edit changes nothing."""

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from rules.engine import cache
from rules.engine.errors import RuleSetInvalid
from rules.engine.loader import read_folder
from rules.engine.registry import RuleRegistry, seed_folder
from rules.engine.versions import FileRuleVersionStore
from tests.rules.helpers import RULES_DIR


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    target.mkdir()
    for path in RULES_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()  # make the change visible even on coarse mtime clocks
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _registry(folder: Path, tmp_path: Path) -> RuleRegistry:
    store = FileRuleVersionStore(tmp_path / "versions")
    return RuleRegistry(folder, store, poll_seconds=0.05, display_root="rules")


async def test_invalid_edit_keeps_the_last_valid_version(folder: Path, tmp_path: Path) -> None:
    """A bad edit is logged loudly and kept for the UI; new cases still get the old rules."""
    registry = _registry(folder, tmp_path)
    await registry.start()
    try:
        before = registry.active.version
        _edit(folder / "dual_assessment.yaml", "reminders: standard", "reminders: standrd")
        with capture_logs() as logs:
            assert await registry.refresh() is False
        assert registry.active.version == before
        assert [e.message for e in registry.errors] == [
            "undefined reminder schedule 'standrd' (did you mean 'standard'?)"
        ]
        [entry] = [log for log in logs if log["event"] == "rules_invalid"]
        assert entry["log_level"] == "error"
        assert entry["active_version"] == before
        assert entry["errors"][0].startswith("rules/dual_assessment.yaml:")
    finally:
        await registry.stop()


async def test_valid_edit_is_picked_up_by_polling(folder: Path, tmp_path: Path) -> None:
    """A valid edit becomes active within a poll interval, and is stored."""
    registry = _registry(folder, tmp_path)
    async with registry:
        before = registry.active.version
        _edit(folder / "dual_assessment.yaml", "before: 5wd", "before: 3wd")
        for _ in range(200):
            if registry.active.version != before:
                break
            await asyncio.sleep(0.02)
        after = registry.active
        assert after.version != before
        assert after.dual_assessment.opinion_task.due.before is not None
        assert after.dual_assessment.opinion_task.due.before.text == "3wd"
        stored = {v.version for v in await registry.store.versions()}
        assert stored == {before, after.version}
        assert (await registry.get(before)).version == before
        assert cache.cached(after.version) is after


async def test_fixing_an_invalid_edit_clears_the_errors(folder: Path, tmp_path: Path) -> None:
    """Once the file is fixed, the errors shown in the UI go away."""
    registry = _registry(folder, tmp_path)
    await registry.refresh()
    _edit(folder / "shared.yaml", "timezone: Asia/Shanghai", "timezone: Asia/Shanghia")
    with capture_logs():
        await registry.refresh()
    assert registry.errors
    _edit(folder / "shared.yaml", "timezone: Asia/Shanghia", "timezone: Asia/Shanghai")
    await registry.refresh()
    assert registry.errors == ()


async def test_start_falls_back_to_the_newest_stored_version(folder: Path, tmp_path: Path) -> None:
    """A worker started while the folder is broken runs on the newest stored valid version."""
    first = _registry(folder, tmp_path)
    await first.refresh()
    good = first.active.version
    _edit(folder / "events.yaml", "action: start", "action: begin")
    second = _registry(folder, tmp_path)
    with capture_logs() as logs:
        await second.start()
    try:
        assert second.active.version == good
        assert {"rules_invalid", "rules_fallback"} <= {log["event"] for log in logs}
    finally:
        await second.stop()


async def test_start_without_any_valid_version_fails(folder: Path, tmp_path: Path) -> None:
    """With a broken folder and nothing stored, the service refuses to start."""
    _edit(folder / "events.yaml", "action: start", "action: begin")
    registry = _registry(folder, tmp_path)
    with capture_logs(), pytest.raises(RuleSetInvalid):
        await registry.start()
    await registry.stop()


def test_a_missing_rules_folder_is_seeded_once_and_never_overwritten(tmp_path: Path) -> None:
    """A deployment's first start copies the shipped rules to its rules folder; later starts
    keep what administrators have made of it."""
    live = tmp_path / "state" / "rule-files"
    assert seed_folder(live, RULES_DIR) is True
    assert read_folder(live) == read_folder(RULES_DIR)
    (live / "shared.yaml").write_text("# edited\n", encoding="utf-8")
    assert seed_folder(live, RULES_DIR) is False
    assert (live / "shared.yaml").read_text(encoding="utf-8") == "# edited\n"
    assert [p.name for p in live.parent.iterdir()] == ["rule-files"]  # no staging left behind
    assert seed_folder(tmp_path / "other", None) is False
    with pytest.raises(FileNotFoundError, match=r"rules seed folder .* does not exist"):
        seed_folder(tmp_path / "other", tmp_path / "no-such-seed")
