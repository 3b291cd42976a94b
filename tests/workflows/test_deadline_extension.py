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
        (_state(status=TaskStatus.ANSWERED), {}, "已答复，不能延期"),
        (_state(status=TaskStatus.EXPIRED), {}, "已失效，不能延期"),
        (_state(schedule=None), {}, "正在排定期限"),
        (_state(), {"role": "grid_worker"}, "角色“grid_worker”无权为任务"),
        (_state(extensions=2), {}, "已延期 2 次，已达规则允许的上限（2 次）"),
        (_state(), {"reason": "  "}, "延期须说明理由"),
        (_state(), {"actor": ""}, "延期须写明批准人"),
        (_state(), {"new_due_at": DUE + timedelta(days=1)}, "new_due_at 与 by 须且只须给出一项"),
        (_state(), {"by": None}, "new_due_at 与 by 须且只须给出一项"),
        (_state(), {"by": Duration.parse("0d")}, "by 为零"),
        (_state(), {"by": None, "new_due_at": DUE}, "不晚于现期限"),
        (_state(), {"by": None, "new_due_at": DUE - timedelta(days=1)}, "不晚于现期限"),
    ],
)
def test_refusals_say_why(state: DeadlineState, request_fields: dict[str, Any], why: str) -> None:
    """Each refusal names the rule that was broken."""
    with pytest.raises(ValueError, match=re.escape(why)):
        check_extension(state, now=NOW, **_request(**request_fields))


def test_a_refusal_names_the_roles_as_people_read_them() -> None:
    """With the rules' role labels, the refused role and those allowed are named in Chinese."""
    labels = {"grid_worker": "网格员", "admin": "系统管理员", "street_committee": "街道党工委"}
    why = "角色“网格员”无权为任务“社区意见”延期（可批准延期：系统管理员、街道党工委）"
    with pytest.raises(ValueError, match=re.escape(why)):
        check_extension(
            _state(), now=NOW, **_request(role="grid_worker"), role_label=labels.__getitem__
        )


def test_a_new_due_time_already_past_is_refused() -> None:
    """Extending an overdue task to a time that has also passed would change nothing."""
    late_now = DUE + timedelta(days=3)
    with pytest.raises(ValueError, match="已经过去"):
        check_extension(
            _state(), now=late_now, **_request(by=None, new_due_at=DUE + timedelta(days=1))
        )


def test_a_naive_new_due_time_is_read_as_china_time() -> None:
    """A due time typed without a zone means Beijing time: 17:00 then is 09:00 UTC."""
    with pytest.raises(ValueError, match="新期限 2027-03-12 17:00 不晚于现期限"):
        check_extension(
            _state(),
            now=NOW,
            **_request(by=None, new_due_at=datetime(2027, 3, 12, 17)),  # noqa: DTZ001
        )
