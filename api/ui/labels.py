"""Chinese labels for the ids the engine uses (processes, statuses, task kinds, card colours,
timeline entries, roles): one place, so every page says the same thing."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from db.vocab import (
    EDUCATION_LABELS,
    ORG_TYPE_LABELS,
    USER_ROLE_LABELS,
    WORKER_POST_LABELS,
)
from models.annual_inspection import INSPECTION_STATUS_LABELS
from models.commitment import COMMITMENT_STATUS_LABELS
from models.community_worker import WORKER_STATUS_LABELS
from models.deadline import CARD_LABELS
from models.dual_assessment import ASSESSMENT_STATUS_LABELS
from models.floating_member import MEMBER_STATUS_LABELS
from models.processes import PROCESS_LABELS

# Statuses per process (the same id can read differently in two processes).
STATUSES_BY_PROCESS: dict[str, Mapping[str, str]] = {
    "dual_assessment": ASSESSMENT_STATUS_LABELS,
    "annual_inspection": INSPECTION_STATUS_LABELS,
    "floating_member": MEMBER_STATUS_LABELS,
    "community_worker": WORKER_STATUS_LABELS,
    "commitment": COMMITMENT_STATUS_LABELS,
}

GENERIC_STATUSES: dict[str, str] = {
    "open": "办理中",
    "answered": "已办结",
    "closed": "已结案",
    "expired": "已过期",
    "cancelled": "已撤销",
    "rejected": "未受理",
}

TASK_STATUSES: dict[str, str] = {
    "open": "待办",
    "answered": "已办",
    "expired": "已过期",
    "cancelled": "已撤销",
}

CARDS: dict[str, str] = {level.value: label for level, label in CARD_LABELS.items()}

# Task ids are "<kind>" or "<kind>-<n>"; the kind says what the task asks for.
TASK_KINDS: dict[str, str] = {
    "opinion": "考核意见",
    "assessment": "考核意见",
    "signoff": "年检签署意见",
    "condition": "整改落实",
    "origin": "原党组织核实",
    "assign": "编入党组织",
    "contact": "联系流动党员",
    "party_life": "组织生活",
    "review": "承诺审核",
    "evaluation": "践诺评议",
    "training": "年度培训",
    "task": "督办事项",
}

TIMELINE_KINDS: dict[str, str] = {
    "case_opened": "立案",
    "opened": "任务下达",
    "reminder": "提醒",
    "escalation": "升级亮牌",
    "answered": "已办理",
    "extended": "延期",
    "expiry": "到期",
    "expired": "已过期",
    "cancelled": "已撤销",
    "decision": "规则判定",
    "event_sent": "对外通知",
    "rules_moved": "规则版本变更",
    "case_action": "人工办理",
    "override_recorded": "授权放行",
    "consulted_org_assigned": "指定征求意见的社区",
    "recruitment": "招录",
    "party": "组织生活",
    "event": "收到事件",
    "facts_gathered": "取得登记信息",
    "checklist_item": "检查项",
    "signoff_overdue": "逾期未签署",
    "origin_confirmed": "原党组织确认",
    "origin_overdue": "原党组织逾期未回复",
    "placed": "编入党组织",
    "mentor_paired": "结对帮带",
    "contacted": "联系党员",
    "login": "登录",
    "logout": "退出",
}

# The choices of a floating member's task forms (origin reply, manual placement).
ORIGIN_REPLIES: dict[str, str] = {"true": "确认其党员身份", "false": "不予确认"}
BRANCHES: dict[str, str] = {"grid": "网格党支部（按住址）", "new_sector": "新兴领域党支部"}

ROLES: dict[str, str] = {role.value: label for role, label in USER_ROLE_LABELS.items()}

ORG_TYPES: dict[str, str] = {kind.value: label for kind, label in ORG_TYPE_LABELS.items()}
WORKER_POSTS: dict[str, str] = {post.value: label for post, label in WORKER_POST_LABELS.items()}
EDUCATION: dict[str, str] = {level.value: label for level, label in EDUCATION_LABELS.items()}

CHINA = timezone(timedelta(hours=8))


def process(value: str | None) -> str:
    return PROCESS_LABELS.get(value or "", value or "—")


def status(value: str | None, process_id: str | None = None) -> str:
    """A case status in Chinese, read in its process where the process is known."""
    if not value:
        return "—"
    by_process = STATUSES_BY_PROCESS.get(process_id or "", {})
    if value in by_process:
        return by_process[value]
    for labels in STATUSES_BY_PROCESS.values():
        if value in labels:
            return labels[value]
    return GENERIC_STATUSES.get(value, value)


def all_statuses() -> dict[str, str]:
    """Every status id with a label, for the case filter."""
    merged: dict[str, str] = {}
    for labels in STATUSES_BY_PROCESS.values():
        for key, label in labels.items():
            merged.setdefault(str(key), label)
    return merged


def task_kind(task_id: str | None) -> str:
    """What a task asks for, from its id (``signoff-2026`` → 年检签署意见)."""
    if not task_id:
        return "—"
    if task_id in TASK_KINDS:
        return TASK_KINDS[task_id]
    head = task_id.split("-", 1)[0]
    return TASK_KINDS.get(head, "待办事项")


def task_status(value: str | None) -> str:
    return TASK_STATUSES.get(value or "", value or "—")


def card(value: str | None) -> str:
    return CARDS.get(value or "normal", value or "普通")


def timeline_kind(value: str | None, trace: object = None) -> str:
    """What a timeline entry is; an unnamed entry with a trace (``*_decided``) is a decision."""
    if value in TIMELINE_KINDS:
        return TIMELINE_KINDS[value]
    if trace or (value and value.endswith("_decided")):
        return "规则判定"
    return "记录"


def role(value: str | None) -> str:
    return ROLES.get(value or "", value or "—")


def org_type(value: str | None) -> str:
    return ORG_TYPES.get(value or "", value or "—")


def when(value: datetime | None, with_time: bool = True) -> str:
    """A time as Beijing time (``2026-06-30 17:00``); naive values are taken as UTC."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(CHINA)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def day(value: datetime | None) -> str:
    return when(value, with_time=False)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


FILTERS: dict[str, Callable[..., Any]] = {
    "process_label": process,
    "status_label": status,
    "task_kind": task_kind,
    "task_status": task_status,
    "card_label": card,
    "timeline_kind": timeline_kind,
    "role_label": role,
    "org_type_label": org_type,
    "when": when,
    "day": day,
    "percent": percent,
}
