"""How refused event data reads in a case's timeline and refusal reasons: in Chinese, naming
the field, for the validation errors people meet."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.annual_inspection import SignoffSubmitted
from workflows.case_text import problems


class _Mood(StrEnum):
    GLAD = "glad"
    SAD = "sad"


class _Condition(BaseModel):
    within: str


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = ""
    count: int = 0
    share: float = 0.0
    done: bool = False
    at: datetime | None = None
    day: date | None = None
    decision: Literal["granted", "denied", "conditional"] = "granted"
    mood: _Mood = _Mood.GLAD
    actor: str = Field("x", min_length=1)
    code: str = Field("ab", min_length=2, max_length=3)
    items: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=2)
    score: int = Field(5, gt=0, lt=10)
    ratio: float = Field(0.5, ge=0.0, le=1.0)
    conditions: list[_Condition] = Field(default_factory=list)
    reason: str = ""
    required: str

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if value == "?":
            raise ValueError("理由须写明事实")
        return value


def _said(**data: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        _Data.model_validate({"required": "r", **data})
    return problems(refused.value)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ({"text": 1}, "text：须为文本"),
        ({"count": "many"}, "count：须为整数"),
        ({"count": 1.5}, "count：须为整数"),
        ({"share": "half"}, "share：须为数字"),
        ({"done": "maybe"}, "done：须为是或否（true / false）"),
        ({"at": "soon"}, "at：须为日期时间（如 2026-03-01T09:00+08:00）"),
        ({"day": "tomorrow"}, "day：须为日期（如 2026-03-01）"),
        ({"day": "2026-03-01T09:00"}, "day：须为日期，不带时刻"),
        ({"decision": "maybe"}, "decision：须为 'granted'、'denied'、'conditional' 之一"),
        ({"mood": "cross"}, "mood：须为 'glad'、'sad' 之一"),
        ({"actor": ""}, "actor：不能为空"),
        ({"code": "a"}, "code：至少 2 个字"),
        ({"code": "abcd"}, "code：至多 3 个字"),
        ({"items": []}, "items：至少 1 项"),
        ({"items": [1, 2, 3]}, "items：至多 2 项"),
        ({"score": 0}, "score：须大于 0"),
        ({"score": 10}, "score：须小于 10"),
        ({"ratio": -0.5}, "ratio：须不小于 0"),
        ({"ratio": 1.5}, "ratio：须不大于 1"),
        ({"conditions": [{"within": 5}]}, "conditions.0.within：须为文本"),
        ({"conditions": [{}]}, "conditions.0.within：缺少此项"),
        ({"reason": "?"}, "reason：理由须写明事实"),
        ({"colour": "red"}, "colour：无法识别的字段"),
    ],
)
def test_refused_data_is_worded_in_chinese_with_its_field(data: dict[str, Any], line: str) -> None:
    """Staff read why data was refused in Chinese, with the field it is about."""
    assert _said(**data) == line


def test_every_problem_is_listed_and_a_missing_field_is_named() -> None:
    """Several problems read as one line, each with its field; a missing field is named."""
    with pytest.raises(ValidationError) as refused:
        _Data.model_validate({"count": "x"})
    assert problems(refused.value) == "count：须为整数；required：缺少此项"


def test_a_rule_on_the_whole_record_reads_as_its_own_message() -> None:
    """A sign-off denied without reasons says so in the model's own words, not 'Value error'."""
    with pytest.raises(ValidationError) as refused:
        SignoffSubmitted.model_validate({"decision": "denied", "actor": "street"})
    assert problems(refused.value) == "数据：不予通过须写明理由 (a denial needs reasons)"


def test_an_error_not_worded_in_chinese_keeps_pydantics_message() -> None:
    """A rarer error still says what is wrong, in pydantic's words, rather than nothing."""

    class _Link(BaseModel):
        pattern: str = Field(pattern=r"^\d+$")

    with pytest.raises(ValidationError) as refused:
        _Link.model_validate({"pattern": "abc"})
    assert problems(refused.value) == "pattern：String should match pattern '^\\d+$'"
