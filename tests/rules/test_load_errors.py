"""Every kind of bad rule file is refused at load time with ``file:line:column: message``."""

from tests.rules.helpers import edited, errors_of, where

P1 = "dual_assessment.yaml"
CONSTRAINT = "when: evidence.community_activities < 4"


def test_yaml_syntax_error(default_files: dict[str, bytes]) -> None:
    """A broken YAML file is reported at the character the parser stopped on."""
    files = edited(
        default_files, "shared.yaml", "  owner: {label: 承办单位}", "  owner: {label: 承办单位"
    )
    at = where(files, "shared.yaml", "community_party_org:", len("community_party_org"))
    assert errors_of(files) == [
        f"{at}: YAML syntax error: expected ',' or '}}', but got ':' (while parsing a flow mapping)"
    ]


def test_duplicate_yaml_key(default_files: dict[str, bytes]) -> None:
    """A key written twice is an error, not silently the last one."""
    files = edited(
        default_files,
        "shared.yaml",
        "  agency: {label: 机关}\n",
        "  agency: {label: 机关}\n  agency: {label: 机关单位}\n",
    )
    at = where(files, "shared.yaml", "  agency: {label: 机关单位}", 2)
    assert errors_of(files) == [f"{at}: duplicate key 'agency': each key may appear once"]


def test_unknown_key_suggests_the_right_one(default_files: dict[str, bytes]) -> None:
    """A misspelt key is refused at the key, with the key that was probably meant."""
    files = edited(default_files, P1, "    before: 5wd", "    befor: 5wd")
    assert errors_of(files) == [
        f"{where(files, P1, 'befor:')}: unknown key 'befor' (did you mean 'before'?)"
    ]


def test_unknown_key_lists_the_allowed_keys(default_files: dict[str, bytes]) -> None:
    """A key the schema does not know is refused, listing what the mapping may hold."""
    files = edited(
        default_files, "shared.yaml", "{label: 承办单位}", "{label: 承办单位, colour: red}"
    )
    at = where(files, "shared.yaml", "colour")
    assert errors_of(files) == [
        f"{at}: unknown key 'colour'; allowed here: label, description, basis"
    ]


def test_wrong_type(default_files: dict[str, bytes]) -> None:
    """A value of the wrong type names the field and what it should be."""
    files = edited(default_files, P1, "    max: 1\n", "    max: one\n")
    assert errors_of(files) == [
        f"{where(files, P1, 'one')}: opinion_task.extension.max: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_missing_key(default_files: dict[str, bytes]) -> None:
    """A required key that is missing is reported at the mapping that lacks it."""
    files = edited(default_files, P1, "  title: 出具社区党组织意见\n", "")
    assert errors_of(files) == [
        f"{where(files, P1, 'opinion_task:')}: missing required key 'title' in opinion_task"
    ]


def test_invalid_duration(default_files: dict[str, bytes]) -> None:
    """A duration that cannot be read says how durations are written."""
    files = edited(default_files, P1, "before: 5wd", "before: 5 working days")
    assert errors_of(files) == [
        f"{where(files, P1, '5 working days')}: opinion_task.due.before: invalid duration "
        "'5 working days': use a number and a unit (30d, 5wd, 12h, 2w, 90m) "
        "or ISO 8601 (P1M, P1Y, PT4H)"
    ]


def test_unknown_event_action(default_files: dict[str, bytes]) -> None:
    """An event route with an unknown action lists the actions there are."""
    files = edited(default_files, "events.yaml", "action: update", "action: updat")
    at = where(files, "events.yaml", "updat\n")
    assert errors_of(files) == [
        f"{at}: events.grassroots.assessment.opinion_submitted.action: Input tag 'updat' found "
        "using 'action' does not match any of the expected tags: "
        "'start', 'signal', 'update', 'registry'"
    ]


def test_case_key_placeholder_must_be_required(default_files: dict[str, bytes]) -> None:
    """A case key using a field the event need not carry is refused."""
    files = edited(
        default_files,
        "events.yaml",
        "annual_inspection/{org_id}/{year}",
        "annual_inspection/{org_id}/{yr}",
    )
    at = where(files, "events.yaml", "grassroots.inspection.requested:")
    assert errors_of(files) == [
        f"{at}: events.grassroots.inspection.requested: "
        "case_key uses {yr}, which is not among the required fields"
    ]


def test_cel_syntax_error_in_plain_scalar(default_files: dict[str, bytes]) -> None:
    """A CEL syntax error points at the character inside the YAML line."""
    files = edited(default_files, P1, CONSTRAINT, "when: evidence.community_activities < ")
    # YAML drops the trailing space: the expression ends right after '<'.
    at = where(files, P1, "evidence.community_activities < \n", 31)
    assert errors_of(files)[0].startswith(
        f"{at}: CEL syntax error: mismatched input '<EOF>' expecting"
    )


def test_cel_syntax_error_in_block_scalar(default_files: dict[str, bytes]) -> None:
    """In a multi-line `|` expression the error points at the right line and column."""
    block = "when: |\n      evidence.community_activities < 4 &&\n        (grade == )"
    files = edited(default_files, P1, CONSTRAINT, block)
    at = where(files, P1, "(grade == )", 10)
    assert errors_of(files)[0].startswith(f"{at}: CEL syntax error: mismatched input ')' expecting")


def test_cel_syntax_error_in_quoted_scalars(default_files: dict[str, bytes]) -> None:
    """Quoted expressions map back too, past the YAML escapes."""
    message = "CEL syntax error: token recognition error at: '\"优秀'"
    double = edited(default_files, P1, CONSTRAINT, 'when: "grade == \\"优秀"')
    single = edited(default_files, P1, CONSTRAINT, "when: 'grade == \"优秀'")
    double_at = where(double, P1, '"优秀')
    single_at = where(single, P1, '"优秀')
    assert errors_of(double)[0].startswith(f"{double_at}: {message}")
    assert errors_of(single)[0].startswith(f"{single_at}: {message}")


def test_cel_type_error(default_files: dict[str, bytes]) -> None:
    """Comparing a number with text is refused at load time, not during a case."""
    files = edited(default_files, P1, CONSTRAINT, 'when: evidence.community_activities < "4"')
    at = where(files, P1, 'evidence.community_activities < "4"')
    assert errors_of(files) == [
        f"{at}: CEL type error: No such overload: "
        "the operation is not defined for the given operand types"
    ]


def test_cel_result_of_the_wrong_kind(default_files: dict[str, bytes]) -> None:
    """A condition that gives a number instead of true/false is refused."""
    files = edited(default_files, P1, CONSTRAINT, "when: evidence.community_activities")
    at = where(files, P1, "evidence.community_activities\n")
    assert errors_of(files) == [f"{at}: CEL type error: the expression must give a bool, not int"]


def test_cel_unknown_variable(default_files: dict[str, bytes]) -> None:
    """A variable the site does not offer is named, with the ones it does."""
    files = edited(default_files, P1, CONSTRAINT, "when: evidense.community_activities < 4")
    at = where(files, P1, "evidense")
    assert errors_of(files) == [
        f"{at}: unknown variable 'evidense' (did you mean 'evidence'?); "
        "dual_assessment.grade_constraint can use: subject, evidence, grade, occasion, period"
    ]


def test_cel_unknown_field(default_files: dict[str, bytes]) -> None:
    """A misspelt field of a documented variable is caught, pointing at the field."""
    files = edited(default_files, P1, CONSTRAINT, "when: evidence.community_activity < 4")
    at = where(files, P1, "community_activity <")
    assert errors_of(files) == [
        f"{at}: unknown field 'evidence.community_activity' "
        "(did you mean 'evidence.community_activities'?); "
        "evidence has: reported_in, community_activities, volunteer_hours, commitment_grade"
    ]


def test_cel_unknown_function(default_files: dict[str, bytes]) -> None:
    """Calling a function CEL does not have is refused."""
    files = edited(default_files, P1, CONSTRAINT, "when: count(evidence.community_activities) < 4")
    assert errors_of(files) == [f"{where(files, P1, 'count(')}: unknown function 'count'"]


def test_undefined_org_type(default_files: dict[str, bytes]) -> None:
    """An org type that shared.yaml does not define is refused where it is used."""
    files = edited(default_files, P1, "org_types: [resident_unit]", "org_types: [resident_units]")
    assert errors_of(files) == [
        f"{where(files, P1, '[resident_units]', 1)}: undefined org type 'resident_units' "
        "(did you mean 'resident_unit'?)"
    ]


def test_undefined_ladder_and_schedule(default_files: dict[str, bytes]) -> None:
    """References to escalation ladders and reminder schedules must exist."""
    files = edited(default_files, P1, "escalation: standard", "escalation: fast")
    files = edited(files, P1, "reminders: standard", "reminders: standrd")
    assert errors_of(files) == [
        f"{where(files, P1, 'standrd')}: undefined reminder schedule 'standrd' "
        "(did you mean 'standard'?)",
        f"{where(files, P1, 'fast')}: undefined escalation ladder 'fast'",
    ]


def test_undefined_role_in_ladder(default_files: dict[str, bytes]) -> None:
    """A ladder may only escalate to a role shared.yaml defines."""
    files = edited(default_files, "shared.yaml", "to: grid_branch", "to: grid_brnch")
    at = where(files, "shared.yaml", "grid_brnch")
    assert errors_of(files) == [f"{at}: undefined role 'grid_brnch' (did you mean 'grid_branch'?)"]


def test_undefined_grade(default_files: dict[str, bytes]) -> None:
    """A grade outside the subject's grade scale is refused, listing the scale."""
    files = edited(default_files, P1, "best_allowed: 较好", "best_allowed: 良好")
    assert errors_of(files) == [
        f"{where(files, P1, '良好')}: undefined grade '良好' in scale 'unit' (did you mean '好'?); "
        "the scale has: 好, 较好, 一般, 差"
    ]


def test_cycle_in_org_type_groups(default_files: dict[str, bytes]) -> None:
    """Org-type groups that include each other are refused, showing the cycle."""
    members = "members: [non_public_enterprise, individual_business"
    files = edited(default_files, "shared.yaml", f"{members}]\n", f"{members}, inspected]\n")
    at = where(files, "shared.yaml", "  non_public:", 2)
    assert errors_of(files) == [
        f"{at}: org type groups include each other in a cycle: non_public → inspected → non_public"
    ]


def test_duplicate_rule_id(default_files: dict[str, bytes]) -> None:
    """Two rules with one id in a file are refused: traces name rules by id."""
    rule_id = "cadre_min_community_activities"
    files = edited(default_files, P1, "id: cadre_not_reported", f"id: {rule_id}")
    first_line = where(files, P1, f"id: {rule_id}").split(":")[1]
    second = where(files, P1, f"id: {rule_id}", 4, nth=2)
    assert errors_of(files) == [
        f"{second}: duplicate rule id {rule_id!r} (first used at line {first_line})"
    ]


def test_every_process_needs_a_start_event(default_files: dict[str, bytes]) -> None:
    """A process no event can start is refused."""
    route = "  grassroots.worker.recruited:\n"
    files = edited(
        default_files,
        "events.yaml",
        f"{route}    action: start",
        f"{route}    action: signal\n    signal: recruited",
    )
    assert errors_of(files) == [
        f"{where(files, 'events.yaml', 'events:')}: no event starts process 'community_worker': "
        "add a route with action: start"
    ]


def test_inspected_org_types_need_a_statutory_window(default_files: dict[str, bytes]) -> None:
    """An org type in the inspection scope without a filing window is refused."""
    old = "org_types: [owners_committee, new_sector_org]"
    files = edited(default_files, "annual_inspection.yaml", old, "org_types: [owners_committee]")
    at = where(files, "annual_inspection.yaml", "statutory_windows:")
    assert errors_of(files) == [
        f"{at}: org types in scope without a statutory window: new_sector_org"
    ]


def test_missing_and_unknown_files(default_files: dict[str, bytes]) -> None:
    """A rule set must have exactly its seven files."""
    files = {k: v for k, v in default_files.items() if k != "commitment.yaml"}
    files["extra.yaml"] = b"a: 1\n"
    assert errors_of(files) == [
        "rules/commitment.yaml:1:1: file is missing from the rule set",
        "rules/extra.yaml:1:1: unknown rule file; a rule set has: shared.yaml, events.yaml, "
        "dual_assessment.yaml, annual_inspection.yaml, floating_member.yaml, "
        "community_worker.yaml, commitment.yaml",
    ]


def test_all_errors_are_reported_together(default_files: dict[str, bytes]) -> None:
    """One load reports every error in every file, so one fix round is enough."""
    files = edited(default_files, P1, "reminders: standard", "reminders: standrd")
    files = edited(files, "commitment.yaml", "members: 0.3", "members: 0.4")
    errors = errors_of(files)
    assert len(errors) == 2
    assert errors[0].startswith("rules/commitment.yaml:")
    assert errors[0].endswith("evaluation: weights must add up to 1, not 1.1")


def test_alias_bomb_is_refused(default_files: dict[str, bytes]) -> None:
    """A file whose aliases expand to millions of values is refused instead of hanging."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    files = {**default_files, "commitment.yaml": bomb.encode("utf-8")}
    assert errors_of(files) == [
        "rules/commitment.yaml:1:1: the file expands to more than 100000 values "
        "(aliases nested too deep?)"
    ]
