"""A rule set's version is the hash of its files, and every version stays retrievable."""

from pathlib import Path

import pytest

from rules.engine import cache
from rules.engine.errors import UnknownRuleVersion
from rules.engine.versions import FileRuleVersionStore, version_of


def test_version_is_stable_and_follows_content(default_files: dict[str, bytes]) -> None:
    """The same files give the same version; any byte or name change gives another."""
    version = version_of(default_files)
    assert version == version_of(dict(reversed(list(default_files.items()))))
    changed = {**default_files, "shared.yaml": default_files["shared.yaml"] + b"\n"}
    assert version_of(changed) != version
    renamed = {("x" + k if k == "events.yaml" else k): v for k, v in default_files.items()}
    assert version_of(renamed) != version


async def test_file_store_keeps_every_version(
    tmp_path: Path, default_files: dict[str, bytes]
) -> None:
    """Stored versions come back byte for byte, once each, oldest first."""
    store = FileRuleVersionStore(tmp_path / "versions")
    first = version_of(default_files)
    assert await store.save(first, default_files) is True
    assert await store.save(first, default_files) is False
    other = {**default_files, "commitment.yaml": default_files["commitment.yaml"] + b"# x\n"}
    await store.save(version_of(other), other)
    assert await store.load(first) == default_files
    assert [v.version for v in await store.versions()] == [first, version_of(other)]
    with pytest.raises(UnknownRuleVersion):
        await store.load("000000000000")


async def test_file_store_refuses_mislabelled_content(
    tmp_path: Path, default_files: dict[str, bytes]
) -> None:
    """A version is its content's hash: files under the wrong version are refused."""
    store = FileRuleVersionStore(tmp_path)
    with pytest.raises(ValueError, match="do not hash to version"):
        await store.save("abcdefabcdef", default_files)


async def test_a_pinned_version_is_read_from_a_registered_store_once(
    tmp_path: Path, default_files: dict[str, bytes]
) -> None:
    """A case pinned by version alone gets that version's rules from a version store when its
    worker has not loaded it (a restart, a replay); with no store holding it, it is refused."""
    version = version_of(default_files)
    store = FileRuleVersionStore(tmp_path / "versions")
    await store.save(version, default_files)
    cache.clear()
    with pytest.raises(UnknownRuleVersion, match=f"rule version {version} is not loaded"):
        cache.rule_set_of(version)
    cache.add_source(store.load_now)
    try:
        rules = cache.rule_set_of(version)
        assert rules.version == version
        assert rules.files == default_files
        assert cache.rule_set_of(version) is rules  # loaded once
    finally:
        cache.remove_source(store.load_now)
