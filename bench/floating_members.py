"""N open floating-member cases on the embedded stack: the worker's memory, the time to start
them, and the time for one month's contact timers to fire and be handled — next to the same
number of bare workflows sleeping on one timer each, measured in the same run.

    .venv/bin/python bench/floating_members.py [--cases 5000] [--month 90] [--cache N]

Each phase runs in a child process of its own (so its resident memory is its own) against a
fresh Temporal dev server (the real ``temporal server start-dev``, not the time-skipping test
server) on a SQLite file with the embedded stack's pragmas. The worker is composed as
``worker.build_worker`` composes it — every workflow of the product, the calendar, notification
and rules activities, ``max_cached_workflows`` from GRASSROOTS_MAX_CACHED_WORKFLOWS (``--cache``
overrides it) and ``max_concurrent_activities`` from the settings — except that the registry and
the case store are in memory (below), so the figures are Temporal's and the workflow's, not a
database's.

* P3: cases of the demo rule set, whose month is ``--month`` minutes (the real rules' month is a
  calendar month; only the length changes). Every registration is backdated so that all
  household contacts' reminders (80% of the month) fall due at the same instant T, after the
  last case has started; "handled" means the reminder reached the case store (``project_case``),
  which is where a person's inbox and the outbox see it.
* bare: workflows that run one no-op activity, sleep until T, and run one more.

T is set from a pilot: ``--pilot`` extra workflows of the phase are started first (they stay
open, registered at the time they start, and their own timers fall after the run), the start
rate is measured, and T leaves every measured start 60% more time than that rate needs.
Memory is sampled from /proc/self/status (VmRSS) while cases start and while timers fire, and
marked at every fifth of N started; CPU seconds of the worker process and of the Temporal server
process are read from /proc, which does not depend on how busy the machine is.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

# The bench runs as a script: the project's packages are found from the repository root. The
# workflow sandbox re-imports this module for the bare workflow, so the imports pass through.
if not workflow.unsafe.in_sandbox():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
with workflow.unsafe.imports_passed_through():
    from models.case import ProjectCaseInput, ProjectCaseResult
    from models.events import CASE_ENGINE, CaseStartInput, InboundEvent
    from models.floating_member import (
        CandidatesInput,
        CandidatesResult,
        Home,
        HouseholdCandidate,
        LocateInput,
        MemberFactsResult,
        MemberStatusInput,
        MemberStatusResult,
        Places,
        RecordPlacementInput,
        RecordPlacementResult,
        RegisterMemberInput,
        StoredTimelineInput,
        StoredTimelineResult,
    )
    from rules.engine.facts import MemberFacts, MentorFacts
    from rules.engine.registry import RuleRegistry
    from rules.engine.versions import FileRuleVersionStore
    from runtime.devserver import DYNAMIC_CONFIG, installed_binary
    from settings import DEFAULT_SQLITE_PRAGMAS, Settings
    from worker import WORKFLOWS, build_activities
    from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

GRIDS, BUILDINGS = 40, 400
SAFETY = 1.6
"""How much longer than the pilot's rate needs the measured starts are given before T."""


def rss_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid() -> int:
    """The Temporal dev server this process started (its only ``temporal`` child)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(") ", 1)
        except OSError:
            continue
        if rest.split()[1] == me and name.endswith("(temporal"):
            return int(stat.parent.name)
    raise RuntimeError("no temporal server among this process's children")


@dataclass
class Cpu:
    """CPU seconds of the worker process and of the server, between named moments."""

    server: int
    at: dict[str, tuple[float, float]] = field(default_factory=dict)

    def mark(self, name: str) -> None:
        self.at[name] = (cpu_seconds(os.getpid()), cpu_seconds(self.server))

    def between(self, first: str, last: str) -> tuple[float, float]:
        (w0, s0), (w1, s1) = self.at[first], self.at[last]
        return w1 - w0, s1 - s0


@dataclass
class Sampler:
    """Resident memory over time, and at named moments."""

    samples: list[float] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.samples.append(rss_mb())
            await asyncio.sleep(0.5)

    def mark(self, name: str) -> None:
        self.marks[name] = rss_mb()


# --- P3: an in-memory registry and a counting case store --------------------------------------


class MemoryRegistry:
    """Every member lives in one of 400 buildings (40 grids), each with a roomy household."""

    def __init__(self) -> None:
        self.placed: dict[str, int] = {}

    @staticmethod
    def _home(member_id: str) -> Home:
        n = int(member_id.rsplit("-", 1)[1])
        building = n % BUILDINGS
        return Home(
            community_id="bench",
            grid_id=f"g{building % GRIDS}",
            building_id=f"b{building}",
            unit="1单元",
            located="building",
            places=Places(community="测试社区", grid_branch=f"第{building % GRIDS}网格党支部"),
        )

    @activity.defn(name="register_floating_member")
    async def register(self, request: RegisterMemberInput) -> MemberFactsResult:
        home = self._home(request.member_id)
        facts = MemberFacts(
            id=request.member_id,
            credential="activity_card",
            occupation="教师",
            community_id=home.community_id,
            grid_id=home.grid_id,
            building_id=home.building_id,
            unit=home.unit,
            age=35,
        )
        return MemberFactsResult(known=True, facts=facts, label="测*", home=home)

    @activity.defn(name="locate_address")
    async def locate(self, request: LocateInput) -> Home:
        return Home()

    @activity.defn(name="placement_candidates")
    async def candidates(self, request: CandidatesInput) -> CandidatesResult:
        home = request.home
        household = HouseholdCandidate(
            id=f"hh-{home.building_id}",
            grid_id=home.grid_id,
            building_id=home.building_id,
            unit="1单元",
            capacity=1000,
            assigned=self.placed.get(home.building_id, 0),
        )
        mentor = MentorFacts(
            id=f"r-{home.building_id}",
            grid_id=home.grid_id,
            building_id=home.building_id,
            party_years=10,
            age=50,
        )
        return CandidatesResult(households=[household], mentors=[mentor])

    @activity.defn(name="record_placement")
    async def record(self, request: RecordPlacementInput) -> RecordPlacementResult:
        building = (request.household_id or "hh-").removeprefix("hh-")
        self.placed[building] = self.placed.get(building, 0) + 1
        return RecordPlacementResult(recorded=True, label=f"党员中心户 {request.household_id}")

    @activity.defn(name="set_member_status")
    async def set_status(self, request: MemberStatusInput) -> MemberStatusResult:
        return MemberStatusResult(updated=True)

    @activity.defn(name="stored_timeline")
    async def stored(self, request: StoredTimelineInput) -> StoredTimelineResult:
        return StoredTimelineResult(entries=0)


class Marks:
    """When each workflow reached each point, and a way to wait for one."""

    def __init__(self) -> None:
        self.at: dict[str, dict[str, float]] = {}
        self._waiting: dict[str, asyncio.Event] = {}

    def mark(self, point: str, key: str) -> None:
        if point == "fired" and "pilot-" in key:
            return  # a pilot's timer (after the run, if at all) is not one of the month's
        seen = self.at.setdefault(point, {})
        if key not in seen:
            seen[key] = time.time()
            waiter = self._waiting.pop(f"{point}/{key}", None)
            if waiter is not None:
                waiter.set()

    async def reached(self, point: str, key: str) -> None:
        if key not in self.at.get(point, {}):
            await self._waiting.setdefault(f"{point}/{key}", asyncio.Event()).wait()

    def count(self, point: str) -> int:
        return len(self.at.get(point, {}))

    def times(self, point: str) -> list[float]:
        return list(self.at.get(point, {}).values())


MARKS = Marks()


class CountingStore:
    """Marks when each case became active (contacts scheduled) and when its reminder landed."""

    @activity.defn(name="project_case")
    async def project_case(self, step: ProjectCaseInput) -> ProjectCaseResult:
        snapshot = step.snapshot
        if snapshot.status == "active" and snapshot.due_at is not None:
            MARKS.mark("started", snapshot.case_id)
        for note in step.notifications:
            if note.kind == "reminder" and note.task_id.startswith("contact-household"):
                MARKS.mark("fired", snapshot.case_id)
        return ProjectCaseResult(timeline_written=len(step.timeline))


# --- bare: one timer each -----------------------------------------------------------------------


@activity.defn
async def bare_mark(what: str) -> str:
    """The no-op step of a bare workflow; the bench notes when it ran."""
    point, workflow_id = what.split("/", 1)
    MARKS.mark(point, workflow_id)
    return what


@workflow.defn(name="bench_bare_sleeper")
class BareSleeper:
    """One activity, one timer until the shared instant, one more activity."""

    @workflow.run
    async def run(self, until: datetime) -> None:
        wid = workflow.info().workflow_id
        options: dict[str, Any] = {
            "start_to_close_timeout": timedelta(seconds=30),
            "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1)),
        }
        await workflow.execute_activity(bare_mark, f"started/{wid}", **options)
        await workflow.sleep((until - workflow.now()).total_seconds())
        await workflow.execute_activity(bare_mark, f"fired/{wid}", **options)


# --- One phase in its own process ---------------------------------------------------------------


StartOne = Callable[[str, bool], Awaitable[None]]
"""Start the workflow with this id (a pilot one if True) and wait until its first steps ran."""


async def _start_all(
    ids: Sequence[str], concurrency: int, start_one: StartOne, sampler: Sampler
) -> float:
    """Start the workflows, ``concurrency`` at a time, each counted once its first steps ran (so
    no more are in flight than that); the seconds it took. Memory is marked at every fifth."""
    limit = asyncio.Semaphore(concurrency)
    began = time.perf_counter()
    count = len(ids)
    fifths = {count * k // 5: f"{count * k // 5} started" for k in range(1, 6)}
    done = 0

    async def one(workflow_id: str) -> None:
        nonlocal done
        async with limit:
            await start_one(workflow_id, False)
        done += 1
        if done in fifths:
            sampler.mark(fifths[done])
            print(f"  {fifths[done]}", file=sys.stderr, flush=True)

    async with asyncio.TaskGroup() as group:
        for workflow_id in ids:
            group.create_task(one(workflow_id))
    return time.perf_counter() - began


async def _pilot(args: argparse.Namespace, prefix: str, start_one: StartOne) -> float:
    """Start the pilot workflows (warming the worker up) and return their rate per second."""
    if args.pilot <= 0:
        return float(args.rate)
    limit = asyncio.Semaphore(args.concurrency)
    began = time.perf_counter()

    async def one(index: int) -> None:
        async with limit:
            await start_one(f"{prefix}pilot-{index}", True)

    async with asyncio.TaskGroup() as group:
        for index in range(args.pilot):
            group.create_task(one(index))
    rate = args.pilot / (time.perf_counter() - began)
    print(f"  pilot: {rate:.1f} starts/s", file=sys.stderr, flush=True)
    return float(rate)


def _fire_at(args: argparse.Namespace, rate: float, room: float) -> datetime:
    """T: enough time for N starts at the pilot's rate, with a margin; at most ``room`` s on."""
    lead = args.cases / rate * SAFETY + 30
    if lead > room:
        raise SystemExit(f"{args.cases} starts need about {lead / 60:.0f} min: raise --month")
    return datetime.fromtimestamp(time.time() + lead).astimezone()


async def _until(count: Callable[[], int], goal: int, within: float) -> None:
    """Wait until ``count()`` reaches ``goal``."""
    deadline = time.monotonic() + within
    while count() < goal:
        if time.monotonic() > deadline:
            raise TimeoutError("the phase did not finish in time")
        await asyncio.sleep(0.2)


def _spread(times: Sequence[float], since: float) -> dict[str, float]:
    late = sorted(t - since for t in times)
    return {
        "p50": late[len(late) // 2],
        "p95": late[int(len(late) * 0.95) - 1],
        "last": late[-1],
    }


async def _environment(workdir: Path) -> WorkflowEnvironment:
    args = [
        *(arg for pragma in DEFAULT_SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)),
        *(arg for value in DYNAMIC_CONFIG for arg in ("--dynamic-config-value", value)),
    ]
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=installed_binary("temporal"),
        dev_server_database_filename=str(workdir / "temporal.db"),
        dev_server_extra_args=args,
        dev_server_log_level="error",
        search_attributes=ALL_SEARCH_ATTRIBUTES,
    )


def _worker(
    client: Client, args: argparse.Namespace, activities: Sequence[Callable[..., Any]]
) -> Worker:
    """The product's worker (``worker.build_worker``) on a task queue of its own."""
    settings = Settings()
    return Worker(
        client,
        task_queue=f"bench-{uuid.uuid4()}",
        workflows=[*WORKFLOWS, BareSleeper],
        activities=list(activities),
        max_cached_workflows=args.cache,
        max_concurrent_activities=settings.max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


async def _rules(workdir: Path, month: int) -> RuleRegistry:
    """The demo rule set with its 30-minute month (contacts, Party life) set to ``month``."""
    folder = workdir / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules" / "demo", folder)
    path = folder / "floating_member.yaml"
    text = path.read_text(encoding="utf-8")
    if text.count("every: 30m") != 3 or text.count("every: 90m") != 3:
        raise SystemExit("rules/demo/floating_member.yaml changed: update the bench")
    # One pass, so a month of 90 minutes is not then taken for a quarter.
    lengths = {"30m": f"{month}m", "90m": f"{3 * month}m"}
    text = re.sub(r"every: (30m|90m)", lambda m: f"every: {lengths[m.group(1)]}", text)
    path.write_text(text, encoding="utf-8")
    registry = RuleRegistry(folder, FileRuleVersionStore(workdir / "versions"))
    await registry.refresh()
    return registry


async def _measure(
    args: argparse.Namespace,
    env: WorkflowEnvironment,
    worker: Worker,
    prefix: str,
    start_one: StartOne,
    fire_at: Callable[[float], datetime],
) -> dict[str, Any]:
    """Pilot, then N starts, then T and its timers; the phase's figures."""
    sampler, stop, cpu = Sampler(), asyncio.Event(), Cpu(server_pid())
    sampler.mark("before worker")
    async with worker:
        sampling = asyncio.create_task(sampler.run(stop))
        rate = await _pilot(args, prefix, start_one)
        due = fire_at(rate)
        sampler.mark("after the pilot")
        cpu.mark("start")
        ids = [f"{prefix}{index}" for index in range(args.cases)]
        started = await _start_all(ids, args.concurrency, start_one, sampler)
        cpu.mark("started")
        if time.time() > due.timestamp():
            raise SystemExit("the starts took longer than the pilot predicted: raise --pilot")
        idle = due.timestamp() - time.time()
        await _until(lambda: MARKS.count("fired"), args.cases, idle + 3600)
        cpu.mark("handled")
        sampler.mark("month handled")
        stop.set()
        await sampling
    starting, firing = cpu.between("start", "started"), cpu.between("started", "handled")
    return {
        "cases": args.cases,
        "pilot": args.pilot,
        "pilot_rate": rate,
        "started": started,
        "idle": idle,
        "fired": _spread(MARKS.times("fired"), due.timestamp()),
        "rss": sampler.marks,
        "rss_peak": max(sampler.samples),
        "cpu_ms_start": [1000 * x / args.cases for x in starting],
        "cpu_ms_fire": [1000 * x / args.cases for x in firing],
    }


async def phase_p3(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rules = await _rules(workdir, args.month)
    month = timedelta(minutes=args.month)
    reminder = month * 0.8
    store, registry = CountingStore(), MemoryRegistry()
    env = await _environment(workdir)
    product = build_activities(rules=rules)
    worker = _worker(
        env.client,
        args,
        [
            *product,
            registry.register,
            registry.locate,
            registry.candidates,
            registry.record,
            registry.set_status,
            registry.stored,
            store.project_case,
        ],
    )
    version = rules.active.version
    began = time.time()
    target: list[datetime] = []

    def fire_at(rate: float) -> datetime:
        # The pilot's own reminders come 80% of a month after their start: T must come first.
        target.append(_fire_at(args, rate, reminder.total_seconds() - (time.time() - began) - 60))
        return target[0]

    async def start_one(member_id: str, pilot: bool) -> None:
        data = {"member_id": member_id, "name": "测试", "home_org": "某村党支部"}
        data |= {"credential": "流动党员活动证", "address": "", "occupation": "教师"}
        event = InboundEvent(
            id=str(uuid.uuid4()),
            source="bench",
            type="grassroots.member.registered",
            time=datetime.now().astimezone() if pilot else target[0] - reminder,
            data=data,
        )
        await env.client.start_workflow(
            "floating_member",
            CaseStartInput(event=event, rule_version=version, engine=CASE_ENGINE),
            id=f"floating_member/{member_id}",
            task_queue=worker.task_queue,
        )
        await MARKS.reached("started", f"floating_member/{member_id}")

    try:
        return await _measure(args, env, worker, "bench-", start_one, fire_at)
    finally:
        await env.shutdown()


async def phase_bare(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = await _environment(workdir)
    worker = _worker(env.client, args, [bare_mark])
    far = datetime.now().astimezone() + timedelta(days=1)
    target: list[datetime] = []

    def fire_at(rate: float) -> datetime:
        target.append(_fire_at(args, rate, 3600))
        return target[0]

    async def start_one(workflow_id: str, pilot: bool) -> None:
        until = far if pilot else target[0]
        await env.client.start_workflow(
            BareSleeper.run, until, id=workflow_id, task_queue=worker.task_queue
        )
        await MARKS.reached("started", workflow_id)

    try:
        return await _measure(args, env, worker, "bare-", start_one, fire_at)
    finally:
        await env.shutdown()


def _child(args: argparse.Namespace) -> None:
    phase = {"p3": phase_p3, "bare": phase_bare}[args.phase]
    with tempfile.TemporaryDirectory(prefix="grassroots-bench-") as workdir:
        result = asyncio.run(phase(args, Path(workdir)))
    print("RESULT " + json.dumps(result), flush=True)


def _run_phase(name: str, argv: Sequence[str]) -> dict[str, Any]:
    print(f"measuring {name} ...", file=sys.stderr, flush=True)
    child = subprocess.run(
        [sys.executable, __file__, "--phase", name, *argv],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    line = next(x for x in child.stdout.splitlines() if x.startswith("RESULT "))
    return dict(json.loads(line.removeprefix("RESULT ")))


def _table(p3: dict[str, Any], bare: dict[str, Any]) -> str:
    lines = [f"{'':<38} {'P3 cases':>12} {'bare timers':>12}", "-" * 64]

    def row(label: str, a: float, b: float, fmt: str = "{:.1f}") -> None:
        lines.append(f"{label:<38} {fmt.format(a):>12} {fmt.format(b):>12}")

    row("pilot starts per second", p3["pilot_rate"], bare["pilot_rate"])
    row("all N started (s)", p3["started"], bare["started"])
    row("  = starts per second", p3["cases"] / p3["started"], bare["cases"] / bare["started"])
    row("  worker CPU per start (ms)", p3["cpu_ms_start"][0], bare["cpu_ms_start"][0])
    row("  server CPU per start (ms)", p3["cpu_ms_start"][1], bare["cpu_ms_start"][1])
    row("idle until T (s)", p3["idle"], bare["idle"])
    for part in ("p50", "p95", "last"):
        row(f"month's timers handled, {part} (s)", p3["fired"][part], bare["fired"][part])
    row("  worker CPU per timer (ms)", p3["cpu_ms_fire"][0], bare["cpu_ms_fire"][0])
    row("  server CPU per timer (ms)", p3["cpu_ms_fire"][1], bare["cpu_ms_fire"][1])
    for mark in p3["rss"]:
        row(f"worker RSS, {mark} (MB)", p3["rss"][mark], bare["rss"].get(mark, 0), "{:.0f}")
    row("worker RSS, peak (MB)", p3["rss_peak"], bare["rss_peak"], "{:.0f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="open cases (and bare timers)")
    parser.add_argument(
        "--cache",
        type=int,
        default=Settings().max_cached_workflows,
        help="max_cached_workflows (default: GRASSROOTS_MAX_CACHED_WORKFLOWS or its default)",
    )
    parser.add_argument("--concurrency", type=int, default=50, help="starts in flight")
    parser.add_argument("--month", type=int, default=90, help="minutes in a contact month")
    parser.add_argument("--pilot", type=int, default=200, help="pilot starts before N")
    parser.add_argument("--rate", type=float, default=5.0, help="starts/s assumed with no pilot")
    parser.add_argument("--phase", choices=("p3", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        _child(args)
        return
    began = time.perf_counter()
    forwarded = [f"--{k}={v}" for k, v in vars(args).items() if k != "phase"]
    p3 = _run_phase("p3", forwarded)
    bare = _run_phase("bare", forwarded)
    temporal = subprocess.run(
        [installed_binary("temporal"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(
        f"{temporal}; {os.cpu_count()} CPUs; {args.cases} cases (+{args.pilot} pilot); "
        f"max_cached_workflows={args.cache}; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"a month = {args.month} min (demo rules); the run took "
        f"{(time.perf_counter() - began) / 60:.1f} min\n"
    )
    print(_table(p3, bare))


if __name__ == "__main__":
    main()
