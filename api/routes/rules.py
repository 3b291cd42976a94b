"""``/api/rules``: the active rule version, its history and diffs for all staff; checking, dry
running, activating and rolling back an edit for administrators.

An edit replaces one file of a base version. It goes through the CLI's validation (YAML, JSON
Schema, CEL, cross-references); the dry run says what it changes and which running cases it
concerns (they keep their pinned version); activation writes the folder atomically, makes the
registry take it at once, stores the version and audits who did it and why. An edit whose base is
no longer the active version is refused with 409, so two administrators never overwrite each other.
"""

import asyncio
import functools
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.problems import Problem, bad_request, not_found
from api.rules_impact import (
    KEEP_PINNED,
    FileDiff,
    ProcessImpact,
    affected,
    file_diffs,
    impacts,
)
from api.security import Admin, Person, Principal
from api.services import Services, services
from db.case_tables import TimelineEvent
from db.cases import audit
from rules.engine import (
    RULE_FILES,
    RuleError,
    RuleSet,
    RuleSetInvalid,
    StaleRuleVersion,
    UnknownRuleVersion,
    version_of,
)
from rules.engine.candidate import check, with_file
from rules.engine.explain import explain_zh
from rules.engine.jsonschema import json_schemas

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/rules", tags=["rules"])

ACTIVATION_KINDS = ("rules_activated", "rules_rolled_back")
_schemas = functools.cache(json_schemas)
Reason = Annotated[str, Field(min_length=2, max_length=500, description="why (kept in the audit)")]


class RuleErrorView(BaseModel):
    """One error at its place, with a plain-Chinese explanation."""

    file: str
    line: int
    column: int
    message: str
    explanation: str

    @classmethod
    def of(cls, error: RuleError) -> "RuleErrorView":
        return cls(
            file=error.file,
            line=error.line,
            column=error.column,
            message=error.message,
            explanation=explain_zh(error.message),
        )


class Activation(BaseModel):
    """Who made a version active, when and why."""

    version: str
    previous: str | None = None
    at: datetime
    actor: str | None
    reason: str | None = None
    kind: str
    files: list[str] = Field(default_factory=list)


class VersionView(BaseModel):
    version: str
    stored_at: datetime
    active: bool
    last_activation: Activation | None = None


class ActiveRules(BaseModel):
    version: str
    activated_at: datetime | None
    activated_by: str | None
    reason: str | None
    files: list[str]
    folder_errors: list[RuleErrorView] = Field(
        description="why a hand edit in the rules folder was refused (empty when none)"
    )


class RuleHistory(BaseModel):
    active: str
    versions: list[VersionView]
    activations: list[Activation]


class RuleDiff(BaseModel):
    from_version: str
    to_version: str
    files: list[FileDiff]


class VersionFiles(BaseModel):
    version: str
    files: dict[str, str]


class Candidate(BaseModel):
    """One file of ``base`` replaced by ``text``."""

    base: str = Field(description="the version the edit started from")
    file: str = Field(description="e.g. dual_assessment.yaml")
    text: str


class CandidateCheck(BaseModel):
    valid: bool
    version: str | None
    errors: list[RuleErrorView]


class DryRun(BaseModel):
    base: str
    version: str | None
    valid: bool
    errors: list[RuleErrorView]
    note: str
    files: list[FileDiff]
    processes: list[ProcessImpact]


class Activate(Candidate):
    reason: Reason


class Rollback(BaseModel):
    version: str = Field(description="the earlier version to make active again")
    base: str = Field(description="the version active when the administrator decided")
    reason: Reason


# --- Reading ------------------------------------------------------------------------------------


@router.get("", response_model=ActiveRules)
async def active(request: Request, person: Person) -> ActiveRules:
    """The active rule version: when and by whom it was activated, and why."""
    svc = services(request)
    rules = svc.rules.active
    async with svc.sessions() as session:
        last = (await _activations(session, version=rules.version))[:1]
    return ActiveRules(
        version=rules.version,
        activated_at=last[0].at if last else None,
        activated_by=last[0].actor if last else None,
        reason=last[0].reason if last else None,
        files=sorted(rules.files),
        folder_errors=[RuleErrorView.of(error) for error in svc.rules.errors],
    )


@router.get("/versions", response_model=RuleHistory)
async def versions(request: Request, person: Person) -> RuleHistory:
    """Every stored version (newest first) and every activation and rollback."""
    svc = services(request)
    current = svc.rules.active.version
    async with svc.sessions() as session:
        activations = await _activations(session)
    latest: dict[str, Activation] = {}
    for activation in activations:
        latest.setdefault(activation.version, activation)
    stored = sorted(await svc.rules.store.versions(), key=lambda v: v.stored_at, reverse=True)
    views = [
        VersionView(
            version=v.version,
            stored_at=v.stored_at,
            active=v.version == current,
            last_activation=latest.get(v.version),
        )
        for v in stored
    ]
    return RuleHistory(active=current, versions=views, activations=activations)


@router.get("/versions/{version}", response_model=VersionFiles)
async def version_files(request: Request, person: Person, version: str) -> VersionFiles:
    """The file texts of one version."""
    rules = await _version(services(request), version)
    return VersionFiles(version=rules.version, files=_texts(rules.files))


@router.get("/diff", response_model=RuleDiff)
async def diff(
    request: Request,
    person: Person,
    from_version: Annotated[str, Query(alias="from")],
    to_version: Annotated[str, Query(alias="to")],
) -> RuleDiff:
    """What changed between two versions, file by file: rules changed and the text."""
    svc = services(request)
    old, new = await _version(svc, from_version), await _version(svc, to_version)
    return RuleDiff(from_version=old.version, to_version=new.version, files=file_diffs(old, new))


@router.get("/schema/{file}")
async def schema(person: Person, file: str) -> dict[str, Any]:
    """The JSON Schema of one rule file (the editor completes keys and values from it)."""
    schemas = _schemas()
    stem = file.removesuffix(".yaml")
    if stem not in schemas:
        raise not_found(f"no rule file {file}")
    return schemas[stem]


# --- Editing ------------------------------------------------------------------------------------


@router.post("/validate", response_model=CandidateCheck)
async def validate(request: Request, admin: Admin, body: Candidate) -> CandidateCheck:
    """Check an edit exactly as ``grassroots rules validate`` would; nothing is changed."""
    files = await _candidate_files(services(request), body)
    rules, errors = await asyncio.to_thread(check, files)
    return CandidateCheck(
        valid=rules is not None,
        version=rules.version if rules else None,
        errors=[RuleErrorView.of(error) for error in errors],
    )


@router.post("/dry-run", response_model=DryRun)
async def dry_run(request: Request, admin: Admin, body: Candidate) -> DryRun:
    """What the edit changes, and which running cases it would concern if they were moved."""
    svc = services(request)
    files = await _candidate_files(svc, body)
    rules, errors = await asyncio.to_thread(check, files)
    views = [RuleErrorView.of(error) for error in errors]
    if rules is None:
        return DryRun(
            base=body.base,
            version=None,
            valid=False,
            errors=views,
            note=KEEP_PINNED,
            files=[],
            processes=[],
        )
    base = await _version(svc, body.base)
    changed = file_diffs(base, rules)
    processes = await impacts(svc, rules, affected(changed))
    return DryRun(
        base=base.version,
        version=rules.version,
        valid=True,
        errors=[],
        note=KEEP_PINNED,
        files=changed,
        processes=processes,
    )


@router.post("/activate", response_model=Activation)
async def activate(request: Request, admin: Admin, body: Activate) -> Activation:
    """Validate again, write the file, make it the active version now, audit who and why."""
    svc = services(request)
    files = await _candidate_files(svc, body)
    return await _install(svc, admin, files, body.base, body.reason, "rules_activated", body.file)


@router.post("/rollback", response_model=Activation)
async def rollback(request: Request, admin: Admin, body: Rollback) -> Activation:
    """Make an earlier version active again, the same way as an edit."""
    svc = services(request)
    target = await _version(svc, body.version)
    return await _install(
        svc, admin, dict(target.files), body.base, body.reason, "rules_rolled_back", None
    )


# --- Helpers ------------------------------------------------------------------------------------


async def _version(svc: Services, version: str) -> RuleSet:
    try:
        return await svc.rules.get(version)
    except (UnknownRuleVersion, RuleSetInvalid) as exc:
        raise not_found(f"规则版本 {version} 不存在") from exc


async def _candidate_files(svc: Services, body: Candidate) -> dict[str, bytes]:
    base = await _version(svc, body.base)
    try:
        return with_file(base.files, body.file, body.text)
    except KeyError as exc:
        raise bad_request(f"{body.file} 不是规则文件；可编辑：{'、'.join(RULE_FILES)}") from exc


def _texts(files: Any) -> dict[str, str]:
    return {name: files[name].decode("utf-8") for name in sorted(files)}


async def _install(
    svc: Services,
    admin: Principal,
    files: dict[str, bytes],
    base: str,
    reason: str,
    kind: str,
    file: str | None,
) -> Activation:
    previous = svc.rules.active
    if version_of(files) == previous.version:
        raise bad_request("没有任何改动：这与当前启用的版本完全相同", slug="unchanged")
    try:
        rules = await svc.rules.install(files, base=base)
    except StaleRuleVersion as exc:
        raise Problem(
            409,
            "stale-version",
            f"规则已被他人修改：当前启用的是 {exc.active}，而你的修改基于 {exc.base}。"
            "请重新打开规则页，在最新版本上修改。",
            extra={"active": exc.active},
        ) from exc
    except RuleSetInvalid as exc:
        errors = [RuleErrorView.of(error).model_dump() for error in exc.errors]
        raise Problem(
            422, "invalid-rules", "规则未通过检查，没有做任何修改", extra={"rule_errors": errors}
        ) from exc
    old_files = previous.files
    changed = sorted(n for n in set(files) | set(old_files) if files.get(n) != old_files.get(n))
    verb = "回退到" if kind == "rules_rolled_back" else "启用"
    summary = f"{verb}规则版本 {rules.version}（原 {previous.version}）：{'、'.join(changed)}"
    detail = {
        "version": rules.version,
        "previous": previous.version,
        "reason": reason,
        "files": changed,
        "edited": file,
    }
    async with svc.sessions() as session:
        row = audit(session, kind, admin.actor, summary, detail=detail)
        await session.commit()
    log.info(
        "rules_installed",
        kind=kind,
        version=rules.version,
        previous=previous.version,
        actor=admin.actor,
    )
    return Activation(
        version=rules.version,
        previous=previous.version,
        at=row.at,
        actor=admin.actor,
        reason=reason,
        kind=kind,
        files=changed,
    )


async def _activations(session: AsyncSession, version: str | None = None) -> list[Activation]:
    """Activations and rollbacks from the audit log, newest first."""
    query = select(TimelineEvent).where(
        TimelineEvent.case_id.is_(None), TimelineEvent.kind.in_(ACTIVATION_KINDS)
    )
    rows = (await session.scalars(query.order_by(TimelineEvent.at.desc()))).all()
    out = []
    for row in rows:
        detail = row.detail or {}
        if version is not None and detail.get("version") != version:
            continue
        out.append(
            Activation(
                version=str(detail.get("version")),
                previous=detail.get("previous"),
                at=row.at,
                actor=row.actor,
                reason=detail.get("reason"),
                kind=row.kind,
                files=list(detail.get("files", [])),
            )
        )
    return out
