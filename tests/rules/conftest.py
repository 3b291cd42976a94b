"""Fixtures for the rule engine: the default rule files, loaded once per session."""

import pytest

from rules.engine.loader import load_files, read_folder
from rules.engine.ruleset import RuleSet
from tests.rules.helpers import RULES_DIR


@pytest.fixture(scope="session")
def default_files() -> dict[str, bytes]:
    return read_folder(RULES_DIR)


@pytest.fixture(scope="session")
def default_rules(default_files: dict[str, bytes]) -> RuleSet:
    return load_files(default_files)
