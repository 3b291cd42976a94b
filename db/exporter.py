"""Registry export in the import's own shape: one sheet (or CSV file) per kind, Chinese headers."""

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.cells import DAY
from db.sheets import SHEETS, Sheet
from db.tables import (
    BigCommitteeActivity,
    BigCommitteeMembership,
    Building,
    CadreReportIn,
    CentralHousehold,
    Community,
    CommunityWorker,
    Grid,
    HouseholdAssignment,
    MemberActivity,
    Organisation,
    PartyMember,
    Street,
)

# Per sheet alias: the table whose rows map onto the sheet column by column.
_PLAIN: dict[str, Any] = {
    "streets": Street,
    "communities": Community,
    "grids": Grid,
    "buildings": Building,
    "members": PartyMember,
    "households": CentralHousehold,
    "household_assignments": HouseholdAssignment,
    "org_activities": BigCommitteeActivity,
    "report_ins": CadreReportIn,
    "member_activities": MemberActivity,
    "workers": CommunityWorker,
}
_OWN_ID = {sheet.alias: sheet.key[0] for sheet in SHEETS if len(sheet.key) == 1}


def _value(sheet: Sheet, row: Any, field: str) -> Any:
    if field == _OWN_ID.get(sheet.alias):
        return row.id
    return getattr(row, "home_organisation" if field == "home_org" else field)


def _key_of(sheet: Sheet) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    return lambda row: tuple(row[field] for field in sheet.key)


async def _organisation_rows(
    session: AsyncSession,
) -> tuple[list[dict[str, Any]], list[BigCommitteeMembership]]:
    """The 组织 rows with their current own-community spell, and every other spell."""
    orgs = (await session.scalars(select(Organisation))).all()
    spells = await session.scalars(select(BigCommitteeMembership))
    current: dict[str, BigCommitteeMembership] = {}
    others: list[BigCommitteeMembership] = []
    community_of = {org.id: org.community_id for org in orgs}
    for spell in spells:
        if spell.left_on is None and spell.community_id == community_of.get(spell.org_id):
            current[spell.org_id] = spell
        else:
            others.append(spell)
    sheet = next(s for s in SHEETS if s.alias == "organisations")
    rows = []
    for org in orgs:
        values = {c.field: getattr(org, c.field) for c in sheet.columns if hasattr(org, c.field)}
        values["org_id"] = org.id
        own = current.get(org.id)
        values["in_big_committee"] = own is not None
        values["joined_on"] = own.joined_on if own else None
        values["left_on"] = None
        rows.append(values)
    return rows, others


async def _ref_names(session: AsyncSession) -> dict[str, dict[str, str]]:
    """For street and community references: id → name, where the name is unique."""
    names: dict[str, dict[str, str]] = {}
    for ref, model in (("street", Street), ("community", Community)):
        pairs = (await session.execute(select(model.id, model.name))).all()
        counts = Counter(name for _, name in pairs)
        names[ref] = {key: name for key, name in pairs if counts[name] == 1}
    return names


async def registry_rows(session: AsyncSession) -> dict[Sheet, list[dict[str, Any]]]:
    """Every registry row as the sheets hold it: field → value, references by readable name."""
    org_rows, other_spells = await _organisation_rows(session)
    result: dict[Sheet, list[dict[str, Any]]] = {}
    for sheet in SHEETS:
        if sheet.alias == "organisations":
            rows = org_rows
        elif sheet.alias == "memberships":
            rows = [{c.field: getattr(s, c.field) for c in sheet.columns} for s in other_spells]
        else:
            stored = (await session.scalars(select(_PLAIN[sheet.alias]))).all()
            rows = [{c.field: _value(sheet, r, c.field) for c in sheet.columns} for r in stored]
        # In key order, so the same registry always exports the same bytes.
        result[sheet] = sorted(rows, key=_key_of(sheet))
    names = await _ref_names(session)
    for sheet, rows in result.items():
        for column in sheet.columns:
            if column.ref in names:
                for row in rows:
                    value = row[column.field]
                    row[column.field] = names[column.ref].get(value, value)
    return result


def _cells(sheet: Sheet, rows: Sequence[dict[str, Any]]) -> list[list[object]]:
    return [[c.type.to_cell(row[c.field]) for c in sheet.columns] for row in rows]


async def export_xlsx(session: AsyncSession, path: Path) -> dict[str, int]:
    """Write the registry to one workbook, one sheet per kind; rows written per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    counts = {}
    for sheet, rows in (await registry_rows(session)).items():
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(list(sheet.headers))
        for row in _cells(sheet, rows):
            worksheet.append(row)
        for index, column in enumerate(sheet.columns, start=1):
            letter = worksheet.cell(row=1, column=index).column_letter
            worksheet.column_dimensions[letter].width = max(12, 2 * len(column.header) + 2)
            worksheet.cell(row=1, column=index).font = Font(bold=True)
            if column.type is DAY:
                for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
        worksheet.freeze_panes = "A2"
        counts[sheet.name] = len(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return counts


async def export_csv(
    session: AsyncSession, directory: Path, *, english_names: bool = False
) -> dict[str, int]:
    """Write one CSV file per kind (UTF-8 with BOM, which Excel opens); rows written per file."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for sheet, rows in (await registry_rows(session)).items():
        path = directory / f"{sheet.alias if english_names else sheet.name}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(sheet.headers)
            for row in rows:
                writer.writerow([c.type.to_text(row[c.field]) for c in sheet.columns])
        counts[path.name] = len(rows)
    return counts
