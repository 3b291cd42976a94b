"""The 大党委 coverage report: who is inside and outside per community and type, and who joined."""

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cli import report_cmd
from cli.coverage_cmd import render_coverage
from db import queries
from db.coverage import coverage_report
from db.migrate import upgrade
from db.sample import load_sample_registry
from db.sample.data import AS_OF, THIS_YEAR
from db.session import create_engine, session_factory
from db.tables import METADATA
from db.vocab import OrgType
from rules.engine.loader import load_folder
from tests.db.builders import organisation, two_communities
from tests.workflows.case_support import RULES_DIR


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """Community A: two property companies (one joined in March), an agency, a non-public
    enterprise outside and one that left in June; community B: an owners' committee inside
    since 2025."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    async with session_factory(engine)() as session:
        await two_communities(session)
        await organisation(session, "p1", OrgType.PROPERTY_COMPANY, joined_on=date(2026, 3, 1))
        await organisation(session, "p2", OrgType.PROPERTY_COMPANY)
        await organisation(session, "gov", OrgType.AGENCY, joined_on=date(2024, 1, 1))
        await organisation(session, "np", OrgType.NON_PUBLIC_ENTERPRISE)
        await organisation(session, "nq", OrgType.NON_PUBLIC_ENTERPRISE, joined_on=date(2025, 1, 1))
        await queries.leave_big_committee(session, "nq", date(2026, 6, 30))
        await organisation(session, "oc", OrgType.OWNERS_COMMITTEE, "B", joined_on=date(2025, 5, 1))
        await session.commit()
        yield session
    await engine.dispose()


async def test_coverage_lists_who_is_outside_and_who_joined_this_year(
    session: AsyncSession,
) -> None:
    """Per community and type: members, the share, new members this year and who is outside."""
    report = await coverage_report(session, load_folder(RULES_DIR), date(2026, 11, 26))
    lines = {(line.community_id, line.org_type): line for line in report.lines}
    property_a = lines[("A", "property_company")]
    assert (property_a.total, property_a.members, property_a.share) == (2, 1, 0.5)
    assert [o.org_id for o in property_a.joined_since] == ["p1"]
    assert [o.org_id for o in property_a.outside] == ["p2"]
    assert lines[("A", "agency")].joined_since == []
    enterprises = lines[("A", "non_public_enterprise")]
    assert [o.org_id for o in enterprises.outside] == ["np", "nq"]
    assert [o.org_id for o in enterprises.left_since] == ["nq"]
    assert lines[("B", "owners_committee")].share == 1.0
    totals = report.totals
    assert (totals.total, totals.members, totals.joined_since, totals.left_since) == (6, 3, 1, 1)
    assert report.since == date(2026, 1, 1)
    text = render_coverage(report)
    assert "东城社区" in text
    assert "物业公司" in text
    assert "组织p2（p2）" in text
    assert text.splitlines()[2].split() == [
        *("社区", "组织类型", "总数", "成员单位", "覆盖率", "新加入", "退出", "未加入"),
    ]
    assert text.splitlines()[-2:] == [
        "2026-01-01 以来退出大党委的单位",
        "  东城社区 · 非公企业：组织nq（nq）",
    ]


async def test_coverage_on_an_earlier_date_and_one_community(session: AsyncSession) -> None:
    """Before the March join community A's property companies were all outside."""
    report = await coverage_report(
        session, load_folder(RULES_DIR), date(2026, 2, 1), community_id="A"
    )
    assert {line.community_id for line in report.lines} == {"A"}
    property_a = next(line for line in report.lines if line.org_type == "property_company")
    assert (property_a.members, len(property_a.outside)) == (0, 2)


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="grassroots")
    report_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``grassroots report coverage`` reading the sample registry from a SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'grassroots.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("GRASSROOTS_RULES_DIR", str(RULES_DIR))

    async def load() -> None:
        await upgrade(url)
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                await load_sample_registry(session)
        finally:
            await engine.dispose()

    asyncio.run(load())


def test_command_counts_who_joined_and_who_left(
    sample: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """汾河社区 this year: 3 joined and 惠民便利店 left, in the table and in the JSON."""
    argv = ("report", "coverage", "--at", AS_OF.isoformat(), "--community", "fenhe")
    assert _run(*argv) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[-3:] == [
        "",
        f"{THIS_YEAR}-01-01 以来退出大党委的单位",
        "  汾河社区 · 个体工商户：惠民便利店（org31）",
    ]
    total = next(line for line in table if line.startswith("合计")).split()
    assert total[1:] == ["20", "11", "55%", "3", "1", "9"]
    assert _run(*argv, "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"] == {"total": 20, "members": 11, "joined_since": 3, "left_since": 1}


def test_command_refuses_a_period_ending_before_it_starts(
    sample: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """--since after --at exits non-zero and names both days; nothing is printed as a report."""
    assert _run("report", "coverage", "--at", "2026-03-01", "--since", "2026-06-01") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "--since 2026-06-01 is after --at 2026-03-01" in err
    assert "统计起始日期 2026-06-01 晚于报告日期 2026-03-01" in err


def test_command_names_an_unknown_community(
    sample: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped community id exits non-zero naming it, instead of an empty "100%" table."""
    assert _run("report", "coverage", "--community", "fenghe") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "unknown community 'fenghe'" in err
