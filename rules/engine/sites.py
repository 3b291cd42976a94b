"""Expression sites: every place a rule file holds CEL, with the variables it may read.

A site names the variables (and their fields) an expression can use and the kind of result it must
give. Expressions are checked against their site at load time: unknown variables and fields are
refused, and the expression is run on typed samples to catch type errors before any case does.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from rules.engine import facts

Kind = Literal["string", "int", "double", "bool", "timestamp", "object"]
Result = Literal["bool", "string", "scalar"]

_SAMPLE_NOW = datetime.fromisoformat("2025-06-30T12:00:00+08:00")
# Two samples per kind, so that both sides of `&&` / `||` / `?:` get evaluated by one of them.
_SAMPLES: dict[str, tuple[Any, Any]] = {
    "string": ("", "x"),
    "int": (0, 1),
    "double": (0.0, 1.0),
    "bool": (False, True),
    "timestamp": (_SAMPLE_NOW, _SAMPLE_NOW + timedelta(days=1)),
}
_PY_KINDS: dict[type, Kind] = {
    str: "string",
    int: "int",
    float: "double",
    bool: "bool",
    datetime: "timestamp",
}


@dataclass(frozen=True, slots=True)
class Var:
    """A documented variable: its CEL kind, a description and, for objects, its fields."""

    kind: Kind
    doc: str
    fields: Mapping[str, "Var"] = field(default_factory=dict)

    def sample(self, variant: int) -> Any:
        if self.kind == "object":
            return {name: var.sample(variant) for name, var in self.fields.items()}
        return _SAMPLES[self.kind][variant]


def object_var(model: type[BaseModel], doc: str) -> Var:
    """A variable holding one facts model, its fields documented from the model."""
    fields: dict[str, Var] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        kind = _PY_KINDS.get(annotation) if isinstance(annotation, type) else None
        if kind is None:
            raise TypeError(f"{model.__name__}.{name}: no CEL kind for {annotation!r}")
        fields[name] = Var(kind, info.description or "")
    return Var("object", doc or (model.__doc__ or ""), fields)


def scalar_var(kind: Kind, doc: str) -> Var:
    return Var(kind, doc)


@dataclass(frozen=True, slots=True, eq=False)
class Site:
    """Where an expression is evaluated: its variables and the kind of result it must give."""

    name: str
    doc: str
    variables: Mapping[str, Var]
    result: Result

    def with_variable(self, name: str, var: Var) -> "Site":
        return replace(self, variables={**self.variables, name: var})

    def describe(self) -> str:
        """One line for editors: the result kind and the variables available."""
        names = ", ".join(self.variables)
        return f"CEL ({self.result}). {self.doc} Variables: {names}."

    def sample_context(self, variant: int) -> dict[str, Any]:
        return {name: var.sample(variant) for name, var in self.variables.items()}


NOW = scalar_var("timestamp", "当前时间，由流程传入 (the workflow's now; never the clock)")
_SUBJECT = object_var(facts.SubjectFacts, "考核对象 the unit or cadre assessed")
_OCCASION = scalar_var(
    "string", "考核事由 year_end_assessment | cadre_inspection | award_selection"
)
_PERIOD = scalar_var("string", "考核期 e.g. '2025'")
_ORG = object_var(facts.OrgFacts, "年检组织 the organisation inspected")
_YEAR = scalar_var("int", "年检年度 the inspection year")
_MEMBER = object_var(facts.MemberFacts, "流动党员 the floating member")
_MENTOR = object_var(facts.MentorFacts, "帮带人候选 a candidate mentor")
_ATTENDANCE = object_var(facts.AttendanceFacts, "组织生活参加情况 attendance in the window")
_CANDIDATE = object_var(facts.CandidateFacts, "招录对象 a recruitment candidate")
_WORKER = object_var(facts.WorkerFacts, "社区工作者 the community worker")
_PROGRESS = object_var(facts.ProgressFacts, "践诺进度 the member's progress this year")

_P1 = {"subject": _SUBJECT, "occasion": _OCCASION, "period": _PERIOD, "now": NOW}

P1_SCOPE = Site("dual_assessment.scope", "Is the subject in scope?", _P1, "bool")
P1_CONSULTED_ORG = Site(
    "dual_assessment.consulted_org",
    "Which community organisation gives the opinion?",
    _P1,
    "string",
)
P1_EVIDENCE = Site("dual_assessment.evidence", "One piece of evidence.", _P1, "scalar")
P1_GRADE = Site(
    "dual_assessment.grade_constraint",
    "Does the constraint apply? `evidence` holds the evidence items by id.",
    {
        "subject": _SUBJECT,
        "evidence": Var("object", "本案证据 evidence items by id"),
        "grade": scalar_var("string", "拟评等次 the grade proposed"),
        "occasion": _OCCASION,
        "period": _PERIOD,
    },
    "bool",
)
P2_EXEMPTION = Site(
    "annual_inspection.exemption",
    "Is the organisation exempt this year?",
    {"org": _ORG, "year": _YEAR, "now": NOW},
    "bool",
)
P2_CHECKLIST = Site(
    "annual_inspection.checklist",
    "Does the organisation pass this checklist item?",
    {"org": _ORG, "year": _YEAR, "now": NOW},
    "bool",
)
P3_CREDENTIAL = Site(
    "floating_member.credential",
    "Does this credential fit the member's absence?",
    {"member": _MEMBER, "now": NOW},
    "bool",
)
P3_ASSIGNMENT = Site(
    "floating_member.assignment", "Does this assignment rule apply?", {"member": _MEMBER}, "bool"
)
P3_MENTOR = Site(
    "floating_member.mentor",
    "Can this candidate mentor the member?",
    {"member": _MEMBER, "mentor": _MENTOR},
    "bool",
)
P3_ATTENDANCE = Site(
    "floating_member.attendance",
    "Does attendance call for escalation?",
    {"member": _MEMBER, "attendance": _ATTENDANCE},
    "bool",
)
P4_ELIGIBILITY = Site(
    "community_worker.eligibility",
    "Does the candidate meet this requirement?",
    {"candidate": _CANDIDATE},
    "bool",
)
P4_STEP = Site(
    "community_worker.step", "Does this step rule apply to the worker?", {"worker": _WORKER}, "bool"
)
P4_PARTY = Site(
    "community_worker.party_development",
    "Should the branch approach this worker about joining the Party?",
    {"worker": _WORKER},
    "bool",
)
P5_PROGRESS = Site(
    "commitment.progress",
    "Does this progress alert fire?",
    {"progress": _PROGRESS, "now": NOW},
    "bool",
)

SITES: dict[str, Site] = {
    site.name: site
    for site in (
        P1_SCOPE,
        P1_CONSULTED_ORG,
        P1_EVIDENCE,
        P1_GRADE,
        P2_EXEMPTION,
        P2_CHECKLIST,
        P3_CREDENTIAL,
        P3_ASSIGNMENT,
        P3_MENTOR,
        P3_ATTENDANCE,
        P4_ELIGIBILITY,
        P4_STEP,
        P4_PARTY,
        P5_PROGRESS,
    )
}
