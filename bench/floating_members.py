"""N open floating-member cases on the embedded stack: the worker's memory, the time to start
them, and the time for one month's contact timers to fire and be handled — next to the same
number of bare workflows sleeping on one timer each, measured in the same run.

    .venv/bin/python bench/floating_members.py [--cases 5000] [--cache 500] [--month 30]

Each phase runs in a child process of its own (so its resident memory is its own) against a
fresh dev server on a SQLite file with the embedded stack's pragmas:

* P3: cases of the demo rule set (a "month" is ``--month`` minutes) with the in-memory registry
  below, so the figures are Temporal's and the workflow's, not a database's. Every registration
  is backdated so that all household contacts' reminders (80% of the month) fall due at the same
  instant T, after the last case has started; "handled" means the reminder reached the case store
  (``project_case``), which is where a person's inbox and the outbox see it.
* bare: workflows that run one no-op activity, sleep until T, and run one more.

The worker caches at most ``--cache`` workflows (``max_cached_workflows``, the sticky cache);
memory is sampled from /proc/self/status (VmRSS) while cases start and while timers fire.
"""

import argparse
import asyncio
import json
import os
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
    from activities.calendar import CalendarActivities, ChinaCalendar
    from activities.rules import RulesActivities
    from models.case import ProjectCaseInput, ProjectCaseResult
    from models.events import CaseStartInput, InboundEvent
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
    from runtime.devserver import installed_binary
    from settings import DEFAULT_SQLITE_PRAGMAS
    from workflows.floating_member import FloatingMemberWorkflow
    from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES

GRIDS, BUILDINGS = 40, 400
BARE_LEAD = 0.15
"""Seconds of lead per bare workflow before their shared timer (they start at ~10 a second)."""


def rss_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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


async def _start_all(
    count: int,
    concurrency: int,
    start_one: Callable[[int], Awaitable[None]],
    sampler: Sampler,
) -> float:
    """Start ``count`` workflows, ``concurrency`` at a time, each counted once its first steps
    ran (so no more are in flight than the worker's cache holds); the seconds it took. Memory is
    marked at each quarter."""
    limit = asyncio.Semaphore(concurrency)
    began = time.perf_counter()
    quarters = {count * k // 4: f"{25 * k}% started" for k in (1, 2, 3)}
    done = 0

    async def one(index: int) -> None:
        nonlocal done
        async with limit:
            await start_one(index)
        done += 1
        if done in quarters:
            sampler.mark(quarters[done])
            print(f"  {quarters[done]}", file=sys.stderr, flush=True)

    async with asyncio.TaskGroup() as group:
        for index in range(count):
            group.create_task(one(index))
    return time.perf_counter() - began


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
    args = [arg for pragma in DEFAULT_SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)]
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=installed_binary("temporal"),
        dev_server_database_filename=str(workdir / "temporal.db"),
        dev_server_extra_args=args,
        dev_server_log_level="error",
        search_attributes=ALL_SEARCH_ATTRIBUTES,
    )


def _worker(client: Client, args: argparse.Namespace, **kwargs: Any) -> Worker:
    return Worker(
        client,
        task_queue=f"bench-{uuid.uuid4()}",
        max_cached_workflows=args.cache,
        max_concurrent_workflow_tasks=args.concurrency,
        max_concurrent_activities=args.concurrency,
        graceful_shutdown_timeout=timedelta(seconds=5),
        **kwargs,
    )


async def _rules(workdir: Path, month: int) -> RuleRegistry:
    """The demo rule set with its 30-minute month (contacts, Party life) set to ``month``."""
    folder = workdir / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules" / "demo", folder)
    path = folder / "floating_member.yaml"
    text = path.read_text(encoding="utf-8")
    if text.count("every: 30m") != 3 or text.count("every: 90m") != 3:
        raise SystemExit("rules/demo/floating_member.yaml changed: update the bench")
    text = text.replace("every: 30m", f"every: {month}m").replace(
        "every: 90m", f"every: {3 * month}m"
    )
    path.write_text(text, encoding="utf-8")
    registry = RuleRegistry(folder, FileRuleVersionStore(workdir / "versions"))
    await registry.refresh()
    return registry


async def phase_p3(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rules = await _rules(workdir, args.month)
    reminder = timedelta(minutes=args.month) * 0.8
    sampler, stop = Sampler(), asyncio.Event()
    sampler.mark("before worker")
    env = await _environment(workdir)
    store, registry = CountingStore(), MemoryRegistry()
    calendar, rule_files = CalendarActivities(ChinaCalendar()), RulesActivities(rules)
    worker = _worker(
        env.client,
        args,
        workflows=[FloatingMemberWorkflow],
        activities=[
            calendar.resolve_schedule,
            calendar.shift,
            rule_files.fetch_rules,
            rule_files.dry_run_rules,
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
    fire_at = datetime.fromtimestamp(time.time() + args.lead * 60).astimezone()
    registered_at = fire_at - reminder

    async def start_one(index: int) -> None:
        member_id = f"bench-{index}"
        data = {"member_id": member_id, "name": "测试", "home_org": "某村党支部"}
        data |= {"credential": "流动党员活动证", "address": "", "occupation": "教师"}
        event = InboundEvent(
            id=str(uuid.uuid4()),
            source="bench",
            type="grassroots.member.registered",
            time=registered_at,
            data=data,
        )
        await env.client.start_workflow(
            "floating_member",
            CaseStartInput(event=event, rule_version=version),
            id=f"floating_member/{member_id}",
            task_queue=worker.task_queue,
        )
        await MARKS.reached("started", f"floating_member/{member_id}")

    try:
        async with worker:
            sampling = asyncio.create_task(sampler.run(stop))
            started = await _start_all(args.cases, args.concurrency, start_one, sampler)
            sampler.mark("all started")
            if time.time() > fire_at.timestamp():
                raise SystemExit("cases took longer to start than --lead: raise it")
            await _until(lambda: MARKS.count("fired"), args.cases, args.lead * 60 + 3600)
            sampler.mark("month handled")
            stop.set()
            await sampling
    finally:
        await env.shutdown()
    return {
        "cases": args.cases,
        "started": started,
        "fired": _spread(MARKS.times("fired"), fire_at.timestamp()),
        "rss": sampler.marks,
        "rss_peak": max(sampler.samples),
    }


async def phase_bare(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    sampler, stop = Sampler(), asyncio.Event()
    sampler.mark("before worker")
    env = await _environment(workdir)
    worker = _worker(env.client, args, workflows=[BareSleeper], activities=[bare_mark])
    lead = min(args.lead * 60, args.cases * BARE_LEAD + 60)
    fire_at = datetime.fromtimestamp(time.time() + lead).astimezone()

    async def start_one(index: int) -> None:
        await env.client.start_workflow(
            BareSleeper.run, fire_at, id=f"bare-{index}", task_queue=worker.task_queue
        )
        await MARKS.reached("started", f"bare-{index}")

    try:
        async with worker:
            sampling = asyncio.create_task(sampler.run(stop))
            started = await _start_all(args.cases, args.concurrency, start_one, sampler)
            sampler.mark("all started")
            if time.time() > fire_at.timestamp():
                raise SystemExit("bare workflows took longer to start than their lead")
            await _until(lambda: MARKS.count("fired"), args.cases, lead + 3600)
            sampler.mark("month handled")
            stop.set()
            await sampling
    finally:
        await env.shutdown()
    return {
        "cases": args.cases,
        "started": started,
        "fired": _spread(MARKS.times("fired"), fire_at.timestamp()),
        "rss": sampler.marks,
        "rss_peak": max(sampler.samples),
    }


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
    rows = [("all started (s)", "started", "{:.1f}")]
    lines = [f"{'':<34} {'P3 cases':>12} {'bare timers':>12}", "-" * 60]
    for label, key, fmt in rows:
        lines.append(f"{label:<34} {fmt.format(p3[key]):>12} {fmt.format(bare[key]):>12}")
    rate = [p3["cases"] / p3["started"], bare["cases"] / bare["started"]]
    lines.append(f"{'  = starts per second':<34} {rate[0]:>12.1f} {rate[1]:>12.1f}")
    for part in ("p50", "p95", "last"):
        label = f"month's timers handled, {part} (s)"
        lines.append(f"{label:<34} {p3['fired'][part]:>12.1f} {bare['fired'][part]:>12.1f}")
    for mark in p3["rss"]:
        label = f"worker RSS, {mark} (MB)"
        lines.append(f"{label:<34} {p3['rss'][mark]:>12.0f} {bare['rss'].get(mark, 0):>12.0f}")
    lines.append(f"{'worker RSS, peak (MB)':<34} {p3['rss_peak']:>12.0f} {bare['rss_peak']:>12.0f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="open cases (and bare timers)")
    parser.add_argument("--cache", type=int, default=500, help="max_cached_workflows")
    parser.add_argument("--concurrency", type=int, default=50, help="starts and tasks in flight")
    parser.add_argument("--month", type=int, default=30, help="minutes in a contact month")
    parser.add_argument(
        "--lead",
        type=float,
        default=None,
        help="minutes from the first start to the P3 timers (default: 80%% of --month, less 1)",
    )
    parser.add_argument("--phase", choices=("p3", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lead is None:
        # As late as the backdating allows, so a slow or busy machine still starts every case
        # before the timers are due.
        args.lead = round(args.month * 0.8 - 1, 1)
    if args.lead >= args.month * 0.8:
        raise SystemExit("--lead must be shorter than 80% of --month (registrations are backdated)")
    if args.phase:
        _child(args)
        return
    forwarded = [f"--{k}={v}" for k, v in vars(args).items() if k != "phase"]
    p3 = _run_phase("p3", forwarded)
    bare = _run_phase("bare", forwarded)
    temporal = subprocess.run(
        [installed_binary("temporal"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(
        f"{temporal}; {os.cpu_count()} CPUs; {args.cases} cases; max_cached_workflows={args.cache}"
    )
    print(
        f"a month = {args.month} min (demo rules); P3 timers due {args.lead} min after the start\n"
    )
    print(_table(p3, bare))


if __name__ == "__main__":
    main()
