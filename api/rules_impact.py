"""The dry run of a rule edit: what changed, file by file, and which running cases it concerns.

Running cases keep their pinned version, so nothing here changes them: for each process whose
rules changed it counts the open cases (by pinned version, from the case table) and, for a sample,
asks each case for its recorded inputs and compares its decisions under its own version and the
draft (``rules.engine.simulate``), as moving it would.
"""

import asyncio
import difflib
from collections import defaultdict
from typing import Literal

import structlog
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api.services import Services
from db.case_tables import Case
from db.cases import TERMINAL_STATUSES
from models.processes import RULE_PROCESS_LABELS
from rules.engine import RULE_FILES, RulesError, RuleSet
from rules.engine.diff import Change, diff_rule_sets
from rules.engine.processes.run import CaseInputs
from rules.engine.simulate import compare_cases

log = structlog.get_logger(__name__)

FILE_LABELS = {
    "shared.yaml": "公共设置（角色、等次、提醒、亮牌、日历）",
    "events.yaml": "事件路由",
    **{f"{stem}.yaml": label for stem, label in RULE_PROCESS_LABELS.items()},
}
KEEP_PINNED = (
    "运行中的案件继续使用启动时固定的规则版本，不受这次修改影响；只有新启动的案件使用新版本。"
    "如需让某个运行中的案件改用新版本，须单独执行“迁移规则版本”（move_rules），并另行试算与留痕。"
)
_SAMPLE_PER_PROCESS = 20
_QUERY_SECONDS = 2.0


class ChangeView(BaseModel):
    file: str
    path: str
    kind: Literal["added", "removed", "changed"]
    text: str
    what: str = Field(description="the value added or removed, or 'old → new'")

    @classmethod
    def of(cls, change: Change) -> "ChangeView":
        text = change.format()
        what = text.split(f"{change.path}: ", 1)[-1]
        return cls(file=change.file, path=change.path, kind=change.kind, text=text, what=what)


class FileDiff(BaseModel):
    file: str
    label: str
    changes: list[ChangeView]
    lines: list[str] = Field(description="unified diff of the file's text")


class CaseImpact(BaseModel):
    case_id: str
    pinned: str | None
    changes: list[str]


class ProcessImpact(BaseModel):
    process: str
    label: str
    running: int
    by_version: dict[str, int]
    checked: int = Field(description="running cases whose recorded inputs were tried")
    unanswered: int = Field(description="running cases that did not answer in time")
    would_change: list[CaseImpact]


def file_diffs(old: RuleSet, new: RuleSet) -> list[FileDiff]:
    """Per changed file: the rule changes and a unified diff of its text."""
    by_file: dict[str, list[ChangeView]] = defaultdict(list)
    for change in diff_rule_sets(old, new):
        by_file[change.file].append(ChangeView.of(change))
    out = []
    for name in RULE_FILES:
        before = old.files.get(name, b"").decode("utf-8")
        after = new.files.get(name, b"").decode("utf-8")
        if before == after:
            continue
        lines = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            f"{old.version}/{name}",
            f"{new.version}/{name}",
            lineterm="",
        )
        out.append(
            FileDiff(
                file=name,
                label=FILE_LABELS.get(name, name),
                changes=by_file[name],
                lines=list(lines),
            )
        )
    return out


def affected(changed: list[FileDiff]) -> list[str]:
    """Processes whose decisions may change: a process file's own, or all for shared files."""
    names = {d.file for d in changed}
    if names & {"shared.yaml", "events.yaml"}:
        return list(RULE_PROCESS_LABELS)
    return [p for p in RULE_PROCESS_LABELS if f"{p}.yaml" in names]


async def impacts(svc: Services, draft: RuleSet, processes: list[str]) -> list[ProcessImpact]:
    if not processes:
        return []
    open_case = Case.status.not_in(sorted(TERMINAL_STATUSES))
    async with svc.sessions() as session:
        counted = await session.execute(
            select(Case.process, Case.rule_version, func.count())
            .where(open_case, Case.process.in_(processes))
            .group_by(Case.process, Case.rule_version)
        )
        by_version: dict[str, dict[str, int]] = defaultdict(dict)
        for process, version, count in counted.all():
            by_version[process][version or "?"] = int(count)
        samples: dict[str, list[tuple[str, str | None]]] = {}
        for process in processes:
            rows = await session.execute(
                select(Case.case_id, Case.rule_version)
                .where(open_case, Case.process == process)
                .order_by(Case.updated_at.desc())
                .limit(_SAMPLE_PER_PROCESS)
            )
            samples[process] = [(row[0], row[1]) for row in rows.all()]
    out = []
    for process in processes:
        tried = await asyncio.gather(*(_try_case(svc, draft, c, v) for c, v in samples[process]))
        out.append(
            ProcessImpact(
                process=process,
                label=RULE_PROCESS_LABELS[process],
                running=sum(by_version[process].values()),
                by_version=by_version[process],
                checked=sum(1 for t in tried if t is not None),
                unanswered=sum(1 for t in tried if t is None),
                would_change=[t for t in tried if t is not None and t.changes],
            )
        )
    return out


async def _try_case(
    svc: Services, draft: RuleSet, case_id: str, pinned: str | None
) -> CaseImpact | None:
    """The decisions of one running case that would differ under ``draft``; None if unknown."""
    handle = svc.temporal.get_workflow_handle(case_id)
    try:
        async with asyncio.timeout(_QUERY_SECONDS):
            inputs = await handle.query("case_inputs", result_type=CaseInputs)
        rules = await svc.rules.get(pinned) if pinned else svc.rules.active
    except (TimeoutError, RPCError, WorkflowQueryFailedError, RulesError, ValueError) as exc:
        # A case that cannot answer (no worker, an older workflow) is counted, not fatal.
        log.info("rules_dry_run_case_skipped", case_id=case_id, reason=str(exc))
        return None
    report = await asyncio.to_thread(compare_cases, rules, draft, [inputs])
    changes = [change.format() for change in report.cases[0].changes]
    return CaseImpact(case_id=case_id, pinned=pinned, changes=changes)
