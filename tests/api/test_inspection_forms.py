"""The inbox's forms for an annual inspection: what a sign-off and a condition's confirmation
send, checked against the payload the case reads (``SignoffSubmitted``)."""

from datetime import date
from pathlib import Path

import pytest

from api.ui.forms import TaskForm, form_for
from models.annual_inspection import SignoffSubmitted
from rules.engine import RuleSet
from tests.workflows.case_support import rule_registry

TODAY = date(2026, 3, 9)


@pytest.fixture
async def rules(tmp_path: Path) -> RuleSet:
    return (await rule_registry(tmp_path)).active


def _form(rules: RuleSet, task_id: str) -> TaskForm:
    form = form_for("annual_inspection", task_id, rules, "书记", TODAY)
    assert form is not None, f"no form for {task_id}"
    return form


def _sent(form: TaskForm, submitted: dict[str, str]) -> SignoffSubmitted:
    """The sign-off as the case reads it, from the form's data and what acting adds."""
    assert form.missing(submitted) == []
    return SignoffSubmitted.model_validate({**form.data(submitted), "actor": "书记"})


def test_the_signoff_form_states_each_conditions_kind_and_time_limit(rules: RuleSet) -> None:
    """Staff choose 加入社区大党委 and a limit in days for a condition: the case gets a
    join_big_committee condition (met by the org's join) with that limit, not an 'other' one."""
    form = _form(rules, "signoff-1")
    labels = [f.label for f in form.fields]
    assert "条件1类型" in labels
    kinds = next(f for f in form.fields if f.name == "condition_1_kind").options
    assert [text for _, text in kinds] == ["加入社区大党委", "其他"]

    signoff = _sent(
        form,
        {
            "decision": "conditional",
            "condition_1": "30日内加入社区大党委",
            "condition_1_kind": "join_big_committee",
            "condition_1_days": "30",
            "condition_2": "明确党建联络员",
            "condition_2_kind": "",
            "condition_2_days": "",
            "condition_3": "",
            "condition_3_kind": "other",
            "condition_3_days": "15",
        },
    )
    assert signoff.decision == "conditional"
    [join, other] = signoff.conditions
    assert (join.text, join.kind, join.within and join.within.text) == (
        "30日内加入社区大党委",
        "join_big_committee",
        "30d",
    )
    assert (other.text, other.kind, other.within) == ("明确党建联络员", "other", None)


def test_a_plain_signoff_from_the_form_has_no_conditions(rules: RuleSet) -> None:
    """同意 with reasons sends the reasons and no condition."""
    signoff = _sent(
        _form(rules, "signoff-2"), {"decision": "granted", "reasons": "材料齐全\n已建联络员"}
    )
    assert (signoff.decision, signoff.reasons, signoff.conditions) == (
        "granted",
        ["材料齐全", "已建联络员"],
        [],
    )


def test_a_condition_task_has_a_form_that_confirms_it_met(rules: RuleSet) -> None:
    """A condition being followed up can be confirmed in the inbox: the form sends the granted
    sign-off that a case following up its conditions accepts."""
    form = _form(rules, "condition-1-2")
    assert form.event_type == "grassroots.inspection.signoff"
    assert form.submit == "确认条件已落实"
    signoff = _sent(form, {"reasons": "已明确党建联络员张某"})
    assert (signoff.decision, signoff.reasons) == ("granted", ["已明确党建联络员张某"])
    assert _sent(form, {}).decision == "granted"
