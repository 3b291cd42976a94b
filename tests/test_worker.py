"""The worker's workflow runner: the sandbox with the project's changes to how the SDK drives it,
checked on a real Temporal (the time-skipping test server)."""

import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Self

import pytest
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker import _worker as sdk_worker
from temporalio.worker.workflow_sandbox import _runner as sandbox_runner

from settings import Settings
from worker import build_worker, source_build_id, workflow_runner

STEP = timedelta(seconds=10)


@activity.defn
async def echo(text: str) -> str:
    return f"done-{text}"


@workflow.defn
class ContextProbe:
    """One activity, one local activity, a result: three payloads bound for three contexts."""

    @workflow.run
    async def run(self, text: str) -> str:
        await workflow.execute_activity(echo, "to-activity", start_to_close_timeout=STEP)
        await workflow.execute_local_activity(echo, "to-local", start_to_close_timeout=STEP)
        return f"result-{text}"


class Recorder(PayloadCodec, WithSerializationContext):
    """A codec that changes nothing and notes the context each payload was encoded in."""

    def __init__(
        self,
        seen: list[tuple[SerializationContext | None, bytes]],
        context: SerializationContext | None = None,
    ) -> None:
        self.seen, self.context = seen, context

    def with_context(self, context: SerializationContext) -> Self:
        return type(self)(self.seen, context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.seen.extend((self.context, payload.data) for payload in payloads)
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


def _contexts(seen: list[tuple[SerializationContext | None, bytes]], data: bytes) -> list[Any]:
    return [context for context, sent in seen if sent == data]


async def test_payloads_are_encoded_in_their_commands_contexts(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    """The runner answers the SDK's per-payload context questions without entering the sandbox;
    the answers are the SDK's: an activity's input in that activity's context, a local
    activity's marked local, the workflow's result in the workflow's."""
    seen: list[tuple[SerializationContext | None, bytes]] = []
    config = time_skipping_env.client.config()
    config["data_converter"] = DataConverter(payload_codec=Recorder(seen))
    client = Client(**config)
    runner = workflow_runner()
    for name in ("get_serialization_context", "get_external_store_context"):
        assert getattr(getattr(sandbox_runner._Instance, name), "answered_directly", False), name
    task_queue, workflow_id = f"tq-{uuid.uuid4()}", f"probe-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ContextProbe],
        activities=[echo],
        workflow_runner=runner,
    ):
        result = await client.execute_workflow(
            ContextProbe.run, "x", id=workflow_id, task_queue=task_queue
        )

    assert result == "result-x"
    [remote] = _contexts(seen, b'"to-activity"')
    [local] = _contexts(seen, b'"to-local"')
    for context, is_local in ((remote, False), (local, True)):
        assert isinstance(context, ActivitySerializationContext)
        assert (context.workflow_id, context.activity_type) == (workflow_id, "echo")
        assert context.is_local is is_local
    [finished] = _contexts(seen, b'"result-x"')
    assert finished == WorkflowSerializationContext(
        namespace=client.namespace, workflow_id=workflow_id
    )


def _module(name: str, path: Path, source: str) -> ModuleType:
    path.write_text(source, encoding="utf-8")
    module = ModuleType(name)
    module.__file__ = str(path)
    return module


def test_the_build_id_follows_the_projects_own_sources(tmp_path: Path) -> None:
    """The build id the worker reports changes with any of the project's loaded sources, and
    with nothing else: another package's files and modules without a source file leave it be."""
    ours = _module("workflows.example", tmp_path / "example.py", "STEPS = 1\n")
    theirs = _module("sqlalchemy.example", tmp_path / "theirs.py", "X = 1\n")
    builtin = ModuleType("workflows.compiled")  # no __file__, like a built-in or frozen module
    before = source_build_id({m.__name__: m for m in (ours, theirs, builtin)})

    assert source_build_id({m.__name__: m for m in (ours, builtin)}) == before
    _module("sqlalchemy.example", tmp_path / "theirs.py", "X = 2\n")
    assert source_build_id({m.__name__: m for m in (ours, theirs)}) == before
    _module("workflows.example", tmp_path / "example.py", "STEPS = 2\n")
    changed = source_build_id({m.__name__: m for m in (ours, theirs)})
    assert changed != before
    assert len(changed) == 32
    assert set(changed) <= set("0123456789abcdef")


async def test_the_worker_starts_without_hashing_every_loaded_module(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker names its build id from the project's sources, so the SDK never hashes (and,
    without bytecode on disk, compiles) every module the process has loaded."""

    def refuse() -> str:
        raise AssertionError("the SDK was left to hash every loaded module")

    monkeypatch.setattr(sdk_worker, "load_default_build_id", refuse)
    settings = Settings(var_dir=tmp_path / "var", task_queue=f"tq-{uuid.uuid4()}")
    worker = build_worker(time_skipping_env.client, settings)
    assert worker.config()["build_id"] == source_build_id()
