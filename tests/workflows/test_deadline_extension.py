"""The extension rules refuse, with a reason a person can act on, what a task does not allow."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.deadline import DeadlineSpec, DeadlineState, Schedule, TaskStatus
from models.duration import Duration
from workflows.deadline_extension import check_extension

OPENED = datetime(2027, 3, 1, 1, tzinfo=UTC)
DUE = datetime(2027, 3, 12, 9, tzinfo=UTC)
NOW = datetime(2027, 3, 10, 9, tzinfo=UTC)


def _state(**fields: Any) -> DeadlineState:
    spec = DeadlineSpec(task_id="opinion", title="社区意见", owner="community-7", due_at=DUE)
    schedule = Schedule(opened_at=OPENED, due_at=DUE)
    return DeadlineState.model_validate({"spec": spec, "schedule": schedule} | fields)


def _request(**fields: Any) -> dict[str, Any]:
    return {
        "actor": "street-1",
        "role": "street_committee",
        "reason": "材料补充",
        "new_due_at": None,
        "by": Duration.parse("5wd"),
    } | fields


def test_an_allowed_extension_passes() -> None:
    """An authorised role with a reason and a later due time is let through."""
    check_extension(_state(), now=NOW, **_request())
    check_extension(_state(), now=NOW, **_request(by=None, new_due_at=DUE + timedelta(days=7)))


@pytest.mark.parametrize(
    ("state", "request_fields", "why"),
    [
        (_state(status=TaskStatus.ANSWERED), {}, "is answered: it cannot be extended"),
        (_state(status=TaskStatus.EXPIRED), {}, "is expired: it cannot be extended"),
        (_state(schedule=None), {}, "being scheduled"),
        (_state(), {"role": "grid_worker"}, "role 'grid_worker' may not extend"),
        (_state(extensions=2), {}, "has had 2 extension(s), the most its rules allow (2)"),
        (_state(), {"reason": "  "}, "needs a reason"),
        (_state(), {"actor": ""}, "needs the actor"),
        (_state(), {"new_due_at": DUE + timedelta(days=1)}, "exactly one of new_due_at, by"),
        (_state(), {"by": None}, "exactly one of new_due_at, by"),
        (_state(), {"by": Duration.parse("0d")}, "'by' is zero"),
        (_state(), {"by": None, "new_due_at": DUE}, "is not later than the current one"),
        (_state(), {"by": None, "new_due_at": DUE - timedelta(days=1)}, "is not later than"),
    ],
)
def test_refusals_say_why(state: DeadlineState, request_fields: dict[str, Any], why: str) -> None:
    """Each refusal names the rule that was broken."""
    with pytest.raises(ValueError, match=re.escape(why)):
        check_extension(state, now=NOW, **_request(**request_fields))


def test_a_new_due_time_already_past_is_refused() -> None:
    """Extending an overdue task to a time that has also passed would change nothing."""
    late_now = DUE + timedelta(days=3)
    with pytest.raises(ValueError, match="is past"):
        check_extension(
            _state(), now=late_now, **_request(by=None, new_due_at=DUE + timedelta(days=1))
        )


def test_a_naive_new_due_time_is_read_as_china_time() -> None:
    """A due time typed without a zone means Beijing time: 17:00 then is 09:00 UTC."""
    with pytest.raises(ValueError, match=r"2027-03-12T17:00:00\+08:00 is not later"):
        check_extension(
            _state(),
            now=NOW,
            **_request(by=None, new_due_at=datetime(2027, 3, 12, 17)),  # noqa: DTZ001
        )
