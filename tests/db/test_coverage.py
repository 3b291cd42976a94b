"""The 大党委 coverage report on the sample registry: how membership changed over the year adds
up, and periods or communities that make no sense are refused."""

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.coverage import CoverageLine, coverage_report
from db.errors import InvalidPeriod, UnknownReference
from db.sample import load_sample_registry
from db.sample.data import AS_OF, THIS_YEAR
from rules.engine.loader import load_folder
from tests.workflows.case_support import RULES_DIR

NEW_YEAR = date(THIS_YEAR, 1, 1)


def _key(line: CoverageLine) -> tuple[str, str]:
    return line.community_id, line.org_type


async def test_members_then_plus_joined_minus_left_are_members_now(session: AsyncSession) -> None:
    """Per line and in total, members on ``since`` + joined − left = members on ``at``; in 汾河社区
    9 members on 1 January, 3 joined and 惠民便利店 (org31) left on 15 March, so 11 now."""
    await load_sample_registry(session)
    rules = load_folder(RULES_DIR)
    then = await coverage_report(session, rules, NEW_YEAR)
    now = await coverage_report(session, rules, AS_OF, since=NEW_YEAR)
    members_then = {_key(line): line.members for line in then.lines}

    for line in now.lines:
        joined, left = len(line.joined_since), len(line.left_since)
        assert members_then.get(_key(line), 0) + joined - left == line.members, _key(line)
        assert not {o.org_id for o in line.joined_since} & {o.org_id for o in line.left_since}
    totals = now.totals
    assert then.totals.members + totals.joined_since - totals.left_since == totals.members

    fenhe_then = await coverage_report(session, rules, NEW_YEAR, community_id="fenhe")
    fenhe = await coverage_report(session, rules, AS_OF, since=NEW_YEAR, community_id="fenhe")
    assert (fenhe_then.totals.members, fenhe.totals.members) == (9, 11)
    assert (fenhe.totals.joined_since, fenhe.totals.left_since) == (3, 1)
    [shop] = [line for line in fenhe.lines if line.left_since]
    assert (shop.org_type, [o.org_id for o in shop.left_since]) == (
        "individual_business",
        ["org31"],
    )


async def test_a_period_that_ends_before_it_starts_is_refused(session: AsyncSession) -> None:
    """``since`` after ``at`` names both days instead of giving a report of nonsense."""
    await load_sample_registry(session)
    with pytest.raises(InvalidPeriod, match=f"since {THIS_YEAR}-12-01 is after at {AS_OF}"):
        await coverage_report(session, load_folder(RULES_DIR), AS_OF, since=date(THIS_YEAR, 12, 1))
    same_day = await coverage_report(session, load_folder(RULES_DIR), AS_OF, since=AS_OF)
    assert same_day.totals.joined_since == same_day.totals.left_since == 0


async def test_an_unknown_community_is_refused(session: AsyncSession) -> None:
    """A mistyped community id names the id instead of giving an empty "100%" report."""
    await load_sample_registry(session)
    with pytest.raises(UnknownReference, match="unknown community: 'fenghe'"):
        await coverage_report(session, load_folder(RULES_DIR), AS_OF, community_id="fenghe")
