"""Composition root of the worker: settings → logging → Temporal client → Worker."""

import asyncio
import contextlib
import hashlib
import importlib.util
import py_compile
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import structlog
import temporalio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox import _runner as _sandbox_runner

from activities.calendar import CalendarActivities, ChinaCalendar
from activities.cases import CaseActivities
from activities.floating_member import FloatingMemberActivities
from activities.notify import LogNotifier, Notifier, NotifyActivities
from activities.outbox import run_outbox_delivery
from activities.registry import RegistryActivities
from activities.rules import RulesActivities
from activities.workforce import WorkforceActivities
from db.cases import store_engine
from db.session import session_factory
from logconfig import configure_logging
from rules.engine.registry import RuleRegistry, seed_folder
from rules.engine.versions import FileRuleVersionStore
from runtime.temporal import connect
from settings import Settings
from workflows.annual_inspection import AnnualInspectionWorkflow
from workflows.commitment import CommitmentWorkflow
from workflows.community_worker import CommunityWorkerWorkflow
from workflows.dual_assessment import DualAssessmentWorkflow
from workflows.floating_member import FloatingMemberWorkflow
from workflows.supervised_task import SupervisedTaskWorkflow

log = structlog.get_logger(__name__)

Sessions = async_sessionmaker[AsyncSession]

WORKFLOWS: Sequence[type] = (
    SupervisedTaskWorkflow,
    DualAssessmentWorkflow,
    AnnualInspectionWorkflow,
    CommunityWorkerWorkflow,
    CommitmentWorkflow,
    FloatingMemberWorkflow,
)

# Modules the workflow sandbox takes from the worker's own imports instead of importing them
# afresh for every workflow run: deterministic and without side effects at import (payload
# models, the rules engine and CEL, the workflows' pure text and date helpers, the case
# plumbing). Re-importing the plumbing cost about a tenth of the worker's CPU on a P1 case
# (bench/p1_cases.py). The modules that define workflow classes stay sandboxed, and the tests
# run every workflow under the SDK's default sandbox, where none of these is passed through, so
# a non-deterministic call in any of them still fails there.
PASSTHROUGH_MODULES = (
    "models",
    "rules",
    "activities",
    "db",
    "cel",
    "yaml",
    "structlog",
    "workflows.case_text",
    "workflows.deadline_text",
    "workflows.deadline_extension",
    "workflows.search_attributes",
    # The case plumbing every process workflow builds on: classes and constants only, no state
    # at module level.
    "workflows.case",
    "workflows.case_face",
    "workflows.case_tasks",
    "workflows.deadline",
    "workflows.jobs",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox, with the project's deterministic modules passed through."""
    compile_sandbox_calls_once()
    answer_context_lookups_directly()
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    return SandboxedWorkflowRunner(restrictions=restrictions)


def compile_sandbox_calls_once() -> None:
    """Let the sandbox compile the few snippets it runs its workflows with once, not per call."""
    # The sandbox enters a workflow run with ``exec`` of a source string (temporalio 1.35:
    # ``_Instance._run_code``) on every activation and on every payload its encoder visits, and
    # ``exec`` compiles the string each time: 7% of the worker's samples on a P1 phase
    # (bench/p1_cases.py, py-spy --gil). The strings are a handful of constants; their code
    # objects run the same. If the SDK changes this private method, nothing is changed.
    instance = getattr(_sandbox_runner, "_Instance", None)
    run_code = getattr(instance, "_run_code", None)
    if instance is None or run_code is None or getattr(run_code, "compiled_once", False):
        return
    compiled: dict[str, CodeType] = {}

    def _run_code(self: Any, code: str | CodeType, **extra_globals: Any) -> None:
        if isinstance(code, str) and len(compiled) < 64:
            code = compiled.get(code) or compiled.setdefault(
                code, compile(code, "<string>", "exec", dont_inherit=True)
            )
        run_code(self, code, **extra_globals)

    _run_code.compiled_once = True  # type: ignore[attr-defined]
    instance._run_code = _run_code


def answer_context_lookups_directly() -> None:
    """Answer the data converter's per-payload context questions without entering the sandbox."""
    # For every payload sequence of an activation or a completion (three passes over each),
    # temporalio 1.35 asks the workflow which serialization and external-storage context applies
    # (``_Instance.get_serialization_context``, ``get_external_store_context``), and the sandboxed
    # runner answers each question by ``exec`` of a snippet inside the sandbox with its import
    # hooks applied: about 50 us a call, some 60 calls per P1 case (bench/p1_cases.py). The
    # answers are lookups of the command's sequence number in the workflow's pending activities,
    # children and signals, made on objects the sandbox built: the same call, made directly,
    # returns the same context. If the SDK renames what this relies on, nothing is changed.
    instance = getattr(_sandbox_runner, "_Instance", None)
    for name in ("get_serialization_context", "get_external_store_context"):
        sandboxed = getattr(instance, name, None)
        if sandboxed is None or getattr(sandboxed, "answered_directly", False):
            continue

        def direct(
            self: Any, command_info: Any, _name: str = name, _sandboxed: Any = sandboxed
        ) -> Any:
            inside = getattr(self, "globals_and_locals", {}).get("__temporal_in_sandbox")
            ask = getattr(inside, _name, None)
            return _sandboxed(self, command_info) if ask is None else ask(command_info)

        direct.answered_directly = True  # type: ignore[attr-defined]
        setattr(instance, name, direct)


def cache_workflow_bytecode(var_dir: Path, workflows: Sequence[type] = WORKFLOWS) -> None:
    """Compile the workflows' modules once, into ``var_dir``, when Python writes no bytecode."""
    # The sandbox imports a workflow's module afresh for every workflow run. With
    # PYTHONDONTWRITEBYTECODE set (the Dockerfile, some shells) and no bytecode beside the sources
    # (an editable install), every run compiled those sources again: about a tenth of the
    # worker's CPU per P1 case (bench/p1_cases.py). Python reads bytecode from pycache_prefix.
    if not sys.dont_write_bytecode:
        return
    if sys.pycache_prefix is None:
        sys.pycache_prefix = str((var_dir / "pycache").resolve())
    sources = {Path(sys.modules[wf.__module__].__file__ or "") for wf in workflows}
    for package in {source.parent for source in sources if source.name}:
        for source in package.glob("*.py"):
            cached = Path(importlib.util.cache_from_source(str(source)))
            with contextlib.suppress(OSError, py_compile.PyCompileError):
                if cached.exists() and cached.stat().st_mtime >= source.stat().st_mtime:
                    continue
                py_compile.compile(str(source), cfile=str(cached), doraise=True)


# The project's own top-level modules and packages (pyproject.toml's py-modules and packages).
PROJECT_MODULES = frozenset(
    {"worker", "settings", "logconfig", "cli", "runtime", "workflows", "activities", "rules"}
    | {"models", "db", "api", "migrations"}
)


def source_build_id(modules: dict[str, ModuleType] | None = None) -> str:
    """The worker's build id: a digest of the SDK's version and the source of every loaded module
    of the project (the workflows, activities, models and rules engine among them), so the
    Temporal Web UI shows which code completed each workflow task."""
    # Without a build id the SDK makes one by hashing the bytecode of every loaded module. Where
    # Python writes no bytecode, cache_workflow_bytecode has moved its bytecode cache to
    # var/pycache, where the installed packages have none, so the SDK compiled the source of
    # each of some 1,700 modules (SQLAlchemy, FastAPI, pydantic…): 7 to 8 s of every start-up on
    # the development machine. Reading the project's own sources takes milliseconds.
    loaded = sys.modules if modules is None else modules
    digest = hashlib.sha256(f"temporalio {temporalio.__version__}\n".encode())
    for name in sorted(loaded):
        path = getattr(loaded[name], "__file__", None)
        if name.partition(".")[0] not in PROJECT_MODULES or not path or not path.endswith(".py"):
            continue
        with contextlib.suppress(OSError):
            source = Path(path).read_bytes()
            digest.update(f"{name}\n{len(source)}\n".encode())
            digest.update(source)
    return digest.hexdigest()[:32]


def build_activities(
    notifier: Notifier | None = None,
    *,
    rules: RuleRegistry | None = None,
    sessions: Sessions | None = None,
) -> list[Callable[..., Any]]:
    """Every activity the worker serves, bound to its dependencies."""
    calendar = CalendarActivities(ChinaCalendar())
    notify = NotifyActivities(notifier or LogNotifier())
    activities: list[Callable[..., Any]] = [
        calendar.resolve_schedule,
        calendar.resolve_schedule_by_rule,
        calendar.shift,
        notify.notify,
    ]
    if rules is not None:
        rules_activities = RulesActivities(rules)
        activities += [rules_activities.fetch_rules, rules_activities.dry_run_rules]
    if sessions is not None:
        registry = RegistryActivities(sessions)
        workforce = WorkforceActivities(sessions)
        floating = FloatingMemberActivities(sessions)
        activities += [
            CaseActivities(sessions).project_case,
            registry.subject_facts,
            registry.org_facts,
            workforce.worker_profile,
            workforce.change_worker,
            workforce.record_worker_assessment,
            workforce.member_profile,
            workforce.record_commitment,
            workforce.record_service,
            floating.register_floating_member,
            floating.locate_address,
            floating.placement_candidates,
            floating.record_placement,
            floating.set_member_status,
            floating.stored_timeline,
        ]
    return activities


def build_worker(
    client: Client,
    settings: Settings,
    notifier: Notifier | None = None,
    *,
    rules: RuleRegistry | None = None,
    sessions: Sessions | None = None,
) -> Worker:
    """A worker with every workflow and activity on the project's task queue."""
    cache_workflow_bytecode(settings.var_dir)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=list(WORKFLOWS),
        workflow_runner=workflow_runner(),
        activities=build_activities(notifier, rules=rules, sessions=sessions),
        build_id=source_build_id(),
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_activities=settings.max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
    )


@asynccontextmanager
async def worker_dependencies(
    settings: Settings,
) -> AsyncIterator[tuple[RuleRegistry, Sessions, AsyncEngine]]:
    """The rule registry (watching the rules folder) and the database the activities use; the
    engine is shared by everything in the process (one connection on SQLite)."""
    engine = store_engine(settings.effective_database_url)
    seed_folder(settings.rules_dir, settings.rules_seed_dir)
    rules = RuleRegistry(
        settings.rules_dir,
        FileRuleVersionStore(settings.rule_versions_dir),
        poll_seconds=settings.rules_poll_seconds,
    )
    try:
        async with rules:
            yield rules, session_factory(engine), engine
    finally:
        await engine.dispose()


async def run_worker(settings: Settings) -> None:
    """Run the worker until SIGINT or SIGTERM, then finish in-flight tasks and exit."""
    client = await connect(settings.temporal_target, settings.temporal_namespace, wait_seconds=30.0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with worker_dependencies(settings) as (rules, sessions, _engine):
        worker = build_worker(client, settings, rules=rules, sessions=sessions)
        log.info(
            "worker_started", task_queue=settings.task_queue, temporal=settings.temporal_target
        )
        async with worker:
            outbox = asyncio.create_task(
                run_outbox_delivery(sessions, settings.webhooks, stop, settings.webhook_secret)
            )
            await stop.wait()
            log.info("worker_stopping")
            await outbox
    log.info("worker_stopped")


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
