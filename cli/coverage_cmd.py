"""``grassroots report coverage``: 大党委 coverage per community and organisation type — who is
inside, who is still outside, and who joined and who left since the start of the year."""

import argparse
import asyncio
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from cli.report_cmd import active_rules, add_format, emit, read_database
from db.base import local_today
from db.coverage import CoverageLine, CoverageReport, OrgEntry, coverage_report
from db.errors import InvalidPeriod, UnknownReference


def add_coverage(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``coverage`` to ``grassroots report``."""
    parser = commands.add_parser(
        "coverage",
        help="大党委 coverage per community and organisation type, and who is still outside",
        description="大党委覆盖情况：按社区、组织类型统计成员单位和尚未加入的单位，以及统计期内新加入和"
        "退出的单位（期初成员 + 新加入 − 退出 = 成员单位）。"
        "统计的组织类型取自 rules/annual_inspection.yaml 的 coverage_org_types。",
    )
    parser.add_argument("--at", type=date.fromisoformat, help="report date (default: today)")
    parser.add_argument(
        "--since",
        type=date.fromisoformat,
        help="count joins and departures from (default: 1 January; not after --at)",
    )
    parser.add_argument("--community", help="one community id")
    add_format(parser)
    parser.set_defaults(func=_coverage)


def _coverage(args: argparse.Namespace) -> int:
    from logconfig import configure_logging
    from settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    rules = active_rules()
    url = settings.effective_database_url
    at = args.at or local_today()

    async def query(session: AsyncSession) -> CoverageReport:
        return await coverage_report(
            session, rules, at, since=args.since, community_id=args.community
        )

    try:
        report = asyncio.run(read_database(url, query))
    except InvalidPeriod as err:
        print(
            f"error: --since {err.since.isoformat()} is after --at {err.at.isoformat()}"
            f"（统计起始日期 {err.since.isoformat()} 晚于报告日期 {err.at.isoformat()}）",
            file=sys.stderr,
        )
        return 1
    except UnknownReference as err:
        print(f"error: unknown community {err.key!r}（没有这个社区）", file=sys.stderr)
        return 1
    emit(report, args.format, lambda: render_coverage(report))
    return 0


def render_coverage(report: CoverageReport) -> str:
    """The report as a table in Chinese, then the organisations still outside."""
    totals = report.totals
    lines = [
        f"大党委覆盖情况　截至 {report.at.isoformat()}"
        f"（新加入、退出自 {report.since.isoformat()} 起）"
        f"　规则版本 {report.rule_version}",
        "",
    ]
    rows = [["社区", "组织类型", "总数", "成员单位", "覆盖率", "新加入", "退出", "未加入"]]
    for line in report.lines:
        rows.append(
            [
                line.community_name,
                line.org_type_label,
                str(line.total),
                str(line.members),
                f"{line.share:.0%}",
                str(len(line.joined_since)),
                str(len(line.left_since)),
                str(len(line.outside)),
            ]
        )
    outside = totals.total - totals.members
    rows.append(
        [
            "合计",
            "",
            str(totals.total),
            str(totals.members),
            f"{totals.share:.0%}",
            str(totals.joined_since),
            str(totals.left_since),
            str(outside),
        ]
    )
    lines += _table(rows)
    lines += _listing("尚未加入大党委的单位", report.lines, lambda line: line.outside)
    left = f"{report.since.isoformat()} 以来退出大党委的单位"
    lines += _listing(left, report.lines, lambda line: line.left_since)
    return "\n".join(lines)


def _listing(
    title: str, lines: Sequence[CoverageLine], orgs: Callable[[CoverageLine], list[OrgEntry]]
) -> list[str]:
    """The organisations ``orgs`` picks from each line, under ``title``; nothing if none."""
    listed = [line for line in lines if orgs(line)]
    if not listed:
        return []
    text = ["", title]
    for line in listed:
        names = "、".join(f"{o.name}（{o.org_id}）" for o in orgs(line))
        text.append(f"  {line.community_name} · {line.org_type_label}：{names}")
    return text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]
