"""Registry import from office spreadsheets: check every row first, then write all or nothing."""

from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import people, registry
from db.base import Base, local_today
from db.cells import CellError, is_blank, text_of
from db.errors import ImportRejected, RowError
from db.records import (
    BuildingRecord,
    CommunityRecord,
    GridRecord,
    HouseholdAssignmentRecord,
    HouseholdRecord,
    MemberActivityRecord,
    MemberRecord,
    MembershipRecord,
    OrgActivityRecord,
    OrganisationRecord,
    Record,
    ReportInRecord,
    StreetRecord,
    WorkerRecord,
)
from db.sheets import BY_NAME, DEFINED_BY, IGNORED_HEADERS, REF_NOUNS, SHEETS, Column
from db.sources import SheetData, Source, read_source
from db.tables import Building, CentralHousehold, Community, Grid, Organisation, PartyMember, Street
from db.validation import check_rows

_Writer = Callable[[AsyncSession, Any], Awaitable[object]]

# Per sheet alias: the record a row becomes, and the function that writes it.
_KINDS: dict[str, tuple[type[Record], _Writer]] = {
    "streets": (StreetRecord, registry.upsert_street),
    "communities": (CommunityRecord, registry.upsert_community),
    "grids": (GridRecord, registry.upsert_grid),
    "buildings": (BuildingRecord, registry.upsert_building),
    "organisations": (OrganisationRecord, registry.upsert_organisation),
    "members": (MemberRecord, people.upsert_member),
    "households": (HouseholdRecord, people.upsert_household),
    "household_assignments": (HouseholdAssignmentRecord, people.assign_household),
    "memberships": (MembershipRecord, registry.record_membership),
    "org_activities": (OrgActivityRecord, registry.record_org_activity),
    "report_ins": (ReportInRecord, people.record_report_in),
    "member_activities": (MemberActivityRecord, people.record_member_activity),
    "workers": (WorkerRecord, people.upsert_worker),
}
# Columns of the 组织 sheet that describe the current 大党委 spell rather than the organisation.
_MEMBERSHIP_FIELDS = frozenset({"in_big_committee", "joined_on", "left_on"})
_REF_TABLES: dict[str, type[Base]] = {
    "street": Street,
    "community": Community,
    "grid": Grid,
    "building": Building,
    "organisation": Organisation,
    "member": PartyMember,
    "household": CentralHousehold,
}


class Progress(Protocol):
    """Where the importer reports how far it got (a progress bar, or nothing)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _Silent:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import wrote (or, on a dry run, would write): rows per sheet."""

    source: str
    rows: dict[str, int]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass
class Row:
    """A data row being checked: its number, its parsed values and, once valid, its record."""

    number: int
    values: dict[str, Any]
    record: Record | None = None


@dataclass
class Table:
    """A sheet being checked: the columns its header names and its rows."""

    data: SheetData
    columns: list[tuple[int, Column]]
    rows: list[Row] = field(default_factory=list)

    @property
    def alias(self) -> str:
        return self.data.sheet.alias


class ErrorList(list[RowError]):
    """Problems found so far, in the order found."""

    def at(self, table: Table, row: int | None, column: str, message: str) -> None:
        """Note a problem in ``table`` at ``row`` (None: the sheet) and ``column``."""
        self.append(RowError(table.data.where, row, column, message))


def _read_header(data: SheetData, errors: ErrorList) -> Table:
    table = Table(data, [])
    by_header = {column.header: column for column in data.sheet.columns}
    seen: set[str] = set()
    for index, cell in enumerate(data.header):
        text = text_of(cell) if not is_blank(cell) else ""
        if not text or text in IGNORED_HEADERS:
            continue
        column = by_header.get(text)
        if column is None:
            errors.at(table, 1, text, f"未知的列; 可选: {'、'.join(data.sheet.headers)}")
        elif text in seen:
            errors.at(table, 1, text, "列名重复")
        else:
            seen.add(text)
            table.columns.append((index, column))
    for column in data.sheet.columns:
        if column.required and column.header not in seen:
            errors.at(table, 1, column.header, "缺少必填列")
    return table


def _parse_rows(table: Table, errors: ErrorList, progress: Progress) -> None:
    for number, cells in table.data.rows:
        values: dict[str, Any] = {}
        for index, column in table.columns:
            cell = cells[index] if index < len(cells) else None
            if is_blank(cell):
                if column.required:
                    errors.at(table, number, column.header, "必填项为空")
                values[column.field] = column.type.blank
                continue
            try:
                values[column.field] = column.type.parse(cell)
            except CellError as error:
                errors.at(table, number, column.header, str(error))
        table.rows.append(Row(number, values))
        progress.advance()


async def _known(session: AsyncSession, tables: list[Table]) -> dict[str, dict[str, set[str]]]:
    """Per kind of reference: names (ids, and names where allowed) → the ids they stand for."""
    known: dict[str, dict[str, set[str]]] = {}
    for ref, model in _REF_TABLES.items():
        names: dict[str, set[str]] = {}
        id_column = model.__table__.c.id
        if ref in BY_NAME:
            name_column = model.__table__.c.name
            for key, name in await session.execute(select(id_column, name_column)):
                names.setdefault(name, set()).add(key)
        for key in await session.scalars(select(id_column)):
            names[key] = {key}
        alias, id_field = DEFINED_BY[ref]
        for table in tables:
            if table.alias != alias:
                continue
            for row in table.rows:
                key = row.values.get(id_field)
                if key is None:
                    continue
                if ref in BY_NAME and row.values.get("name"):
                    names.setdefault(row.values["name"], set()).add(key)
                names[key] = {key}
        known[ref] = names
    return known


def _resolve(table: Table, known: dict[str, dict[str, set[str]]], errors: ErrorList) -> None:
    for _, column in table.columns:
        if column.ref is None:
            continue
        noun = REF_NOUNS[column.ref]
        for row in table.rows:
            value = row.values.get(column.field)
            if value is None:
                continue
            matches = known[column.ref].get(value, set())
            if len(matches) == 1:
                row.values[column.field] = next(iter(matches))
            elif matches:
                message = f'有多个{noun}名为 "{value}"，请填写编号'
                errors.at(table, row.number, column.header, message)
            else:
                hint = "编号或名称" if column.ref in BY_NAME else "编号"
                errors.at(table, row.number, column.header, f'未知的{noun}{hint} "{value}"')


def _build_records(table: Table, errors: ErrorList) -> None:
    model, _ = _KINDS[table.alias]
    sheet = table.data.sheet
    extras = _MEMBERSHIP_FIELDS if table.alias == "organisations" else frozenset()
    for row in table.rows:
        payload = {k: v for k, v in row.values.items() if k not in extras}
        try:
            row.record = model.model_validate(payload)
        except ValidationError as error:
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else ""
                header = sheet.column(name).header if name in payload else ""
                errors.at(table, row.number, header, problem["msg"])


async def check_source(
    session: AsyncSession, source: Source, progress: Progress | None = None
) -> list[Table]:
    """Every row of ``source`` parsed, resolved and validated; ImportRejected lists all problems."""
    progress = progress or _Silent()
    errors = ErrorList(source.errors)
    if not source.sheets and not errors:
        names = "、".join(sheet.name for sheet in SHEETS)
        errors.append(RowError(source.name, None, "", f"没有可导入的表; 可选: {names}"))
    progress.stage(f"校验 {Path(source.name).name}", source.row_count)
    tables = [_read_header(data, errors) for data in source.sheets]
    for table in tables:
        _parse_rows(table, errors, progress)
    known = await _known(session, tables)
    for table in tables:
        _resolve(table, known, errors)
        check_rows(table, errors)
    if not errors:
        for table in tables:
            _build_records(table, errors)
    if errors:
        raise ImportRejected(source.name, sorted(errors, key=_reading_order(tables)))
    return tables


def _reading_order(tables: list[Table]) -> Callable[[RowError], tuple[int, int, int]]:
    """Sort problems as a person reads the file: sheet by sheet, row by row, left to right."""
    sheets = {t.data.where: (index, t.data.sheet.headers) for index, t in enumerate(tables)}

    def key(error: RowError) -> tuple[int, int, int]:
        index, headers = sheets.get(error.where, (-1, ()))
        column = headers.index(error.column) if error.column in headers else len(headers)
        return index, error.row or 0, column

    return key


async def _write_memberships(session: AsyncSession, table: Table, today: date) -> None:
    # The 组织 sheet says whether each organisation is inside its own community's 大党委 now:
    # 是 opens (or corrects) that spell, 否 ends it on 退出日期 or else today, blank leaves it be.
    for row in table.rows:
        values = row.values
        if values.get("in_big_committee") is True:
            spell = await registry.join_big_committee(
                session,
                MembershipRecord(
                    org_id=values["org_id"],
                    community_id=values["community_id"],
                    joined_on=values["joined_on"],
                ),
            )
            spell.joined_on, spell.left_on = values["joined_on"], None
        elif values.get("in_big_committee") is False:
            left_on = values.get("left_on") or today
            await registry.leave_big_committee(
                session, values["org_id"], left_on, values["community_id"]
            )


async def write_tables(
    session: AsyncSession, tables: list[Table], today: date, progress: Progress | None = None
) -> None:
    """Write checked tables in dependency order, flushing each sheet before the next."""
    progress = progress or _Silent()
    progress.stage("写入", sum(len(t.rows) for t in tables))
    # The session's identity map holds rows weakly: keeping them here lets every reference check
    # find its street, community or member in memory instead of selecting it again row by row.
    alive: list[object] = []
    for model in _REF_TABLES.values():
        alive.extend((await session.scalars(select(model))).all())
    for table in tables:
        _, write = _KINDS[table.alias]
        # Rows of one sheet never refer to each other, except the 大党委 spells of one org.
        flushing = table.alias == "memberships"
        with nullcontext() if flushing else session.no_autoflush:
            for row in table.rows:
                alive.append(await write(session, row.record))
                progress.advance()
        await session.flush()
    for table in tables:
        if table.alias == "organisations":
            await _write_memberships(session, table, today)
    await session.flush()


async def import_source(
    session: AsyncSession,
    source: Source,
    *,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check ``source``, then write and commit it unless ``dry_run``; on any problem, no write."""
    try:
        tables = await check_source(session, source, progress)
        if not dry_run:
            await write_tables(session, tables, today or local_today(), progress)
            await session.commit()
    except BaseException:
        await session.rollback()
        raise
    rows = {table.data.where: len(table.rows) for table in tables}
    return ImportReport(source=source.name, rows=rows, dry_run=dry_run)


async def import_file(
    session: AsyncSession,
    path: Path,
    *,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one workbook, CSV file or folder of CSV files, all or nothing."""
    source = read_source(path)
    return await import_source(session, source, dry_run=dry_run, today=today, progress=progress)
