"""``grassroots report …``: reports read from the project database, as a table people read
(``--format table``, the default) or JSON another program reads (``--format json``).

Each report is a function in ``REPORTS`` that adds its subcommand; the shared helpers open the
database, load the active rules and print in either format.
"""

import argparse
import asyncio
import logging
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from db.reports import FIGURES, Figure, WorkforceReport, workforce_report
from rules.engine.ruleset import RuleSet

T = TypeVar("T")


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``report`` and its subcommands to the ``grassroots`` command."""
    report = subparsers.add_parser("report", help="reports from the registry and the cases")
    commands = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    # coverage_cmd builds on this module's helpers, so it is imported once they exist.
    from cli.coverage_cmd import add_coverage

    for add in (*REPORTS, add_coverage):
        add(commands)


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="a table to read (default) or JSON for other programs",
    )


def _database_url() -> str:
    from logconfig import configure_logging
    from settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings.effective_database_url


def _rules_folder() -> Path:
    from settings import Settings

    return Settings().rules_dir


def active_rules() -> RuleSet:
    """The rule set in the configured rules folder (what new cases would take)."""
    from rules.engine.loader import load_folder

    return load_folder(_rules_folder())


async def read_database(url: str, query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``query`` on a session of the (migrated) database at ``url``."""
    from db.migrate import upgrade
    from db.session import create_engine, session_factory

    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await query(session)
    finally:
        await engine.dispose()


def emit(report: BaseModel, fmt: str, table: Callable[[], str]) -> None:
    print(report.model_dump_json(indent=2) if fmt == "json" else table())


# --- report workforce ---------------------------------------------------------------------------


def _add_workforce(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = commands.add_parser(
        "workforce",
        help="community-worker structure per community against the rule file's targets",
        description="社区工作者队伍结构：书记平均年龄、本科及以上学历、党员、持证社工占比、"
        "每万常住人口配备，对照 rules/community_worker.yaml 的目标和稷山县基线，并列出逐年趋势。",
    )
    parser.add_argument("--year", type=int, help="the year (default: this year, as of today)")
    add_format(parser)
    parser.set_defaults(func=_workforce)


def _workforce(args: argparse.Namespace) -> int:
    rules = active_rules()
    url = _database_url()

    async def query(session: AsyncSession) -> WorkforceReport:
        return await workforce_report(session, rules, year=args.year)

    report = asyncio.run(read_database(url, query))
    emit(report, args.format, lambda: render_workforce(report))
    return 0


def render_workforce(report: WorkforceReport) -> str:
    """The report as a table in Chinese."""
    places = [report.overall, *report.communities]
    lines = [
        f"社区工作者队伍结构　{report.year} 年（截至 {report.as_of.isoformat()}）"
        f"　规则版本 {report.rule_version}",
        "",
    ]
    rows = [["指标", *(p.name for p in places), "目标", "基线", "全部社区达标"]]
    for name in FIGURES:
        overall = report.overall.figure(name)
        rows.append(
            [
                overall.label,
                *(_value(p.figure(name).actual, name) for p in places),
                _target(overall),
                _value(overall.baseline, name),
                {True: "是", False: "否", None: "—"}[overall.meets],
            ]
        )
    cap = f"每社区 ≤ {report.max_per_community}" if report.max_per_community else "—"
    rows.append(["社区工作者人数", *(_count(p.workers, p.over_max) for p in places), cap, "—", "—"])
    lines += _table(rows)
    if report.trend:
        lines += ["", "逐年趋势（全部社区，年末；今年截至报告日）"]
        head = ["年度", "人数", *(FIGURES[name].split("（")[0] for name in FIGURES)]
        trend = [
            [str(p.year), str(p.workers), *(_value(p.figures[name], name) for name in FIGURES)]
            for p in report.trend
        ]
        lines += _table([head, *trend])
    if report.basis:
        lines += ["", f"依据：{report.basis}"]
    return "\n".join(lines)


def _value(value: float | None, name: str) -> str:
    if value is None:
        return "—"
    if name.endswith("_share"):
        return f"{value:.1%}"
    return f"{value:.1f}"


def _target(figure: Figure) -> str:
    if figure.target is None:
        return "—"
    return ("≤ " if figure.ceiling else "≥ ") + _value(figure.target, figure.name)


def _count(workers: int, over: bool | None) -> str:
    return f"{workers}（超编）" if over else str(workers)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


REPORTS: list[Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]] = [
    _add_workforce,
]
"""Each adds one ``report`` subcommand."""
