"""Decisions under the default rules, each with a trace: file, rule, version, inputs, result."""

from datetime import UTC, datetime
from typing import Any

import pytest

from rules.engine.errors import EvaluationError
from rules.engine.facts import (
    AttendanceFacts,
    MemberFacts,
    MentorFacts,
    OrgFacts,
    ProgressFacts,
    SubjectFacts,
    WorkerFacts,
)
from rules.engine.loader import load_files
from rules.engine.processes import (
    AnnualInspection,
    Commitment,
    CommunityWorker,
    DualAssessment,
    FloatingMember,
)
from rules.engine.ruleset import RuleSet
from rules.engine.tasks import task_spec
from tests.rules.helpers import edited

NOW = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
OCCASION, PERIOD = "year_end_assessment", "2025"


def cadre(**changes: Any) -> dict[str, Any]:
    base = SubjectFacts(
        subject_type="cadre",
        id="cadre-1",
        party_member=True,
        reported_in=True,
        report_community_id="c-east",
        residence_community_id="c-west",
        community_activities=3,
    )
    return base.model_copy(update=changes).model_dump()


def test_grade_check_trace_names_rule_version_inputs(default_rules: RuleSet) -> None:
    """Refusing 优秀 for 3 community activities shows the rule, its file, version and inputs."""
    p1 = DualAssessment.of(default_rules)
    subject = cadre()
    evidence = p1.evidence(subject, OCCASION, PERIOD, NOW).result
    decision = p1.check_grade(subject, evidence, "优秀", OCCASION, PERIOD)
    assert decision.result.allowed is False
    assert decision.result.best_allowed == "称职"
    trace = decision.trace.to_dict()
    assert trace["file"] == "dual_assessment.yaml"
    assert trace["rule_id"] == "cadre_min_community_activities"
    assert trace["version"] == default_rules.version
    assert trace["inputs"] == {
        "evidence.community_activities": 3,
        "evidence.reported_in": True,
        "evidence.commitment_grade": "",
    }
    assert trace["result"]["reasons"] == ["本年度参加社区活动少于 4 次，社区意见不得为“优秀”"]
    assert trace["steps"][0]["expression"] == "evidence.community_activities < 4"
    assert p1.check_grade(subject, evidence, "称职", OCCASION, PERIOD).result.allowed is True


def test_grade_outside_the_scale_is_refused(default_rules: RuleSet) -> None:
    """A unit grade given to a cadre is refused with the scale it should come from."""
    p1 = DualAssessment.of(default_rules)
    result = p1.check_grade(cadre(), {}, "较好", OCCASION, PERIOD).result
    assert result.allowed is False
    assert result.reasons == ("“较好”不在等次表中（优秀、称职、基本称职、不称职）",)


def test_scope_and_consulted_org(default_rules: RuleSet) -> None:
    """Units by org type, cadres by membership; the cadre's report-in community is consulted."""
    p1 = DualAssessment.of(default_rules)
    unit = SubjectFacts(org_type="agency", community_id="c-north").model_dump()
    shop = SubjectFacts(org_type="individual_business").model_dump()
    assert p1.in_scope(unit, OCCASION, PERIOD, NOW).trace.rule_id == "resident_units"
    assert p1.in_scope(shop, OCCASION, PERIOD, NOW).result is False
    assert p1.consulted_org(unit, OCCASION, PERIOD, NOW).result == "c-north"
    decision = p1.consulted_org(cadre(), OCCASION, PERIOD, NOW)
    assert (decision.result, decision.trace.rule_id) == ("c-east", "cadre_report_in")
    not_reported = cadre(reported_in=False)
    assert p1.consulted_org(not_reported, OCCASION, PERIOD, NOW).result == "c-west"
    assert (
        p1.consulted_org(
            cadre(reported_in=False, residence_community_id=""), OCCASION, PERIOD, NOW
        ).result
        is None
    )


def test_opinion_due_is_a_lead_time_before_closing(default_rules: RuleSet) -> None:
    """The opinion is due five working days before the assessment closes."""
    closes = datetime(2026, 1, 16, 18, 0, tzinfo=UTC)
    due = DualAssessment.of(default_rules).opinion_due(NOW, closes).result
    assert (due.anchor, due.anchor_at, due.offset.text, due.before) == (
        "closes_at",
        closes,
        "5wd",
        True,
    )


def test_inspection_checklist_and_exemption(default_rules: RuleSet) -> None:
    """Each checklist item is traced; a young social organisation is exempt."""
    p2 = AnnualInspection.of(default_rules)
    shop = OrgFacts(org_type="individual_business", has_liaison=True, months_registered=30)
    decision = p2.checklist(shop.model_dump(), 2026, NOW)
    assert decision.result.passed is False
    assert decision.result.failed_required == ("是否为社区大党委成员单位",)
    assert [step.rule_id for step in decision.trace.steps] == [
        "big_committee_member",
        "party_org_or_liaison",
        "party_org_where_required",
        "big_committee_activities",
    ]
    young = OrgFacts(org_type="social_organization", months_registered=4).model_dump()
    exempt = p2.in_scope(young, 2026, NOW)
    assert (exempt.result, exempt.trace.rule_id) == (False, "social_org_newly_registered")
    window = p2.statutory_window(young, 2026).result
    assert window is not None
    assert window.closes_at.isoformat() == "2026-05-31T23:59:59+08:00"


def test_floating_member_assignment_and_mentor(default_rules: RuleSet) -> None:
    """Couriers go to the new-sector branch; others to the nearest household with room."""
    p3 = FloatingMember.of(default_rules)
    courier = MemberFacts(occupation="快递员", grid_id="g1", building_id="b1").model_dump()
    assert p3.assign(courier, []).result.branch == "new_sector"
    teacher = MemberFacts(occupation="教师", grid_id="g1", building_id="b1", unit="2").model_dump()
    place = {"grid_id": "g1", "building_id": "b1", "capacity": 0}
    households = [
        {**place, "id": "full", "unit": "2", "assigned": 5},
        {**place, "id": "near", "unit": "1", "assigned": 1},
    ]
    placed = p3.assign(teacher, households).result
    assert (placed.household_id, placed.match, placed.manual) == ("near", "same_building", False)
    assert p3.assign(teacher, []).result.manual is True
    mentors = [
        MentorFacts(id="young", building_id="b1", party_years=1, age=30).model_dump(),
        MentorFacts(
            id="elder", grid_id="g1", building_id="b9", party_years=20, age=60
        ).model_dump(),
    ]
    assert p3.pair_mentor(teacher, mentors).result == "elder"


def test_credential_and_attendance(default_rules: RuleSet) -> None:
    """The absence decides the credential; low attendance escalates to the grid branch."""
    p3 = FloatingMember.of(default_rules)
    by_months = {
        months: p3.credential_for(MemberFacts(expected_months=months).model_dump(), NOW).result
        for months in (0, 2, 5, 12)
    }
    assert by_months == {
        0: "activity_card",
        2: None,
        5: "certificate_letter",
        12: "introduction_letter",
    }
    low = AttendanceFacts(invited=6, attended=2, rate=2 / 6).model_dump()
    fired = p3.attendance_escalations(MemberFacts().model_dump(), low)
    assert fired.result == (("low_attendance", "grid_branch"),)


def test_worker_step_and_entry_grade(default_rules: RuleSet) -> None:
    """Three good years move a worker up one grade; a bachelor's degree starts one grade up."""
    p4 = CommunityWorker.of(default_rules)
    worker = WorkerFacts(
        post="staff", grade=4, years_in_grade=3, tiers_since_step=3, good_tiers_since_step=3
    ).model_dump()
    step = p4.step(worker)
    assert (step.result.new_grade, step.trace.rule_id) == (5, "regular")
    poor = {**worker, "poor_tiers_since_step": 1}
    assert p4.step(poor).result.new_grade == 4
    assert p4.entry_grade("head", "bachelor").result == 8
    assert p4.entry_grade("staff", "high_school").result == 1


def test_commitment_items_and_evaluation(default_rules: RuleSet) -> None:
    """Commitments hold 2–5 known items; the weighted score earns a grade."""
    p5 = Commitment.of(default_rules)
    assert p5.check_items(["policy_publicity"]).result.problems == (
        "承诺事项应为 2–5 项，现为 1 项",
    )
    scores = {"self": 95, "members": 88, "residents": 90, "organisation": 92}
    result = p5.evaluate(scores).result
    assert (result.score, result.grade) == (90.8, "优秀")
    late = ProgressFacts(quarter=3, items=3, logs=2, items_with_service=2).model_dump()
    assert p5.progress_alerts(late, NOW).result == (("items_untouched_by_q3", "branch"),)


def test_deciders_are_built_once_per_version(default_rules: RuleSet) -> None:
    """Compiled rules are cached per version: a second lookup costs nothing."""
    assert DualAssessment.of(default_rules) is DualAssessment.of(default_rules)


def test_a_case_keeps_its_version(default_files: dict[str, bytes], default_rules: RuleSet) -> None:
    """Evaluating under the pinned version is unaffected by a newer one."""
    rule = "evidence.community_activities < "
    newer = load_files(edited(default_files, "dual_assessment.yaml", f"{rule}4", f"{rule}2"))
    subject = cadre()
    evidence = {"community_activities": 3, "reported_in": True, "commitment_grade": ""}
    pinned = DualAssessment.of(default_rules).check_grade(
        subject, evidence, "优秀", OCCASION, PERIOD
    )
    latest = DualAssessment.of(newer).check_grade(subject, evidence, "优秀", OCCASION, PERIOD)
    assert (pinned.result.allowed, latest.result.allowed) == (False, True)
    assert (pinned.trace.version, latest.trace.version) == (default_rules.version, newer.version)


def test_missing_input_is_a_clear_error(default_rules: RuleSet) -> None:
    """A caller that forgets a fact gets an error naming it, not a wrong decision."""
    subject = cadre()
    del subject["party_member"]
    with pytest.raises(EvaluationError, match="party_member"):
        DualAssessment.of(default_rules).in_scope(subject, OCCASION, PERIOD, NOW)


def test_task_spec_resolves_schedule_and_ladder(default_rules: RuleSet) -> None:
    """The opinion task carries the shared reminders and the yellow/red ladder to the deadline."""
    due_at = datetime(2026, 1, 9, 10, 0, tzinfo=UTC)
    task = default_rules.dual_assessment.opinion_task
    spec = task_spec(default_rules, task, task_id="opinion", owner="c-east", due_at=due_at)
    assert (spec.title, spec.owner, spec.due_at, spec.max_extensions) == (
        "出具社区党组织意见",
        "c-east",
        due_at,
        1,
    )
    assert [r.at.fraction for r in spec.reminders] == [0.5, 0.9]
    assert [(s.level.label, s.to) for s in spec.escalation] == [
        ("黄牌", "street_committee"),
        ("红牌", "street_committee"),
    ]
