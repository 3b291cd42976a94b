"""Durations people can read and write in rule files: ``30d``, ``5wd``, ``12h``, ``P1M``."""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

_SHORT = re.compile(r"^\s*(?P<n>\d+)\s*(?P<unit>wd|w|d|h|m|s)\s*$")
_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_SECONDS = {"h": 3600, "m": 60, "s": 1}


class DurationError(ValueError):
    """A duration string that cannot be read."""


class Duration(BaseModel):
    """A span of time: calendar months and days, clock seconds, or working days.

    Working days (``5wd``) follow the official Chinese calendar and stand alone: they are not
    mixed with other units. The original text is kept and is what the model serialises to.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    months: int = 0
    days: int = 0
    seconds: int = 0
    working_days: int = 0

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_duration_fields(value)
        return value

    @model_serializer
    def _dump(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> "Duration":
        return cls.model_validate(text)

    @property
    def is_working_days(self) -> bool:
        return self.working_days > 0

    @property
    def is_zero(self) -> bool:
        return not (self.months or self.days or self.seconds or self.working_days)

    def __str__(self) -> str:
        return self.text


def parse_duration_fields(text: str) -> dict[str, Any]:
    """Read ``text`` into Duration fields, or raise DurationError naming what is wrong."""
    short = _SHORT.match(text)
    if short:
        n, unit = int(short["n"]), short["unit"]
        fields: dict[str, Any] = {"text": text.strip()}
        if unit == "wd":
            fields["working_days"] = n
        elif unit == "w":
            fields["days"] = 7 * n
        elif unit == "d":
            fields["days"] = n
        else:
            fields["seconds"] = n * _SECONDS[unit]
        return fields
    iso = _ISO.match(text.strip())
    if iso:
        parts = {k: int(v) for k, v in iso.groupdict().items() if v}
        return {
            "text": text.strip(),
            "months": 12 * parts.get("years", 0) + parts.get("months", 0),
            "days": 7 * parts.get("weeks", 0) + parts.get("days", 0),
            "seconds": 3600 * parts.get("hours", 0)
            + 60 * parts.get("minutes", 0)
            + parts.get("seconds", 0),
        }
    raise DurationError(
        f"invalid duration {text!r}: use a number and a unit (30d, 5wd, 12h, 2w, 90m) "
        "or ISO 8601 (P1M, P1Y, PT4H)"
    )
