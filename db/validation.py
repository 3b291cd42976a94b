"""Checks across the cells of a row, and across rows of a sheet, before an import writes."""

from typing import TYPE_CHECKING

from db.records import member_problems
from db.vocab import MemberKind

if TYPE_CHECKING:
    from db.importer import ErrorList, Row, Table


def _duplicates(table: "Table", errors: "ErrorList") -> None:
    sheet = table.data.sheet
    first_seen: dict[tuple[object, ...], int] = {}
    for row in table.rows:
        key = tuple(row.values.get(name) for name in sheet.key)
        if any(part is None for part in key):
            continue
        if key in first_seen:
            header = sheet.column(sheet.key[0]).header
            errors.at(table, row.number, header, f"与第{first_seen[key]}行重复")
        else:
            first_seen[key] = row.number


def _not_before(
    table: "Table", row: "Row", errors: "ErrorList", start: str, end: str, what: str
) -> None:
    first, last = row.values.get(start), row.values.get(end)
    if first is not None and last is not None and last < first:
        errors.at(table, row.number, table.data.sheet.column(end).header, what)


def _organisation(table: "Table", row: "Row", errors: "ErrorList") -> None:
    sheet, values = table.data.sheet, row.values
    inside, joined, left = (values.get(f) for f in ("in_big_committee", "joined_on", "left_on"))
    if inside is True and joined is None:
        errors.at(table, row.number, sheet.column("joined_on").header, "已加入大党委，须填加入日期")
    if inside is not True and joined is not None:
        message = '填写了加入日期，「是否加入大党委」应为 "是"'
        errors.at(table, row.number, sheet.column("in_big_committee").header, message)
    if inside is not False and left is not None:
        message = '填写了退出日期，「是否加入大党委」应为 "否"'
        errors.at(table, row.number, sheet.column("in_big_committee").header, message)


def _member(table: "Table", row: "Row", errors: "ErrorList") -> None:
    values = row.values
    kind = values.get("kind")
    if not isinstance(kind, MemberKind):
        return
    problems = member_problems(
        kind, values.get("home_org"), values.get("credential"), values.get("employer_org_id")
    )
    for field, message in problems:
        errors.at(table, row.number, table.data.sheet.column(field).header, message)


def check_rows(table: "Table", errors: "ErrorList") -> None:
    """Duplicate rows, and rules that span the cells of one row (dates in order, member kinds)."""
    _duplicates(table, errors)
    for row in table.rows:
        if table.alias == "organisations":
            _organisation(table, row, errors)
        elif table.alias == "members":
            _member(table, row, errors)
        elif table.alias == "memberships":
            _not_before(table, row, errors, "joined_on", "left_on", "退出日期不能早于加入日期")
        elif table.alias == "household_assignments":
            _not_before(table, row, errors, "assigned_on", "ended_on", "结束日期不能早于分配日期")
