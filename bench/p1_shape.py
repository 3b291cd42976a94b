"""How much of a P1 case's cost is its use of Temporal: the bare Temporal case against a case of
P1's Temporal shape (bench/p1_shape_case.py: the same history, no-op local activities, no HTTP,
case store or rules), measured in the same run on the same dev server and worker process.

With ``--without`` the shape case leaves out the search-attribute upserts, the reminder timer or
the two lookups before the first projection (registry facts, due time and schedule), one at a
time, to show what each costs.

    .venv/bin/python bench/p1_shape.py [--cases 200] [--rounds 2] [--without upserts]"""

import argparse
import asyncio
import functools
import os
import signal
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]  # the project's packages, when run as a script

from bare_case import BenchCase  # noqa: E402
from bare_payloads import (  # noqa: E402
    Blob,
    ShapeInput,
    bench_step,
    shape_step,
)
from events_api import embedded_dev_server, in_workdir, temporal_version  # noqa: E402
from p1_cases import WARM_UP, Run, _dev_server_pid, _merge, _say, _timed, bare_case  # noqa: E402
from p1_shape_case import P1ShapeCase  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.common import SearchAttributePair, TypedSearchAttributes  # noqa: E402

LEAVE_OUT = ("upserts", "reminder", "lookups")


async def serve(temporal: str, bare_queue: str, shape_queue: str) -> None:
    """Child process: one worker per case type, with the product's workflow runner."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Worker

    from worker import workflow_runner

    client = await Client.connect(temporal, data_converter=pydantic_data_converter)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    def worker(queue: str, case: type, step: Callable[..., Any]) -> Worker:
        return Worker(
            client,
            task_queue=queue,
            workflows=[case],
            activities=[step],
            workflow_runner=workflow_runner(),
        )

    async with (
        worker(bare_queue, BenchCase, bench_step),
        worker(shape_queue, P1ShapeCase, shape_step),
    ):
        print("ready", flush=True)
        await stop.wait()


class Opened:
    """Tells waiters when their case has projected itself waiting for the opinion: the worker
    process prints the case's id (bare_payloads.shape_step)."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[None]] = {}

    def expect(self, case_id: str) -> asyncio.Future[None]:
        future = self._waiting[case_id] = asyncio.get_running_loop().create_future()
        return future

    async def follow(self, lines: asyncio.StreamReader) -> None:
        async for line in lines:
            future = self._waiting.pop(line.decode().strip(), None)
            if future is not None:
                future.set_result(None)


async def shape_case(
    client: Client, queue: str, opened: Opened, without: str | None, tag: str, index: int
) -> None:
    """A P1-shaped case, driven as the API drives a P1 case: signal-with-start, the opinion as an
    update once the case shows it is waiting for it, the closing signal."""
    from workflows.search_attributes import PROCESS, RULE_VERSION

    case_id = f"shape-{tag}{index}"
    waiting = opened.expect(case_id)
    leave_out = {name: False for name in LEAVE_OUT if name == without}
    handle = await client.start_workflow(
        P1ShapeCase.run,
        ShapeInput(case_id=case_id, event="e" * 400, **leave_out),
        id=case_id,
        task_queue=queue,
        start_signal="event",
        start_signal_args=[Blob(text="e" * 340)],
        static_summary="双向考核：单位 org0（年终考核 2026）",
        static_details="由事件 grassroots.assessment.opened（来源 urn:bench）立案",
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(PROCESS, "dual_assessment"),
                SearchAttributePair(RULE_VERSION, "v"),
            ]
        ),
    )
    await waiting
    await handle.execute_update(P1ShapeCase.submit_opinion, Blob(text="o" * 340))
    await handle.signal(P1ShapeCase.assessment_closed, Blob(text="c" * 300))
    await handle.result()


async def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Run]:
    """Start the dev server and the worker process, run warm-up and the alternating phases."""
    env = await embedded_dev_server(workdir)
    bare_queue, shape_queue = f"bare-{uuid.uuid4()}", f"shape-{uuid.uuid4()}"
    target = env.client.service_client.config.target_host
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        target,
        bare_queue,
        shape_queue,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        if (await asyncio.wait_for(child.stdout.readline(), 60)).strip() != b"ready":
            raise RuntimeError("the worker process did not start")
        opened = Opened()
        follower = asyncio.create_task(opened.follow(child.stdout))
        client, c, n = env.client, args.concurrency, args.cases
        pids = {"worker": child.pid, "Temporal": _dev_server_pid(), "load": os.getpid()}
        bare = functools.partial(bare_case, client, bare_queue)
        shape = functools.partial(shape_case, client, shape_queue, opened, args.without)
        await _timed(WARM_UP, c, pids, functools.partial(bare, "w"))
        await _timed(WARM_UP, c, pids, functools.partial(shape, "w"))
        runs: dict[str, Run] = {}
        for round_ in range(1, args.rounds + 1):
            tag = f"r{round_}{uuid.uuid4().hex[:6]}"
            _say(f"round {round_}: {n} bare cases ...")
            bare_run = await _timed(n, c, pids, functools.partial(bare, tag))
            _say(f"round {round_}: {n} P1-shaped cases ...")
            shape_run = await _timed(n, c, pids, functools.partial(shape, tag))
            runs = _merge(runs, {"bare": bare_run, "shape": shape_run})
        follower.cancel()
        return runs
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
            await child.wait()
        await env.shutdown()


def report(runs: dict[str, Run], args: argparse.Namespace, version: str) -> str:
    """The figures as the bench README records them."""
    shape, bare = runs["shape"], runs["bare"]

    def line(name: str, run: Run) -> str:
        return f"{name:<34} {run.rate:6.1f} cases/s; CPU per case: " + ", ".join(
            f"{name} {ms:.1f} ms" for name, ms in run.cpu_ms.items()
        )

    left_out = f", without {args.without}" if args.without else ""
    return "\n".join(
        [
            f"{version}; {os.cpu_count()} CPUs; SQLite files",
            f"{args.cases} cases per phase x {args.rounds} rounds, {args.concurrency} in flight",
            "",
            line(f"P1-shaped case{left_out}", shape),
            line("bare Temporal case", bare),
            f"{'ratio P1 shape / bare':<34} {shape.rate / bare.rate:6.2f}",
            f"{'CPU per case, P1 shape / bare':<34} "
            f"{sum(shape.cpu_ms.values()) / sum(bare.cpu_ms.values()):6.2f}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the flags, measure, print the figures."""
    if sys.argv[1:2] == ["--serve"] and argv is None:
        asyncio.run(serve(*sys.argv[2:5]))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200, help="cases per phase and round")
    parser.add_argument("--concurrency", type=int, default=20, help="cases in flight")
    parser.add_argument("--rounds", type=int, default=2, help="phases alternate this many times")
    parser.add_argument("--without", choices=LEAVE_OUT, help="leave one use of Temporal out")
    args = parser.parse_args(argv)

    version = temporal_version()
    print(report(in_workdir(measure, args), args, version))


if __name__ == "__main__":
    main()
