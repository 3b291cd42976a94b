"""CEL expressions as rule authors write them: fields, has(), macros, and what traces record."""

from rules.engine import sites
from rules.engine.cel import compile_expr

MEMBER = {"age": 40, "occupation": "快递员", "grid_id": "g1"}
MENTOR = {"id": "m1", "age": 60, "party_years": 12, "mentees": 1}


def test_trace_records_exactly_the_fields_read() -> None:
    """A decision's trace lists the fields its condition read, by their dotted names."""
    expr, issues = compile_expr("mentor.party_years >= 3 && member.age < 70", sites.P3_MENTOR)
    assert issues == []
    assert expr is not None
    outcome, read = expr.evaluate({"member": MEMBER, "mentor": MENTOR})
    assert outcome is True
    assert expr.trace_inputs(read) == {"mentor.party_years": 12, "member.age": 40}


def test_has_and_whole_objects_work() -> None:
    """has() and other whole-object uses give the same answers as plain field reads."""
    expr, issues = compile_expr('has(mentor.id) && member.occupation != ""', sites.P3_MENTOR)
    assert issues == []
    assert expr is not None
    outcome, read = expr.evaluate({"member": MEMBER, "mentor": MENTOR})
    assert outcome is True
    assert set(read) == {"mentor", "member"}


def test_macro_variables_are_not_unknown() -> None:
    """Names bound by exists/all/map/filter are allowed inside the macro."""
    source = '["快递员", "外卖骑手"].exists(o, o == member.occupation)'
    expr, issues = compile_expr(source, sites.P3_ASSIGNMENT)
    assert issues == []
    assert expr is not None
    assert expr.evaluate({"member": MEMBER})[0] is True


def test_identifiers_in_strings_and_comments_are_ignored() -> None:
    """Words inside text literals or // comments are not taken for variables."""
    source = 'member.occupation == "grade.bad" // trailing note about foo'
    expr, issues = compile_expr(source, sites.P3_ASSIGNMENT)
    assert issues == []
    assert expr is not None
    assert expr.evaluate({"member": MEMBER})[0] is False
