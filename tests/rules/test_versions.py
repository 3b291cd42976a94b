"""A rule set's version is the hash of its files, and every version stays retrievable."""

from pathlib import Path

import pytest

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
