"""The form each kind of task shows in the inbox, and how its fields become the event's data.

A form submits the event an external system would send for the same answer (``rules/events.yaml``);
a task whose answer has no event route shows no form, only where it is done."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.ui.labels import BRANCHES, ORIGIN_REPLIES
from rules.engine import RuleSet

CHANNELS = ("电话", "上门走访", "微信", "视频通话", "集中活动")


@dataclass(frozen=True, slots=True)
class Field:
    """One input: ``kind`` is text, textarea, select, radio, date or number."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, str]] = ()
    required: bool = False
    default: str = ""
    hint: str = ""
    lines: bool = False  # a textarea whose lines are a list (reasons, conditions)


@dataclass(frozen=True, slots=True)
class TaskForm:
    """The event a task's form sends, with its fields; ``fixed`` data comes from the task id."""

    event_type: str
    fields: Sequence[Field]
    submit: str = "提交"
    fixed: dict[str, Any] = field(default_factory=dict)

    def data(self, submitted: dict[str, str]) -> dict[str, Any]:
        """The event data from the submitted fields (list fields split into lines)."""
        data: dict[str, Any] = dict(self.fixed)
        for spec in self.fields:
            value = submitted.get(spec.name, "").strip()
            if spec.lines:
                data[spec.name] = [line.strip() for line in value.splitlines() if line.strip()]
            elif value:
                data[spec.name] = value
        return data

    def missing(self, submitted: dict[str, str]) -> list[str]:
        """Labels of required fields left empty."""
        return [
            spec.label
            for spec in self.fields
            if spec.required and not submitted.get(spec.name, "").strip()
        ]


def _grades(rules: RuleSet, *scales: str) -> list[tuple[str, str]]:
    options: list[tuple[str, str]] = []
    for name in scales:
        scale = rules.shared.grade_scales.get(name)
        if scale is not None:
            options += [(grade, f"{grade}（{scale.label}）") for grade in scale.grades]
    return options


def form_for(
    process: str, task_id: str, rules: RuleSet, actor: str, today: date
) -> TaskForm | None:
    """The form for a task, or None when the web cannot answer it (no event route)."""
    kind, _, rest = task_id.partition("-")
    day = today.isoformat()
    if process == "dual_assessment" and kind == "opinion":
        return TaskForm(
            "grassroots.assessment.opinion_submitted",
            [
                Field("grade", "考核等次", "select", _grades(rules, "unit", "cadre"), True),
                Field("comment", "意见说明", "textarea", hint="写明依据，如服务群众、参加活动情况"),
            ],
            submit="提交意见",
        )
    if process == "annual_inspection" and kind == "signoff":
        return _signoff_form()
    if process == "annual_inspection" and kind == "condition":
        return TaskForm(
            "grassroots.inspection.signoff",
            [Field("reasons", "落实情况（每行一条，可不填）", "textarea", lines=True)],
            submit="确认条件已落实",
            fixed={"decision": "granted"},  # what a case following up its conditions accepts
        )
    if process == "floating_member" and kind == "origin":
        return TaskForm(
            "grassroots.member.origin_confirmed",
            [
                Field("confirmed", "原党组织回复", "radio", list(ORIGIN_REPLIES.items()), True),
                Field("reason", "说明（不予确认时必填）", "textarea", hint="如 原支部查无此人"),
            ],
            submit="登记核实结果",
        )
    if process == "floating_member" and kind == "assign":
        return TaskForm(
            "grassroots.member.assigned",
            [
                Field("branch", "编入", "radio", list(BRANCHES.items()), required=True),
                Field("grid_id", "网格编号", hint="不填则按住址所在网格"),
                Field("household_id", "党员中心户编号", hint="可不填，稍后再定"),
                Field("mentor_id", "帮带人编号", hint="不填则按规则结对"),
                Field("reason", "说明", "textarea"),
            ],
            submit="编入",
        )
    if process == "floating_member" and kind == "contact":
        return TaskForm(
            "grassroots.member.contacted",
            [
                Field("by", "联系人", default=actor, required=True),
                Field("channel", "联系方式", "select", [(c, c) for c in CHANNELS], required=True),
                Field("date", "联系日期", "date", default=day, required=True),
                Field("note", "情况记录", "textarea"),
            ],
            submit="记录联系",
        )
    if process == "floating_member" and kind == "party_life":
        return TaskForm(
            "grassroots.member.attended",
            [
                Field("activity", "参加的活动", required=True, hint="如 主题党日、三会一课"),
                Field("date", "日期", "date", default=day, required=True),
            ],
            submit="记录参加",
        )
    if process == "commitment" and kind == "review":
        return TaskForm(
            "grassroots.commitment.reviewed",
            [
                Field(
                    "decision",
                    "审核意见",
                    "radio",
                    [("approved", "通过，予以公示"), ("returned", "退回修改")],
                    required=True,
                ),
                Field("reasons", "退回理由（每行一条）", "textarea", lines=True),
                Field("comment", "备注", "textarea"),
            ],
            submit="提交审核",
        )
    if process == "commitment" and kind == "evaluation":
        evaluators = [
            ("organisation", "党组织评议"),
            ("members", "党员互评"),
            ("residents", "群众评议"),
            ("self", "本人自评"),
        ]
        return TaskForm(
            "grassroots.commitment.evaluated",
            [
                Field("evaluator", "评议方", "select", evaluators, required=True),
                Field("score", "评分（0–100）", "number", required=True),
                Field("comment", "评语", "textarea"),
            ],
            submit="提交评议",
        )
    if process == "community_worker" and kind == "training":
        return TaskForm(
            "grassroots.worker.training_logged",
            [
                Field("hours", "培训学时", "number", required=True),
                Field("date", "培训日期", "date", default=day, required=True),
                Field("course", "课程名称"),
            ],
            submit="登记学时",
        )
    if process == "community_worker" and kind == "assessment" and rest.isdigit():
        return TaskForm(
            "grassroots.worker.assessed",
            [
                Field("tier", "考核等次", "select", _grades(rules, "worker"), required=True),
                Field("comment", "评语", "textarea"),
            ],
            submit="提交考核",
            fixed={"year": int(rest)},
        )
    if process == "community_worker" and kind in {"recruitment", "party"} and rest.count("-") >= 1:
        stage = rest.split("-", 1)[1]
        return TaskForm(
            "grassroots.worker.stage_passed",
            [
                Field("outcome", "结果", "radio", [("passed", "通过"), ("failed", "未通过")], True),
                Field("date", "日期", "date", default=day, required=True),
                Field("note", "备注", "textarea"),
            ],
            submit="登记结果",
            fixed={"stage": stage},
        )
    return None


ELSEWHERE = "此任务由对接系统推送结果后自动办结。"
"""What the inbox says of a task without a web form: where it is answered."""


CONDITION_ROWS = 3
"""How many conditions the sign-off form takes: a fixed number of rows, so a plain HTML form
states each condition's kind and time limit."""
CONDITION_KINDS = (("join_big_committee", "加入社区大党委"), ("other", "其他"))


@dataclass(frozen=True, slots=True)
class _SignoffForm(TaskForm):
    """The annual inspection's sign-off: each filled condition row becomes one condition with
    its kind and time limit (``models.annual_inspection.ConditionSpec``)."""

    def data(self, submitted: dict[str, str]) -> dict[str, Any]:
        data = TaskForm.data(self, submitted)
        conditions: list[dict[str, str]] = []
        for row in range(1, CONDITION_ROWS + 1):
            text = data.pop(f"condition_{row}", "")
            kind = data.pop(f"condition_{row}_kind", "") or "other"
            days = data.pop(f"condition_{row}_days", "")
            if text:
                condition = {"text": text, "kind": kind}
                if days:
                    condition["within"] = f"{days}d" if days.isdigit() else days
                conditions.append(condition)
        return {**data, "conditions": conditions}


def _signoff_form() -> TaskForm:
    decisions = [("granted", "同意"), ("conditional", "附条件同意"), ("denied", "不同意")]
    rows: list[Field] = []
    for row in range(1, CONDITION_ROWS + 1):
        rows += [
            Field(
                f"condition_{row}",
                f"附加条件{row}（附条件同意时填写）",
                hint="例如：30日内加入社区大党委" if row == 1 else "",
            ),
            Field(f"condition_{row}_kind", f"条件{row}类型", "select", CONDITION_KINDS),
            Field(f"condition_{row}_days", f"条件{row}限期（天，不填按规则默认）", "number"),
        ]
    return _SignoffForm(
        "grassroots.inspection.signoff",
        [
            Field("decision", "签署意见", "radio", decisions, required=True),
            Field("reasons", "理由（每行一条）", "textarea", lines=True),
            *rows,
        ],
        submit="签署",
    )
