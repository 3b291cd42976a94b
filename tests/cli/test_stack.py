"""End-to-end: the run command's embedded stack, stopped with SIGTERM and started again."""

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from models.deadline import DeadlineSpec, EscalationStep, Point, TaskStatus
from models.duration import Duration
from models.supervised_task import AnswerInput, SupervisedTaskInput, SupervisedTaskView
from runtime.temporal import connect
from tests.ports import free_port
from workflows.supervised_task import SupervisedTaskWorkflow

pytestmark = pytest.mark.e2e

GRASSROOTS = str(Path(sys.executable).parent / "grassroots")


class Stack:
    """One ``grassroots run`` process with its own ports and var folder; a thread reads its
    output as it comes, so a chatty stack never blocks on a full pipe."""

    def __init__(self, var_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.var_dir = var_dir
        self.temporal_port = free_port()
        self.api_port = free_port()
        inherited = {k: v for k, v in os.environ.items() if k != "TEMPORAL_ADDRESS"}
        self.env = {
            **inherited,
            "GRASSROOTS_VAR_DIR": str(var_dir),
            "GRASSROOTS_TEMPORAL_PORT": str(self.temporal_port),
            "GRASSROOTS_TEMPORAL_UI_PORT": str(free_port()),
            "GRASSROOTS_API_PORT": str(self.api_port),
            "GRASSROOTS_TASK_QUEUE": "grassroots",
            "GRASSROOTS_LOG_FORMAT": "json",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self.output.append(line)
            self._lines.put(line)
        self._lines.put(None)

    def start(self, timeout: float = 90.0) -> None:
        self.process = subprocess.Popen(
            [GRASSROOTS, "run"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        self.wait_for("Press Ctrl-C to stop.", timeout, what="the stack did not come up")

    def wait_for(self, text: str, timeout: float = 300.0, what: str = "") -> str:
        """Wait for an output line holding ``text``; that line."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if text in line:
                return line
        raise AssertionError(f"{what or f'no {text!r}'}:\n" + "".join(self.output))

    def stop(self, timeout: float = 60.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._close(timeout)
        return code

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close(10.0)

    def _close(self, timeout: float) -> None:
        if self._reader is not None:
            self._reader.join(timeout)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path / "var")
    yield s
    s.kill()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def _view(client: Client, workflow_id: str) -> SupervisedTaskView:
    return await client.get_workflow_handle(workflow_id).query(SupervisedTaskWorkflow.view)


async def test_case_survives_sigterm_and_its_timer_fires_after_restart(stack: Stack) -> None:
    """A case started, the service stopped with SIGTERM and started again: still open, and the
    escalation that fell due while the service was down fires after the restart."""
    stack.start()
    assert "Temporal Web UI: http://127.0.0.1:" in "".join(stack.output)
    client = await connect(stack.address, "default")
    spec = DeadlineSpec(
        task_id="opinion",
        title="出具社区党组织意见",
        owner="community-1",
        due_in=Duration.parse("6s"),
        escalation=(
            EscalationStep(
                level="yellow", at=Point(after_due=Duration.parse("1s")), to="street_committee"
            ),
        ),
    )
    workflow_id = "supervised_task/e2e-restart"
    handle = await client.start_workflow(
        SupervisedTaskWorkflow.run,
        SupervisedTaskInput(spec=spec, community="community-1", assigned_by="admin"),
        id=workflow_id,
        task_queue="grassroots",
    )
    assert (await _view(client, workflow_id)).state.status == TaskStatus.OPEN

    assert stack.stop() == 0, "".join(stack.output)
    assert not _port_open(stack.temporal_port), "the dev server outlived the stack"
    await asyncio.sleep(9)  # the escalation falls due while nothing is running

    stack.start()
    client = await connect(stack.address, "default")
    handle = client.get_workflow_handle_for(SupervisedTaskWorkflow.run, workflow_id)
    desc = await handle.describe()
    assert desc.status == WorkflowExecutionStatus.RUNNING
    for _ in range(100):
        view = await _view(client, workflow_id)
        if any(e.kind == "escalation" for e in view.timeline):
            break
        await asyncio.sleep(0.2)
    escalation = next(e for e in view.timeline if e.kind == "escalation")
    assert escalation.level == "yellow"
    await handle.signal(
        SupervisedTaskWorkflow.answer,
        AnswerInput(event_id="e1", actor="community-1", payload={"grade": "称职"}),
    )
    result = await handle.result(rpc_timeout=timedelta(seconds=30))
    assert result.status == TaskStatus.ANSWERED
    assert result.answer == {"grade": "称职"}
    assert stack.stop() == 0, "".join(stack.output)


async def test_external_temporal_address_starts_no_server(
    tmp_path: Path, dev_server_env: WorkflowEnvironment
) -> None:
    """With TEMPORAL_ADDRESS set, the run command uses that Temporal and starts none of its own."""
    target = dev_server_env.client.service_client.config.target_host
    s = Stack(tmp_path / "var", extra_env={"TEMPORAL_ADDRESS": target})
    try:
        s.start()
        banner = "".join(s.output)
        assert f"Temporal:        {target}" in banner
        assert "Temporal Web UI" not in banner
        assert not (tmp_path / "var" / "temporal.db").exists()
        assert not _port_open(s.temporal_port)
        assert s.stop() == 0, "".join(s.output)
    finally:
        s.kill()
