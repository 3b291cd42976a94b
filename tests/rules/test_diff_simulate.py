"""Before a rule change goes live: what changed in the rules, and what it changes for cases."""

from datetime import UTC, datetime

from rules.engine.diff import diff_rule_sets
from rules.engine.loader import load_files
from rules.engine.processes.run import CaseInputs
from rules.engine.ruleset import RuleSet
from rules.engine.simulate import compare_cases, dry_run, load_scenario
from tests.rules.helpers import RULES_DIR, edited

P1 = "dual_assessment.yaml"


def _draft(files: dict[str, bytes]) -> RuleSet:
    files = edited(files, P1, "before: 5wd", "before: 3wd")
    files = edited(
        files, P1, "evidence.community_activities < 4", "evidence.community_activities < 2"
    )
    files = edited(files, "floating_member.yaml", "  - id: new_sector_workers", "  - id: couriers")
    return load_files(files)


def test_diff_names_changes_by_rule(
    default_files: dict[str, bytes], default_rules: RuleSet
) -> None:
    """The diff reads by file, rule id and field, not by line."""
    lines = [c.format() for c in diff_rule_sets(default_rules, _draft(default_files))]
    assert lines == [
        "~ dual_assessment.yaml grade_constraints[cadre_min_community_activities].when: "
        "evidence.community_activities < 4 → evidence.community_activities < 2",
        "~ dual_assessment.yaml opinion_task.due.before: 5wd → 3wd",
        "- floating_member.yaml assignment.rules[new_sector_workers]: "
        "new_sector_workers (新就业群体编入新兴领域党支部)",
        "+ floating_member.yaml assignment.rules[couriers]: "
        "couriers (新就业群体编入新兴领域党支部)",
    ]


def test_diff_of_identical_sets_is_empty(default_rules: RuleSet) -> None:
    """Comparing a rule set with itself shows nothing."""
    assert diff_rule_sets(default_rules, default_rules) == []


def test_simulate_scenario(default_files: dict[str, bytes], default_rules: RuleSet) -> None:
    """The example scenario shows the changed due date and grade decision, case by case."""
    cases = load_scenario(RULES_DIR / "scenarios" / "example.yaml")
    report = compare_cases(default_rules, _draft(default_files), cases)
    changed = {case.case_id: [c.format() for c in case.changes] for case in report.changed}
    cadre = "机关干部年终考核（社区活动 3 次）"
    assert changed[cadre] == [
        "check_grade: {'allowed': False, 'best_allowed': '称职', 'reasons': "
        "['本年度参加社区活动少于 4 次，社区意见不得为“优秀”']} [cadre_min_community_activities] → "
        "{'allowed': True, 'best_allowed': '优秀', 'reasons': []}",
        "opinion.due_at: '2026-01-09T18:00:00+08:00' [opinion_task] → "
        "'2026-01-13T18:00:00+08:00' [opinion_task]",
    ]
    assert "流入快递员" not in changed  # a renamed rule that decides the same changes nothing
    assert "社区工作者晋档" not in changed
    assert report.format().endswith(f"{len(report.changed)} of {len(cases)} cases would change")


def test_dry_run_for_one_recorded_case(
    default_files: dict[str, bytes], default_rules: RuleSet
) -> None:
    """Moving one running case to a new version first shows what would change for it."""
    case = CaseInputs(
        case_id="dual_assessment/cadre-1/year_end_assessment/2025",
        process="dual_assessment",
        now=datetime(2025, 12, 1, tzinfo=UTC),
        inputs={
            "subject": {"subject_type": "cadre", "party_member": True},
            "closes_at": "2026-01-16T18:00:00+08:00",
        },
    )
    report = dry_run(default_rules, _draft(default_files), case)
    assert [c.decision for c in report.changes] == ["opinion.due_at"]
