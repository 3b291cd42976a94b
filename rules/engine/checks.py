"""Load-time checks across rule files: references to undefined names, cycles among org-type
groups, duplicate rule ids, grades outside their scale, processes without a start event."""

import difflib
from collections.abc import Mapping

from pydantic import BaseModel

from models.deadline import CardLevel
from rules.engine.errors import RuleError
from rules.engine.schema.annual_inspection import AnnualInspectionRules
from rules.engine.schema.commitment import CommitmentRules
from rules.engine.schema.community_worker import CommunityWorkerRules
from rules.engine.schema.dual_assessment import DualAssessmentRules
from rules.engine.schema.events import PROCESSES, EventRules, StartRoute
from rules.engine.schema.floating_member import FloatingMemberRules
from rules.engine.schema.shared import SharedRules
from rules.engine.walk import marked_values, rule_ids
from rules.engine.yamldoc import YamlDocument

_KIND_NAMES = {
    "org_type": "org type",
    "role": "role",
    "schedule": "reminder schedule",
    "ladder": "escalation ladder",
    "grade_scale": "grade scale",
    "occupation_group": "occupation group",
    "occasion": "occasion",
    "credential": "credential",
}
_LEVEL_ORDER = {CardLevel.NORMAL: 0, CardLevel.YELLOW: 1, CardLevel.RED: 2}


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def expand_org_types(
    shared: SharedRules, doc: YamlDocument
) -> tuple[dict[str, frozenset[str]], list[RuleError]]:
    """Each org type and group → the set of org types it stands for; cycles are errors."""
    errors: list[RuleError] = []
    groups = shared.org_type_groups
    result: dict[str, frozenset[str]] = {name: frozenset({name}) for name in shared.org_types}
    for name in groups:
        if name in shared.org_types:
            errors.append(
                doc.error(
                    ("org_type_groups", name),
                    f"group {name!r} has the name of an org type; give it another name",
                    at_key=True,
                )
            )
    reported: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> frozenset[str]:
        if name in result:
            return result[name]
        if name in trail:
            cycle = [*trail[trail.index(name) :], name]
            if name not in reported:
                reported.update(cycle)
                errors.append(
                    doc.error(
                        ("org_type_groups", name),
                        f"org type groups include each other in a cycle: {' → '.join(cycle)}",
                        at_key=True,
                    )
                )
            return frozenset()
        members: set[str] = set()
        for member in groups[name].members:
            if member in groups or member in shared.org_types:
                members |= visit(member, (*trail, name))
        expanded = frozenset(members)
        result[name] = expanded
        return expanded

    for name in groups:
        visit(name, ())
    return result, errors


def shared_checks(shared: SharedRules, doc: YamlDocument) -> list[RuleError]:
    """Roles named by reminders and ladders exist; ladders climb normal → yellow → red."""
    errors: list[RuleError] = []
    roles = list(shared.roles)
    for name, schedule in shared.reminder_schedules.items():
        for index, reminder in enumerate(schedule):
            if reminder.to not in shared.roles:
                errors.append(
                    doc.error(
                        ("reminder_schedules", name, index, "to"),
                        f"undefined role {reminder.to!r}{_suggest(reminder.to, roles)}",
                    )
                )
    for name, ladder in shared.escalation_ladders.items():
        previous = -1
        for index, step in enumerate(ladder):
            if step.to not in shared.roles:
                errors.append(
                    doc.error(
                        ("escalation_ladders", name, index, "to"),
                        f"undefined role {step.to!r}{_suggest(step.to, roles)}",
                    )
                )
            if _LEVEL_ORDER[step.level] < previous:
                errors.append(
                    doc.error(
                        ("escalation_ladders", name, index, "level"),
                        "a ladder climbs normal → yellow → red; this step goes down",
                    )
                )
            previous = _LEVEL_ORDER[step.level]
    return errors


def defined_names(shared: SharedRules, model: BaseModel) -> dict[str, list[str]]:
    """Names each reference kind may use, from shared.yaml and the file itself."""
    names: dict[str, list[str]] = {
        "org_type": [*shared.org_types, *shared.org_type_groups],
        "role": list(shared.roles),
        "schedule": list(shared.reminder_schedules),
        "ladder": list(shared.escalation_ladders),
        "grade_scale": list(shared.grade_scales),
        "occupation_group": list(shared.occupation_groups),
    }
    if isinstance(model, DualAssessmentRules):
        names["occasion"] = list(model.occasions)
    if isinstance(model, FloatingMemberRules):
        names["credential"] = list(model.credentials)
    return names


def reference_errors(
    model: BaseModel, doc: YamlDocument, names: Mapping[str, list[str]]
) -> list[RuleError]:
    """Every Ref-marked value must name something defined."""
    errors: list[RuleError] = []
    for found in marked_values(model):
        marker = found.marker
        kind = getattr(marker, "kind", None)
        if kind is None or kind not in names:
            continue
        if found.value not in names[kind]:
            label = _KIND_NAMES.get(kind, kind)
            errors.append(
                doc.error(
                    found.path,
                    f"undefined {label} {found.value!r}{_suggest(found.value, names[kind])}",
                    at_key=found.is_key,
                )
            )
    return errors


def duplicate_ids(model: BaseModel, doc: YamlDocument) -> list[RuleError]:
    """Rule ids are unique within a file: traces name a rule by (file, id)."""
    errors: list[RuleError] = []
    first: dict[str, tuple[int, int]] = {}
    for path, rule_id in rule_ids(model):
        line, column = doc.position(path)
        if rule_id in first:
            at = first[rule_id]
            errors.append(
                doc.error(path, f"duplicate rule id {rule_id!r} (first used at line {at[0]})")
            )
        else:
            first[rule_id] = (line, column)
    return errors


def grade_errors(shared: SharedRules, model: BaseModel, doc: YamlDocument) -> list[RuleError]:
    """Grades named in a file belong to the scale they are used with."""
    scales = shared.grade_scales
    checks: list[tuple[tuple[str | int, ...], str, str]] = []
    if isinstance(model, DualAssessmentRules):
        for index, rule in enumerate(model.grade_constraints):
            scale = getattr(model.grade_scales, rule.subject_type)
            checks.append((("grade_constraints", index, "best_allowed"), rule.best_allowed, scale))
    elif isinstance(model, CommunityWorkerRules):
        for grade in model.assessment.caps:
            checks.append((("assessment", "caps", grade), grade, model.assessment.scale))
    elif isinstance(model, CommitmentRules):
        for index, threshold in enumerate(model.evaluation.thresholds):
            threshold_path = ("evaluation", "thresholds", index, "grade")
            checks.append((threshold_path, threshold.grade, model.evaluation.scale))
    errors: list[RuleError] = []
    for path, grade, scale_name in checks:
        scale = scales.get(scale_name)
        if scale is not None and grade not in scale.grades:
            errors.append(
                doc.error(
                    path,
                    f"undefined grade {grade!r} in scale {scale_name!r}"
                    f"{_suggest(grade, list(scale.grades))}; "
                    f"the scale has: {', '.join(scale.grades)}",
                    at_key=path[-1] == grade,
                )
            )
    return errors


def event_errors(model: EventRules, doc: YamlDocument) -> list[RuleError]:
    """Every process can be started by some event."""
    started = {route.process for route in model.events.values() if isinstance(route, StartRoute)}
    return [
        doc.error(
            ("events",),
            f"no event starts process {process!r}: add a route with action: start",
            at_key=True,
        )
        for process in PROCESSES
        if process not in started
    ]


def window_errors(
    model: AnnualInspectionRules, doc: YamlDocument, org_type_sets: Mapping[str, frozenset[str]]
) -> list[RuleError]:
    """Every org type in scope has a statutory window: the sign-off needs a deadline."""
    in_scope: set[str] = set()
    for ref in model.scope.org_types:
        in_scope |= org_type_sets.get(ref, frozenset())
    covered: set[str] = set()
    for window in model.statutory_windows:
        for ref in window.org_types:
            covered |= org_type_sets.get(ref, frozenset())
    missing = sorted(in_scope - covered)
    if not missing:
        return []
    return [
        doc.error(
            ("statutory_windows",),
            f"org types in scope without a statutory window: {', '.join(missing)}",
            at_key=True,
        )
    ]
