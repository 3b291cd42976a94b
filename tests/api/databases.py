"""The db fixtures of tests/db, for tests elsewhere: each test runs on a SQLite file and, when
GRASSROOTS_TEST_POSTGRES_URL is set, on PostgreSQL too."""

import os

import pytest

from tests.db.conftest import POSTGRES_ENV, database_url, engine, sessions

__all__ = ["database_url", "engine", "on_each_database", "sessions"]

_PARAMS = [pytest.param("sqlite", id="sqlite")]
if os.environ.get(POSTGRES_ENV):
    _PARAMS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))

# A module's ``pytestmark``: the databases come from the environment here, instead of being
# deselected by tests/db/conftest.py's hook, which does not run for other folders.
on_each_database = pytest.mark.parametrize("database_url", _PARAMS, indirect=True, scope="session")
