"""Durations as administrators write them in rule files."""

import pytest
from pydantic import ValidationError

from models.deadline import Point
from models.duration import Duration


@pytest.mark.parametrize(
    ("text", "months", "days", "seconds", "working_days"),
    [
        ("30d", 0, 30, 0, 0),
        ("5wd", 0, 0, 0, 5),
        ("2w", 0, 14, 0, 0),
        ("12h", 0, 0, 43200, 0),
        ("90m", 0, 0, 5400, 0),
        ("P1M", 1, 0, 0, 0),
        ("P1Y2M10D", 14, 10, 0, 0),
        ("PT4H30M", 0, 0, 16200, 0),
    ],
)
def test_readable_durations_parse(
    text: str, months: int, days: int, seconds: int, working_days: int
) -> None:
    """Each accepted spelling means what a person reading it expects."""
    d = Duration.parse(text)
    assert (d.months, d.days, d.seconds, d.working_days) == (months, days, seconds, working_days)
    assert str(d) == text


def test_duration_round_trips_as_its_text() -> None:
    """A duration is stored and sent as the text the administrator wrote."""
    point = Point(before_due=Duration.parse("3wd"))
    assert point.model_dump(exclude_none=True) == {"before_due": "3wd"}
    assert Point.model_validate(point.model_dump()) == point


@pytest.mark.parametrize("text", ["", "5", "3 days", "P", "PT", "-1d", "5dw"])
def test_bad_duration_says_how_to_write_one(text: str) -> None:
    """A typo is refused with the accepted forms in the message."""
    with pytest.raises(ValidationError, match=r"invalid duration .*30d, 5wd"):
        Duration.parse(text)


def test_point_needs_exactly_one_anchor() -> None:
    """A reminder point with two anchors is ambiguous and refused."""
    with pytest.raises(ValidationError, match="exactly one of fraction, before_due, after_due"):
        Point(fraction=0.5, before_due=Duration.parse("1d"))
