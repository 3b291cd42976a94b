"""Cell types of the registry spreadsheets: how a cell is read on import and written on export."""

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

# Excel counts days from 1899-12-30 (it believes 1900 was a leap year).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_FORMATS = "2024-03-01、2024/3/1、2024.3.1、2024年3月1日"


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the office's words."""


def is_blank(value: object) -> bool:
    """Whether a cell is empty (None or only whitespace)."""
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    """A cell as text: whole numbers without ".0", dates as ISO, whitespace stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


class CellType:
    """Plain text: also the base of every other type."""

    blank: Any = None
    """The value of an empty cell."""

    def parse(self, value: object) -> Any:
        """The Python value of a non-blank cell, or CellError."""
        return text_of(value)

    def to_cell(self, value: Any) -> object:
        """The value written to an .xlsx cell."""
        return value

    def to_text(self, value: Any) -> str:
        """The text written to a CSV field."""
        return "" if value is None else str(self.to_cell(value))


class Integer(CellType):
    """A whole number within bounds; a trailing unit such as 级 or 人 is allowed."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None, unit: str = ""):
        self.minimum, self.maximum, self.unit = minimum, maximum, unit

    def parse(self, value: object) -> int:
        if isinstance(value, bool):
            raise CellError(f"不是有效的整数: {value!r}")
        text = text_of(value).replace(",", "")
        if self.unit:
            text = text.removesuffix(self.unit).strip()
        if not re.fullmatch(r"-?\d+", text):
            raise CellError(f'不是有效的整数: "{text_of(value)}"')
        number = int(text)
        if self.minimum is not None and number < self.minimum:
            raise CellError(f"不能小于 {self.minimum}: {number}")
        if self.maximum is not None and number > self.maximum:
            raise CellError(f"不能大于 {self.maximum}: {number}")
        return number


class Number(CellType):
    """A non-negative decimal number, such as hours of service; empty means zero."""

    blank = 0.0

    def parse(self, value: object) -> float:
        text = text_of(value)
        try:
            number = float(text)
        except ValueError:
            raise CellError(f'不是有效的数字: "{text}"') from None
        if number < 0:
            raise CellError(f"不能为负数: {text}")
        return number

    def to_text(self, value: Any) -> str:
        return "" if value is None else format(float(value), "g")


class Day(CellType):
    """A date: an Excel date cell, an Excel day number, or text in a common Chinese format."""

    def parse(self, value: object) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 100_000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        text = text_of(value)
        match = _DATE_PATTERN.match(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        raise CellError(f'不是有效的日期: "{text}"（可用格式: {_DATE_FORMATS}）')

    def to_text(self, value: Any) -> str:
        return "" if value is None else value.isoformat()


class YesNo(CellType):
    """是 or 否 (also Y/N, 有/无, √/×, true/false, 1/0); empty means ``blank``."""

    def __init__(self, blank: bool | None = False) -> None:
        self.blank = blank

    _YES = frozenset({"是", "有", "y", "yes", "true", "1", "√", "已加入"})
    _NO = frozenset({"否", "无", "n", "no", "false", "0", "×", "未加入"})

    def parse(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = text_of(value).lower()
        if text in self._YES:
            return True
        if text in self._NO:
            return False
        raise CellError(f'应填 "是" 或 "否": "{text_of(value)}"')

    def to_cell(self, value: Any) -> object:
        return None if value is None else ("是" if value else "否")


class Choice(CellType):
    """One of a closed vocabulary, by its Chinese label, a known synonym or its identifier."""

    def __init__(
        self, noun: str, labels: dict[Any, str], synonyms: dict[str, Any] | None = None
    ) -> None:
        self.noun = noun
        self.labels: dict[StrEnum, str] = dict(labels)
        self._lookup: dict[str, StrEnum] = {label: member for member, label in labels.items()}
        self._lookup.update({member.value: member for member in labels})
        self._lookup.update(synonyms or {})

    def parse(self, value: object) -> StrEnum:
        text = text_of(value)
        member = self._lookup.get(text) or self._lookup.get(text.lower())
        if member is None:
            choices = "、".join(self.labels.values())
            raise CellError(f'未知的{self.noun} "{text}"; 可选: {choices}')
        return member

    def to_cell(self, value: Any) -> object:
        return None if value is None else self.labels[self._lookup[str(value)]]


TEXT = CellType()
DAY = Day()
YES_NO = YesNo()
YES_NO_OR_UNKNOWN = YesNo(blank=None)
NUMBER = Number()
