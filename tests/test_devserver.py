"""The embedded Temporal dev server keeps its search-attribute cache, as a production cluster
does; an attribute that a newer release adds is usable as soon as the stack has added it."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporalio.service import RPCError

import runtime.devserver
from runtime.devserver import DevServer
from runtime.temporal import connect, ensure_search_attributes
from tests.ports import free_port
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

pytestmark = pytest.mark.e2e

NAMESPACE = "default"
# One attribute of the current release, as if an older release had not known it yet.
NEW = next(
    key
    for key in reversed(ALL_SEARCH_ATTRIBUTES)
    if key.indexed_value_type is SearchAttributeIndexedValueType.KEYWORD
)
OLD = [key for key in ALL_SEARCH_ATTRIBUTES if key.name != NEW.name]
KNOWN = next(
    key for key in OLD if key.indexed_value_type is SearchAttributeIndexedValueType.KEYWORD
)


@asynccontextmanager
async def _server(var: Path) -> AsyncIterator[Client]:
    port = free_port()
    server = DevServer(
        db_file=var / "temporal.db",
        log_file=var / "temporal.log",
        host="127.0.0.1",
        port=port,
        ui_port=free_port(),
        namespace=NAMESPACE,
        sqlite_pragmas=(),
    )
    await server.start()
    try:
        yield await connect(f"127.0.0.1:{port}", NAMESPACE, wait_seconds=60)
    finally:
        await server.stop()


async def _start(client: Client, key: SearchAttributeKey[Any], value: Any) -> None:
    """A workflow start carrying one attribute (the server checks it; no worker is needed)."""
    await client.start_workflow(
        "grassroots_probe",
        id=f"probe-{uuid.uuid4()}",
        task_queue="probe",
        search_attributes=TypedSearchAttributes([SearchAttributePair(key, value)]),
    )


async def test_an_attribute_added_by_a_newer_release_is_usable_once_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The older release: its server registered every attribute but NEW, and used them.
    monkeypatch.setattr(runtime.devserver, "ALL_SEARCH_ATTRIBUTES", OLD)
    async with _server(tmp_path) as client:
        assert await ensure_search_attributes(client, NAMESPACE, tuple(OLD)) == []
        await _start(client, KNOWN, "x")

    # The newer release on the same state: the start-up adds NEW, and a case may use it at once.
    monkeypatch.setattr(runtime.devserver, "ALL_SEARCH_ATTRIBUTES", ALL_SEARCH_ATTRIBUTES)
    async with _server(tmp_path) as client:
        added = await ensure_search_attributes(client, NAMESPACE)
        assert added == [NEW.name]
        await _start(client, NEW, "fenhe")
        assert await _eventually(lambda: client.count_workflows(f"{NEW.name} = 'fenhe'")) == 1


async def _eventually(count: Callable[[], Any], tries: int = 100) -> int:
    """Visibility is written after the start returns: poll the count until it is non-zero."""
    found = 0
    for _ in range(tries):
        try:
            found = (await count()).count
        except RPCError:
            found = 0
        if found:
            return found
        await asyncio.sleep(0.1)
    return found
