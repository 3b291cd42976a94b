"""``grassroots registry import|export``: the registry from and to office spreadsheets."""

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from db.errors import ImportRejected
from db.exporter import export_csv, export_xlsx
from db.importer import import_source
from db.migrate import upgrade
from db.session import create_engine, session_factory
from db.sheets import SHEETS
from db.sources import Source, read_source


class _ProgressBar:
    """The importer's progress as tqdm bars on stderr, one per stage (hidden off a terminal)."""

    def __init__(self) -> None:
        self._bar: tqdm[Any] | None = None

    def stage(self, name: str, total: int) -> None:
        self.close()
        self._bar = tqdm(total=total, desc=name, unit="行", file=sys.stderr, disable=None)

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _first_sheet(source: Source) -> int:
    return min((SHEETS.index(data.sheet) for data in source.sheets), default=len(SHEETS))


async def import_files(url: str, paths: list[Path], *, dry_run: bool = False) -> int:
    """Import each file (all or nothing per file) into ``url``; 1 if any file was refused."""
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    # CSV files given one by one go in sheet order, so 社区.csv lands before 组织.csv needs it.
    sources = sorted((read_source(path) for path in paths), key=_first_sheet)
    refused = 0
    try:
        for source in sources:
            bar = _ProgressBar()
            try:
                async with sessions() as session:
                    report = await import_source(session, source, dry_run=dry_run, progress=bar)
            except ImportRejected as rejected:
                bar.close()
                refused += 1
                print(rejected, file=sys.stderr)
                continue
            bar.close()
            verb = "校验通过（未写入，--dry-run）" if dry_run else "已导入"
            print(f"{source.name}: {verb} {report.total} 行")
            for where, rows in report.rows.items():
                print(f"  {where}: {rows} 行")
    finally:
        await engine.dispose()
    if refused:
        print(f"{refused} 个文件未导入：请按上面的行号修改后重新导入。", file=sys.stderr)
    return 1 if refused else 0


async def export_registry(url: str, out: Path, fmt: str) -> int:
    """Export the registry at ``url`` to a workbook or a folder of CSV files."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            if fmt == "xlsx":
                counts = await export_xlsx(session, out)
            else:
                counts = await export_csv(session, out)
    finally:
        await engine.dispose()
    print(f"已导出到 {out}")
    for where, rows in counts.items():
        print(f"  {where}: {rows} 行")
    return 0


def _database_url() -> str:
    from logconfig import configure_logging
    from settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    # Alembic narrates every run at INFO; here only the import's own report matters.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return settings.effective_database_url


def _import(args: argparse.Namespace) -> int:
    return asyncio.run(import_files(_database_url(), args.files, dry_run=args.dry_run))


def _export(args: argparse.Namespace) -> int:
    fmt = args.format or ("xlsx" if args.out.suffix.lower() == ".xlsx" else "csv")
    return asyncio.run(export_registry(_database_url(), args.out, fmt))


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``registry import`` and ``registry export`` to the ``grassroots`` command."""
    registry = subparsers.add_parser(
        "registry", help="import or export the registry as office spreadsheets (.xlsx, .csv)"
    )
    commands = registry.add_subparsers(dest="registry_command", required=True, metavar="COMMAND")
    sheets = "、".join(sheet.name for sheet in SHEETS)
    importer = commands.add_parser(
        "import",
        help="import workbooks, CSV files or folders of CSV files, each all or nothing",
        description=f"Sheets (or CSV files named after them): {sheets}.",
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--dry-run", action="store_true", help="check every row and report, write nothing"
    )
    importer.set_defaults(func=_import)
    exporter = commands.add_parser(
        "export", help="export the registry in the shape the import reads"
    )
    exporter.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        help="a workbook, or a folder of CSV files (default: from OUT's suffix)",
    )
    exporter.add_argument("out", type=Path, metavar="OUT")
    exporter.set_defaults(func=_export)
