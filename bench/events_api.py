"""Events through the API: accepted per second by ``POST /events``, and the time from POST to the
case showing in ``GET /api/cases``, against the bare Temporal signal-with-start rate."""

# The embedded stack's pieces: a Temporal dev server on a SQLite file with the embedded pragmas,
# and, in a child process as `grassroots run` has them, the real app on uvicorn with a worker
# running a trivial process workflow that projects its case once (the real `project_case`), on a
# SQLite project database. The load comes from this process over HTTP with httpx; the baseline is
# the same signal-with-start the API makes, sent from this process straight to Temporal.
#
#     .venv/bin/python bench/events_api.py [--events 500] [--concurrency 20] [--latency-events 200]

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

# The sandbox re-imports this script to check the workflow: its other imports pass through.
with workflow.unsafe.imports_passed_through():
    import httpx

    from models.case import CaseSnapshot, ProjectCaseInput, ProjectCaseResult
    from models.events import CASE_ENGINE, CaseStartInput, InboundEvent

PROCESS = "community_worker"
ROUTE = """
  grassroots.bench.opened:
    action: start
    process: community_worker
    case_key: community_worker/{worker_id}
    required: [worker_id, community_id]
"""
WARM_UP = 20


@workflow.defn(name=PROCESS)
class BenchProcess:
    """The least a process does: project its case once, then finish."""

    @workflow.run
    async def run(self, params: CaseStartInput) -> None:
        snapshot = CaseSnapshot(
            case_id=workflow.info().workflow_id,
            process=PROCESS,
            status="open",
            community_id=params.event.data.get("community_id"),
            rule_version=params.rule_version,
            opened_at=workflow.now(),
        )
        await workflow.execute_activity(
            "project_case",
            ProjectCaseInput(snapshot=snapshot),
            result_type=ProjectCaseResult,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        await workflow.wait_condition(workflow.all_handlers_finished)

    @workflow.signal(name="event")
    def event(self, event: InboundEvent) -> None:
        """The start signal carries the opening event again; nothing more to do with it."""


# --- The server side: the app and a worker, as `grassroots run` runs them ------------------------


async def serve(args: argparse.Namespace) -> None:
    """Child process: the real app on uvicorn, a worker, or both (``--role``), until SIGTERM."""
    import uvicorn
    from temporalio.worker import Worker

    from activities.cases import CaseActivities
    from api.app import create_app
    from db.cases import store_engine
    from db.session import session_factory
    from logconfig import configure_logging
    from runtime.temporal import connect
    from settings import Settings

    settings = Settings(
        var_dir=Path(args.var),
        temporal_address=args.temporal,
        database_url=args.database,
        rules_dir=Path(args.rules),
        task_queue=args.task_queue,
        api_port=args.port,
    )
    configure_logging(settings.log_level, "json")
    client = await connect(settings.temporal_target, settings.temporal_namespace, wait_seconds=30)
    # As `grassroots run` should: API and worker share one engine (on SQLite, one connection).
    engine = store_engine(settings.effective_database_url)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[BenchProcess],
        activities=[CaseActivities(session_factory(engine)).project_case],
        max_cached_workflows=settings.max_cached_workflows,
    )
    if args.role == "worker":
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with worker:
            await stop.wait()
    else:
        config = uvicorn.Config(
            create_app(settings, client, engine=engine),
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
        )
        async with contextlib.AsyncExitStack() as stack:
            if args.role == "api+worker":
                await stack.enter_async_context(worker)
            await uvicorn.Server(config).serve()
    await engine.dispose()


# --- The load side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """How long ``count`` operations took, and each one's latency."""

    count: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


async def _timed(count: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> Run:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def timed(index: int) -> None:
        async with limit:
            started = time.perf_counter()
            await one(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for index in range(count):
            group.create_task(timed(index))
    return Run(count, time.perf_counter() - started, latencies)


def _event(worker_id: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:bench:hr-system",
        "type": "grassroots.bench.opened",
        # A community_worker start, so its data fits the model the API checks such starts with.
        "data": {
            "worker_id": worker_id,
            "community_id": "c-1",
            "post": "staff",
            "method": "in_service",
        },
    }


async def _post(http: httpx.AsyncClient, token: str, worker_id: str) -> None:
    response = await http.post(
        "/events",
        json=_event(worker_id),
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/cloudevents+json",
        },
    )
    if response.status_code != 202:
        raise RuntimeError(f"POST /events answered {response.status_code}: {response.text}")


async def _signal_with_start(client: Client, task_queue: str, worker_id: str) -> None:
    body = _event(worker_id)
    event = InboundEvent(id=body["id"], source=body["source"], type=body["type"], data=body["data"])
    await client.start_workflow(
        PROCESS,
        CaseStartInput(event=event, rule_version="bench", engine=CASE_ENGINE),
        id=f"{PROCESS}/{worker_id}",
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        start_signal="event",
        start_signal_args=[event],
    )


class CaseWatch:
    """One poller of ``GET /api/cases`` (newest first) that tells waiters when their case shows."""

    # One request every 10 ms for everybody, so watching does not load the API it measures.

    def __init__(self, http: httpx.AsyncClient, admin: str) -> None:
        self._http = http
        self._admin = admin
        self._waiting: dict[str, asyncio.Future[None]] = {}

    def expect(self, case_id: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[case_id] = future
        return future

    async def poll(self) -> None:
        while True:
            response = await self._http.get(
                "/api/cases",
                params={"process": PROCESS, "limit": "50"},
                headers={"authorization": f"Bearer {self._admin}"},
            )
            for item in response.json()["items"]:
                future = self._waiting.pop(item["case_id"], None)
                if future is not None:
                    future.set_result(None)
            await asyncio.sleep(0.01)


async def _visible(http: httpx.AsyncClient, watch: CaseWatch, token: str, worker_id: str) -> None:
    """POST an event and wait until the case list shows its case."""
    shown = watch.expect(f"{PROCESS}/{worker_id}")
    await _post(http, token, worker_id)
    await shown


def _projected(path: Path) -> int:
    # A plain read-only connection: in WAL mode it takes no lock the servers would wait for.
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        count: int = db.execute("SELECT count(*) FROM cases").fetchone()[0]
        return count


async def _drain(path: Path, expected: int) -> None:
    """Wait until the worker has projected every case started so far."""
    for _ in range(12_000):
        if await asyncio.to_thread(_projected, path) >= expected:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the worker did not project {expected} cases in 10 minutes")


async def _credentials(database: str) -> tuple[str, str]:
    """An API client token and an administrator's session token, straight in the database."""
    from db.case_tables import User
    from db.migrate import upgrade
    from db.security import add_client, hash_password, open_session
    from db.session import create_engine, session_factory

    await upgrade(database)
    engine = create_engine(database)
    try:
        async with session_factory(engine)() as session:
            _, client_token = await add_client(session, "bench", ["grassroots.*"], actor="bench")
            admin = User(username="admin", password_hash=hash_password("bench-pw"), role="admin")
            session.add(admin)
            await session.flush()
            admin_token, _ = await open_session(session, admin, timedelta(hours=1))
            await session.commit()
    finally:
        await engine.dispose()
    return client_token, admin_token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _healthy(http: httpx.AsyncClient, children: list[asyncio.subprocess.Process]) -> None:
    for _ in range(600):
        for child in children:
            if child.returncode is not None:
                raise RuntimeError(f"a server process exited with {child.returncode}")
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the API did not come up in 60 s")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Phase:
    """One phase: its requests, its cases run to their projection, the servers' CPU per case."""

    run: Run
    projected_per_second: float
    cpu_ms: dict[str, float]

    def cpu(self) -> str:
        return ", ".join(f"{role} {ms:.1f} ms" for role, ms in self.cpu_ms.items())


@dataclass
class Stack:
    """The running pieces a phase drives and measures."""

    http: httpx.AsyncClient
    database: Path
    children: dict[str, asyncio.subprocess.Process]
    started: int = 0

    async def phase(self, run: Awaitable[Run], cases: int) -> Phase:
        """Run one phase, then wait until the worker has projected all its cases."""
        before = {role: _cpu_seconds(child.pid) for role, child in self.children.items()}
        begun = time.perf_counter()
        result = await run
        self.started += cases
        await _drain(self.database, self.started)
        seconds = time.perf_counter() - begun
        cpu = {
            role: (_cpu_seconds(child.pid) - before[role]) * 1000 / cases
            for role, child in self.children.items()
        }
        return Phase(result, cases / seconds, cpu)


def temporal_version() -> str:
    """The installed ``temporal`` CLI's version line, for the figures' heading."""
    from runtime.devserver import installed_binary

    return subprocess.run(
        [installed_binary("temporal"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


T = TypeVar("T")


def in_workdir(
    measure: Callable[[argparse.Namespace, Path], Coroutine[Any, Any, T]], args: Any
) -> T:
    """Run a bench's measurement with its files in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="grassroots-bench-") as workdir:
        return asyncio.run(measure(args, Path(workdir)))


async def embedded_dev_server(workdir: Path) -> WorkflowEnvironment:
    """The embedded stack's Temporal: the dev server on a SQLite file with its pragmas and its
    dynamic configuration."""
    from runtime.devserver import DYNAMIC_CONFIG, installed_binary
    from settings import DEFAULT_SQLITE_PRAGMAS
    from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

    # The dev server prints a banner on fd 1; the figures alone go to stdout.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=installed_binary("temporal"),
            dev_server_database_filename=str(workdir / "temporal.db"),
            dev_server_extra_args=[
                *(arg for pragma in DEFAULT_SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)),
                *(arg for value in DYNAMIC_CONFIG for arg in ("--dynamic-config-value", value)),
            ],
            dev_server_log_level="error",
            search_attributes=ALL_SEARCH_ATTRIBUTES,
        )
    finally:
        os.dup2(saved, 1)
        os.close(saved)


async def _spawn(
    roles: Sequence[str], serve_args: list[str], log: Path
) -> dict[str, asyncio.subprocess.Process]:
    children = {}
    with log.open("wb") as out:
        for role in roles:
            children[role] = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--serve",
                f"--role={role}",
                *serve_args,
                stdout=out,
                stderr=out,
            )
    return children


async def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Phase]:
    """Start the stack's pieces, run the phases, stop everything in order."""
    env = await embedded_dev_server(workdir)
    children: dict[str, asyncio.subprocess.Process] = {}
    try:
        database_file = workdir / "grassroots.db"
        database = f"sqlite+aiosqlite:///{database_file}"
        client_token, admin_token = await _credentials(database)
        rules = workdir / "rules"
        shutil.copytree(Path(__file__).resolve().parents[1] / "rules", rules)
        with (rules / "events.yaml").open("a", encoding="utf-8") as events:
            events.write(ROUTE)
        port, task_queue = _free_port(), f"bench-{uuid.uuid4()}"
        serve_args = [
            f"--temporal={env.client.service_client.config.target_host}",
            f"--database={database}",
            f"--rules={rules}",
            f"--var={workdir / 'var'}",
            f"--port={port}",
            f"--task-queue={task_queue}",
        ]
        roles = ["api+worker"] if args.layout == "embedded" else ["api", "worker"]
        children = await _spawn(roles, serve_args, workdir / "server.log")
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=None)
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            try:
                await _healthy(http, list(children.values()))
            except RuntimeError:
                sys.stderr.write((workdir / "server.log").read_text(errors="replace")[-4000:])
                raise
            stack = Stack(http, database_file, children)
            tag, n, c = uuid.uuid4().hex[:6], args.events, args.concurrency

            def post(prefix: str) -> Callable[[int], Awaitable[None]]:
                return lambda i: _post(http, client_token, f"{prefix}{tag}{i}")

            await stack.phase(_timed(WARM_UP, c, post("w")), WARM_UP)
            phases = {
                "bare": await stack.phase(
                    _timed(
                        n, c, lambda i: _signal_with_start(env.client, task_queue, f"t{tag}{i}")
                    ),
                    n,
                ),
                "api": await stack.phase(_timed(n, c, post("a")), n),
            }
            watch = CaseWatch(http, admin_token)
            poller = asyncio.create_task(watch.poll())
            phases["visible"] = await stack.phase(
                _timed(
                    args.latency_events,
                    args.latency_concurrency,
                    lambda i: _visible(http, watch, client_token, f"v{tag}{i}"),
                ),
                args.latency_events,
            )
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    finally:
        for child in reversed(list(children.values())):
            if child.returncode is None:
                child.send_signal(signal.SIGTERM)
                await child.wait()
        await env.shutdown()
    return phases


def report(phases: dict[str, Phase], args: argparse.Namespace, version: str) -> str:
    """The figures as the bench README records them."""
    api, bare, visible = phases["api"].run, phases["bare"].run, phases["visible"].run
    layout = "in one process" if args.layout == "embedded" else "in two processes"
    return "\n".join(
        [
            f"{version}; {os.cpu_count()} CPUs; SQLite files; API and worker {layout}",
            f"{args.events} events per phase, {args.concurrency} in flight",
            "",
            f"POST /events accepted   {api.rate:7.1f}/s  POST p50 {api.percentile(50):5.0f} ms, "
            f"p99 {api.percentile(99):5.0f} ms",
            f"bare signal-with-start  {bare.rate:7.1f}/s  call p50 {bare.percentile(50):5.0f} ms, "
            f"p99 {bare.percentile(99):5.0f} ms",
            f"ratio API / bare        {api.rate / bare.rate:7.2f}",
            "",
            f"cases run to projection {phases['bare'].projected_per_second:7.1f}/s after bare "
            f"starts, {phases['api'].projected_per_second:.1f}/s after POSTs",
            f"server CPU per case     bare starts: {phases['bare'].cpu()}; "
            f"POSTs: {phases['api'].cpu()}",
            f"POST -> visible in GET /api/cases: p50 {visible.percentile(50):.0f} ms, "
            f"p99 {visible.percentile(99):.0f} ms ({visible.count} events, "
            f"{args.latency_concurrency} in flight)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the flags, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=500, help="events per throughput phase")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--latency-concurrency", type=int, default=10)
    parser.add_argument(
        "--layout",
        choices=("embedded", "split"),
        default="embedded",
        help="API and worker in one process, as `grassroots run` (default), or in two",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--role", choices=("api+worker", "api", "worker"), help=argparse.SUPPRESS)
    for name in ("temporal", "database", "rules", "var", "task-queue"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args))
        return

    version = temporal_version()
    print(report(in_workdir(measure, args), args, version))


if __name__ == "__main__":
    main()
