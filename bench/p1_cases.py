"""P1 dual-assessment cases per second end to end — CloudEvents in through ``POST /events``,
opinion, close, case closed — on the embedded stack, against a bare Temporal case (start, one
signal, two no-op activities) measured in the same run on the same server and worker process."""

# The server side is one child process built as `grassroots run` builds it: the real worker
# (every workflow and activity, the rule registry, the project database with the sample registry
# and its demo API client) and the real app on uvicorn sharing its engine, plus the outbox loop;
# the same process also runs a worker for the bare case on a task queue of its own. The Temporal
# dev server runs on a SQLite file with the product's pragmas. The load comes from this process:
# for a P1 case it POSTs `assessment.opened`, waits until the case shows its opinion task in the
# case store, POSTs `assessment.opinion_submitted` (an update, answered when the case accepts it)
# and `assessment.closed`, then waits for the case's workflow to complete; for a bare case it
# starts the workflow, signals it and waits for it to complete.
#
#     .venv/bin/python bench/p1_cases.py [--cases 200] [--concurrency 20]

import argparse
import asyncio
import contextlib
import functools
import json
import os
import signal
import socket
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # the project's packages, when run as a script

from bare_case import BenchCase  # noqa: E402
from bare_payloads import BenchCaseInput, ProceedInput, bench_step  # noqa: E402
from events_api import embedded_dev_server, in_workdir, temporal_version  # noqa: E402

WARM_UP = 10
UNIT_TYPES = ("agency", "institution", "state_enterprise")  # rules/shared.yaml resident_unit
GRADE = "较好"  # allowed for every unit, inside the big committee or not


# --- The server side, as `grassroots run` builds it ---------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    """Child process: worker, API and outbox as the embedded stack runs them, plus the bare
    case's worker, until SIGTERM."""
    import uvicorn
    from temporalio.worker import Worker

    from activities.outbox import run_outbox_delivery
    from api.app import create_app
    from logconfig import configure_logging
    from runtime.temporal import connect
    from settings import Settings
    from worker import build_worker, cache_workflow_bytecode, worker_dependencies

    settings = Settings(
        var_dir=Path(args.var),
        temporal_address=args.temporal,
        database_url=args.database,
        task_queue=args.task_queue,
        api_port=args.port,
    )
    configure_logging(settings.log_level, "json")
    client = await connect(settings.temporal_target, settings.temporal_namespace, wait_seconds=30)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    # The bare case's module gets what the product's do (worker.build_worker): bytecode cached.
    cache_workflow_bytecode(settings.var_dir, [BenchCase])
    bare = Worker(
        client, task_queue=args.bare_queue, workflows=[BenchCase], activities=[bench_step]
    )
    async with worker_dependencies(settings) as (rules, sessions, engine):
        worker = build_worker(client, settings, rules=rules, sessions=sessions)
        config = uvicorn.Config(
            create_app(settings, client, engine=engine, rules=rules),
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            lifespan="on",
        )
        api = uvicorn.Server(config)
        async with worker, bare:
            outbox = asyncio.create_task(run_outbox_delivery(sessions, settings.webhooks, stop))
            served = asyncio.create_task(api.serve())
            await stop.wait()
            api.should_exit = True
            await served
            await outbox


# --- The load side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """How long ``count`` cases took end to end, and each one's latency."""

    count: int
    seconds: float
    latencies: list[float]
    cpu_ms: dict[str, float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


class Projection:
    """One poller of the case store that tells waiters when their case shows a status. It reads
    through one read-only connection (it takes no lock from the servers) and only the rows of the
    cases waited on, by primary key, so it does not load the server it measures."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._waiting: dict[tuple[str, str], asyncio.Future[None]] = {}

    def expect(self, case_id: str, status: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[(case_id, status)] = future
        return future

    async def poll(self) -> None:
        with contextlib.closing(sqlite3.connect(f"file:{self._path}?mode=ro", uri=True)) as db:
            while True:
                if self._waiting:
                    case_ids = sorted({case_id for case_id, _ in self._waiting})
                    marks = ",".join("?" * len(case_ids))
                    query = f"SELECT case_id, status FROM cases WHERE case_id IN ({marks})"
                    for key in db.execute(query, case_ids).fetchall():
                        future = self._waiting.pop(key, None)
                        if future is not None:
                            future.set_result(None)
                await asyncio.sleep(0.01)


class Http:
    """A keep-alive HTTP/1.1 client for the load side: JSON POSTs and GETs over a pool of
    connections, one request per connection at a time. A general client (httpx) spends about
    1.5 ms of CPU per request here, on the same two cores as the server it measures. A connection
    idle for longer than :data:`KEEP_IDLE` is closed instead of reused: uvicorn closes its end
    after five idle seconds."""

    KEEP_IDLE = 2.0

    def __init__(self, port: int) -> None:
        self._port = port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and body of one request."""
        async with asyncio.timeout(120):
            return await self._request(method, path, body, headers or {})

    async def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = await self._connection()
        lines = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"content-length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        answer = {name.strip().lower(): value.strip() for name, value in fields.items()}
        content = await reader.readexactly(int(answer.get("content-length", "0")))
        if answer.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((reader, writer, time.monotonic()))
        return status, answer, content

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since < self.KEEP_IDLE:
                return reader, writer
            writer.close()
        return await asyncio.open_connection("127.0.0.1", self._port)

    async def __aenter__(self) -> "Http":
        return self

    async def __aexit__(self, *_: object) -> None:
        for _reader, idle, _since in self._idle:
            idle.close()
            with contextlib.suppress(OSError):
                await idle.wait_closed()


@dataclass
class Load:
    """What the load side talks to."""

    http: Http
    temporal: Client
    token: str
    projection: Projection
    units: list[str]
    retries: int = 0

    async def post(self, event_type: str, data: dict[str, Any], expect: int) -> None:
        body = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "urn:bench:assessment-system",
            "type": f"grassroots.assessment.{event_type}",
            "time": datetime.now(UTC).isoformat(),
            "data": data,
        }
        headers = {
            "authorization": f"Bearer {self.token}",
            "content-type": "application/cloudevents+json",
        }
        payload = json.dumps(body).encode()
        status, answer, text = await self.http.request("POST", "/events", payload, headers)
        while status == 503:  # as a sender should: the same event, a bit later
            self.retries += 1
            await asyncio.sleep(float(answer.get("retry-after", "1")))
            status, answer, text = await self.http.request("POST", "/events", payload, headers)
        if status != expect:
            raise RuntimeError(f"{event_type} answered {status}: {text.decode(errors='replace')}")

    async def p1_case(self, tag: str, index: int) -> None:
        """One assessment of a sample unit, from the opening event to the closed case."""
        key = {
            "subject_id": self.units[index % len(self.units)],
            "occasion": "year_end_assessment",
            "period": f"2026-{tag}{index}",
        }
        case_id = f"dual_assessment/{key['subject_id']}/{key['occasion']}/{key['period']}"
        closes_at = datetime.now(UTC) + timedelta(days=60)
        asking = self.projection.expect(case_id, "awaiting_opinion")
        opened = {**key, "subject_type": "unit", "closes_at": closes_at.isoformat()}
        await self.post("opened", opened, 202)
        await asking
        opinion = {**key, "grade": GRADE, "comment": "积极参与社区共建", "actor": "bench"}
        await self.post("opinion_submitted", opinion, 200)
        await self.post("closed", key, 202)
        result = await self.temporal.get_workflow_handle(case_id).result()
        if result.get("status") != "closed":
            raise RuntimeError(f"{case_id} ended {result.get('status')}")


async def bare_case(client: Client, queue: str, tag: str, index: int) -> None:
    """The bare Temporal case: start, one signal, two no-op activities, complete."""
    case_id = f"bare-{tag}{index}"
    handle = await client.start_workflow(
        BenchCase.run, BenchCaseInput(case_id=case_id), id=case_id, task_queue=queue
    )
    await handle.signal(BenchCase.proceed, ProceedInput(event_id=f"{case_id}-event"))
    if (await handle.result()).steps != 2:
        raise RuntimeError(f"{case_id} did not run its two steps")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dev_server_pid() -> int:
    """The `temporal` dev server this process started (a child of ours)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().split(")")
            if fields[0].endswith("(temporal") and int(fields[-1].split()[1]) == os.getpid():
                return int(stat.parent.name)
    raise RuntimeError("the dev server's process was not found")


async def _timed(
    count: int, concurrency: int, pids: dict[str, int], one: Callable[[int], Awaitable[None]]
) -> Run:
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def timed(index: int) -> None:
        async with limit:
            started = time.perf_counter()
            await one(index)
            latencies.append(time.perf_counter() - started)

    cpu = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for index in range(count):
            group.create_task(timed(index))
    seconds = time.perf_counter() - started
    used = {name: (_cpu_seconds(pid) - cpu[name]) * 1000 / count for name, pid in pids.items()}
    return Run(count, seconds, latencies, used)


async def _prepare(workdir: Path) -> tuple[str, list[str]]:
    """Migrate the project database, load the sample registry and its demo credentials, as the
    run command does on a first start; the demo client's token and the sample units."""
    from cli.stack import prepare_database
    from settings import Settings

    settings = Settings(var_dir=workdir / "var", database_url=_database(workdir))
    await prepare_database(settings, load_sample=True)
    demo = json.loads((settings.var_dir / "demo-credentials.json").read_text())
    with contextlib.closing(sqlite3.connect(workdir / "grassroots.db")) as db:
        marks = ",".join("?" * len(UNIT_TYPES))
        query = f"SELECT id FROM organisations WHERE type IN ({marks}) ORDER BY id"
        units = [row[0] for row in db.execute(query, UNIT_TYPES)]
    return str(demo["client_token"]), units


def _database(workdir: Path) -> str:
    return f"sqlite+aiosqlite:///{workdir / 'grassroots.db'}"


def _free_port() -> int:
    for port in range(51300, 51400):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 51300-51399")


async def _healthy(http: Http, child: asyncio.subprocess.Process) -> None:
    for _ in range(1200):
        if child.returncode is not None:
            raise RuntimeError(f"the server process exited with {child.returncode}")
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            if (await http.request("GET", "/healthz"))[0] == 200:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("the API did not come up in 120 s")


async def measure(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Run], int]:
    """Start the stack, run warm-up, bare and P1 phases, stop everything in order."""
    token, units = await _prepare(workdir)
    env = await embedded_dev_server(workdir)
    child: asyncio.subprocess.Process | None = None
    try:
        port, bare_queue = _free_port(), f"bare-{uuid.uuid4()}"
        log = (workdir / "server.log").open("wb")
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve",
            f"--temporal={env.client.service_client.config.target_host}",
            f"--database={_database(workdir)}",
            f"--var={workdir / 'var'}",
            f"--port={port}",
            f"--task-queue=grassroots-{uuid.uuid4()}",
            f"--bare-queue={bare_queue}",
            stdout=log,
            stderr=log,
        )
        async with Http(port) as http:
            try:
                await _healthy(http, child)
            except RuntimeError:
                sys.stderr.write((workdir / "server.log").read_text(errors="replace")[-4000:])
                raise
            projection = Projection(workdir / "grassroots.db")
            poller = asyncio.create_task(projection.poll())
            load = Load(http, env.client, token, projection, units)
            one_bare = functools.partial(bare_case, env.client, bare_queue)
            tag, n, c = uuid.uuid4().hex[:6], args.cases, args.concurrency
            pids = {"worker+API": child.pid, "Temporal": _dev_server_pid(), "load": os.getpid()}
            runs: dict[str, Run] = {}
            try:
                await _timed(WARM_UP, c, pids, functools.partial(one_bare, f"w{tag}"))
                await _timed(WARM_UP, c, pids, lambda i: load.p1_case(f"w{tag}", i))
                for round_ in range(1, args.rounds + 1):
                    tag = f"r{round_}{uuid.uuid4().hex[:6]}"
                    _say(f"round {round_}: {n} bare cases ...")
                    bare = await _timed(n, c, pids, functools.partial(one_bare, tag))
                    _say(f"round {round_}: {n} P1 cases ...")
                    p1 = await _timed(n, c, pids, functools.partial(load.p1_case, tag))
                    runs = _merge(runs, {"bare": bare, "p1": p1})
            finally:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
    finally:
        if child is not None and child.returncode is None:
            child.send_signal(signal.SIGTERM)
            await child.wait()
        await env.shutdown()
    return runs, load.retries


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _merge(runs: dict[str, Run], new: dict[str, Run]) -> dict[str, Run]:
    """Rounds add up: their cases, their seconds, their latencies, their CPU."""
    merged = {}
    for name, run in new.items():
        old = runs.get(name)
        if old is None:
            merged[name] = run
            continue
        count = old.count + run.count
        cpu = {
            name: (old.cpu_ms[name] * old.count + ms * run.count) / count
            for name, ms in run.cpu_ms.items()
        }
        merged[name] = Run(count, old.seconds + run.seconds, old.latencies + run.latencies, cpu)
    return merged


def report(runs: dict[str, Run], retries: int, args: argparse.Namespace, version: str) -> str:
    """The figures as the bench README records them."""
    p1, bare = runs["p1"], runs["bare"]
    cpu_ratio = sum(p1.cpu_ms.values()) / sum(bare.cpu_ms.values())

    def line(name: str, run: Run) -> str:
        return (
            f"{name:<34} {run.rate:6.1f} cases/s  p50 {run.percentile(50):5.0f} ms, "
            f"p90 {run.percentile(90):5.0f} ms, p99 {run.percentile(99):5.0f} ms; CPU per case: "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in run.cpu_ms.items())
        )

    return "\n".join(
        [
            f"{version}; {os.cpu_count()} CPUs; SQLite files; worker and API in one process",
            f"{args.cases} cases per phase x {args.rounds} rounds, {args.concurrency} in flight",
            "",
            line("P1 through POST /events", p1),
            line("bare Temporal case", bare),
            f"{'ratio P1 / bare':<34} {p1.rate / bare.rate:6.2f}   (target >= 0.6)",
            f"{'CPU per case, P1 / bare':<34} {cpu_ratio:6.2f}   (all three processes; "
            "steadier than the rates on a shared machine)",
            f"load average {os.getloadavg()[0]:.1f} at the end; {retries} POSTs retried after 503",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the flags, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200, help="cases per phase and round")
    parser.add_argument("--concurrency", type=int, default=20, help="cases in flight")
    parser.add_argument(
        "--rounds", type=int, default=2, help="bare and P1 phases alternate this many times"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    for name in ("temporal", "database", "var", "task-queue", "bare-queue"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args))
        return

    version = temporal_version()
    runs, retries = in_workdir(measure, args)
    print(report(runs, retries, args, version))


if __name__ == "__main__":
    main()
