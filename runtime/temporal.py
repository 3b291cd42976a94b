"""Connecting to Temporal and making sure the namespace and search attributes exist."""

import asyncio
import time
from datetime import timedelta

import structlog
from google.protobuf.duration_pb2 import Duration as PbDuration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
    ListSearchAttributesResponse,
)
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

log = structlog.get_logger(__name__)

NAMESPACE_RETENTION = timedelta(days=30)


class TemporalUnavailableError(RuntimeError):
    """Temporal did not answer at the given address in time."""


async def connect(target: str, namespace: str, *, wait_seconds: float = 0.0) -> Client:
    """Connect with the pydantic data converter, retrying for up to ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await Client.connect(
                target, namespace=namespace, data_converter=pydantic_data_converter
            )
        except RuntimeError as err:
            if time.monotonic() >= deadline:
                raise TemporalUnavailableError(
                    f"Temporal is not reachable at {target}: {err}"
                ) from err
            await asyncio.sleep(0.25)


async def ensure_namespace(client: Client, namespace: str) -> bool:
    """Register ``namespace`` unless it exists; returns True when it was created."""
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace)
        )
        return False
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    retention = PbDuration()
    retention.FromTimedelta(NAMESPACE_RETENTION)
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=namespace, workflow_execution_retention_period=retention
            )
        )
    except RPCError as register_err:
        if register_err.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        return False
    log.info("namespace_created", namespace=namespace)
    return True


async def ensure_search_attributes(
    client: Client,
    namespace: str,
    keys: tuple[SearchAttributeKey, ...] = ALL_SEARCH_ATTRIBUTES,  # type: ignore[type-arg]
) -> list[str]:
    """Add the custom search attributes that are missing; returns the names added."""
    wanted = {
        key.name: IndexedValueType.ValueType(_indexed_type(key.indexed_value_type)) for key in keys
    }
    try:
        existing = set((await _list_search_attributes(client, namespace)).custom_attributes)
    except RPCError as err:
        # The time-skipping test server cannot list attributes, but it accepts additions.
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {name: kind for name, kind in wanted.items() if name not in existing}
    added = sorted(missing)
    if added:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
        await _until_usable(client, added)
        log.info("search_attributes_created", namespace=namespace, names=added)
    return added


async def _until_usable(client: Client, names: list[str], wait_seconds: float = 30.0) -> None:
    """Wait until the server accepts ``names`` in a query, as it then does in a start or an
    upsert: an attribute just added reaches a server that caches its search attributes (a
    production cluster, the embedded dev server) a moment later, and a case started with it
    before then would be refused."""
    query = " AND ".join(f"{name} IS NULL" for name in names)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            await client.count_workflows(query)
            return
        except RPCError as err:
            if err.status == RPCStatusCode.UNIMPLEMENTED:
                return  # the time-skipping test server: no visibility queries, no cache
            if err.status != RPCStatusCode.INVALID_ARGUMENT:
                raise
            if time.monotonic() >= deadline:
                listed = ", ".join(names)
                raise RuntimeError(
                    f"Temporal did not accept the search attributes it was given ({listed}) "
                    f"within {wait_seconds:g} s: {err.message}"
                ) from err
            await asyncio.sleep(0.2)


async def _list_search_attributes(
    client: Client, namespace: str, wait_seconds: float = 30.0
) -> ListSearchAttributesResponse:
    # A namespace registered a moment ago reaches the server's namespace cache a few seconds later.
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=namespace)
            )
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


def _indexed_type(kind: SearchAttributeIndexedValueType) -> int:
    return int(kind.value)
