"""Reading registry files: an .xlsx workbook, one CSV file, or a folder of CSV files."""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from db.cells import is_blank
from db.errors import RowError
from db.sheets import IGNORED_SHEETS, SHEETS, Sheet, sheet_for

# Tried in turn: Excel saves "CSV UTF-8" with a BOM, and plain "CSV" as GBK on Chinese Windows.
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class SheetData:
    """The raw cells of one sheet: the header row and the non-blank data rows with their numbers."""

    where: str
    sheet: Sheet
    header: tuple[object, ...]
    rows: list[tuple[int, tuple[object, ...]]]


@dataclass
class Source:
    """One unit of import, all or nothing: a workbook, a CSV file, or a folder of CSV files."""

    name: str
    sheets: list[SheetData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(s.rows) for s in self.sheets)

    def add(self, where: str, sheet: Sheet | None, cells: list[tuple[object, ...]]) -> None:
        """Add a sheet's cells, or an error if its name is unknown or already taken."""
        if sheet is None:
            names = "、".join(s.name for s in SHEETS)
            self.errors.append(RowError(where, None, "", f"无法识别的表名; 可选: {names}"))
            return
        if any(s.sheet is sheet for s in self.sheets):
            message = f"与另一张表重复: 都是「{sheet.name}」"
            self.errors.append(RowError(where, None, "", message))
            return
        header = cells[0] if cells else ()
        rows = [
            (number, row)
            for number, row in enumerate(cells[1:], start=2)
            if not all(is_blank(value) for value in row)
        ]
        self.sheets.append(SheetData(where, sheet, header, rows))
        self.sheets.sort(key=lambda s: SHEETS.index(s.sheet))


def _read_csv(path: Path) -> list[tuple[object, ...]]:
    for encoding in _CSV_ENCODINGS:
        try:
            with path.open(newline="", encoding=encoding) as file:
                return [tuple(row) for row in csv.reader(file)]
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("csv", b"", 0, 1, "neither UTF-8 nor GB18030")


def _read_xlsx(path: Path, source: Source) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, BadZipFile, InvalidFileException, KeyError, ValueError) as error:
        source.errors.append(RowError(str(path), None, "", f"无法读取工作簿: {error}"))
        return
    try:
        for worksheet in workbook.worksheets:
            title = worksheet.title.strip()
            if title in IGNORED_SHEETS:
                continue
            cells = [tuple(row) for row in worksheet.iter_rows(values_only=True)]
            source.add(title, sheet_for(title), cells)
    finally:
        workbook.close()


def _add_csv(path: Path, source: Source) -> None:
    try:
        cells = _read_csv(path)
    except UnicodeDecodeError:
        source.errors.append(RowError(path.name, None, "", "无法识别的文件编码，请另存为 UTF-8"))
        return
    source.add(path.name, sheet_for(path.stem), cells)


def read_source(path: Path) -> Source:
    """Read a workbook, a CSV file (named after its sheet) or a folder of CSV files."""
    source = Source(str(path))
    if not path.exists():
        source.errors.append(RowError(str(path), None, "", "文件不存在"))
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        if not files:
            source.errors.append(RowError(str(path), None, "", "文件夹中没有 CSV 文件"))
        for file in files:
            _add_csv(file, source)
    elif path.suffix.lower() == ".xlsx":
        _read_xlsx(path, source)
    elif path.suffix.lower() == ".csv":
        _add_csv(path, source)
    else:
        message = "只能导入 .xlsx 工作簿、.csv 文件或存放 CSV 文件的文件夹"
        source.errors.append(RowError(str(path), None, "", message))
    return source
