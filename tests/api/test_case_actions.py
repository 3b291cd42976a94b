"""People's actions on a running case through the API: the authorised override of a held
assessment, naming the community to consult, extending a task and moving a case's rule version —
acted as the person's account role, refused with the case's own reason, kept in the audit log."""

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.case_tables import TimelineEvent
from tests.api.assessments import assessment_cases
from tests.api.conftest import Api
from tests.api.databases import on_each_database
from tests.workflows.case_support import DAY, edit_rules

pytestmark = on_each_database


def _url(case_id: str, action: str) -> str:
    return f"/api/cases/{case_id}/actions/{action}"


async def _audited(api: Api, case_id: str) -> list[TimelineEvent]:
    async with api.sessions() as session:
        query = select(TimelineEvent).where(
            TimelineEvent.case_id == case_id, TimelineEvent.kind == "case_action"
        )
        return list((await session.scalars(query.order_by(TimelineEvent.id))).all())


async def _case(api: Api, case_id: str) -> dict[str, Any]:
    response = await api.http.get(f"/api/cases/{case_id}", headers=api.auth("admin"))
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


async def test_a_street_committee_member_releases_a_held_assessment(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """Only a role the rules name may override a hold: community staff and the administrator are
    refused with the reason, a viewer is read-only, another community gets 404; the street
    committee's override closes the case as overridden, recorded with who and why."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        held = await cases.held("c-a")
        waiting, _ = await cases.awaiting_opinion("c-a")
        url = _url(held, "override")
        body = {"reason": "社区党组织书记空缺，经街道党工委研究同意"}

        staff = await api.http.post(url, json=body, headers=api.auth("staff_a"))
        assert staff.status_code == 422, staff.text
        assert staff.json()["type"] == "/problems/refused"
        assert "无权授权放行" in staff.json()["detail"]
        admin = await api.http.post(url, json=body, headers=api.auth("admin"))
        assert admin.status_code == 422
        refusal = "角色“系统管理员”无权授权放行（可授权：街道党工委、县委组织部）"
        assert refusal in admin.json()["detail"]
        for who, status in (("viewer", 403), ("staff_b", 404)):
            response = await api.http.post(url, json=body, headers=api.auth(who))
            assert response.status_code == status, who
        bare = await api.http.post(url, json={"reason": ""}, headers=api.auth("street"))
        assert bare.status_code == 400
        early = await api.http.post(
            _url(waiting, "override"), json=body, headers=api.auth("street")
        )
        assert early.status_code == 422
        assert "只有逾期挂起的考核才能授权放行" in early.json()["detail"]
        assert await _audited(api, held) == []

        released = await api.http.post(url, json=body, headers=api.auth("street"))
        assert released.status_code == 200, released.text
        assert released.json()["message"] == "已记录授权放行，案件将结案"
        await api.wait_for(held, status="overridden")
        again = await api.http.post(url, json=body, headers=api.auth("street"))
        assert again.status_code in (409, 422)

    [audit] = await _audited(api, held)
    assert (audit.actor, audit.detail["action"], audit.detail["role"]) == (
        "street",
        "override",
        "street_committee",
    )
    assert audit.detail["request"] == body
    recorded = [e for e in (await _case(api, held))["timeline"] if e["kind"] == "override_recorded"]
    assert recorded[0]["actor"] == "street"
    assert recorded[0]["detail"] == {"role": "street_committee", "reason": body["reason"]}


async def test_the_organisation_department_releases_a_case_no_community_was_found_for(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """An assessment held with no community named is within no community's reach: the street
    committee cannot find it and the administrator is not an override role, but the county
    organisation department (县委组织部) reaches it and its override closes the case."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        held = await cases.held_unassigned()
        url = _url(held, "override")
        body = {"reason": "无法确定报到社区，经县委组织部研究同意"}
        street = await api.http.post(url, json=body, headers=api.auth("street"))
        assert street.status_code == 404
        admin = await api.http.post(url, json=body, headers=api.auth("admin"))
        assert admin.status_code == 422

        released = await api.http.post(url, json=body, headers=api.auth("zuzhibu"))
        assert released.status_code == 200, released.text
        assert released.json()["message"] == "已记录授权放行，案件将结案"
        await api.wait_for(held, status="overridden")

    [audit] = await _audited(api, held)
    assert (audit.actor, audit.detail["role"]) == ("zuzhibu", "organisation_department")
    recorded = [e for e in (await _case(api, held))["timeline"] if e["kind"] == "override_recorded"]
    assert recorded[0]["actor"] == "zuzhibu"
    assert recorded[0]["detail"] == {"role": "organisation_department", "reason": body["reason"]}


async def test_an_administrator_names_the_community_to_consult(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """A case whose rules found no community is within no community's reach; the administrator
    names one and the opinion task goes to it."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        waiting = await cases.awaiting_assignment()
        url = _url(waiting, "assign")
        body = {"org_id": "c-b", "reason": "工作单位所在社区"}
        unreachable = await api.http.post(url, json=body, headers=api.auth("street"))
        assert unreachable.status_code == 404
        viewer = await api.http.post(url, json=body, headers=api.auth("viewer"))
        assert viewer.status_code == 403
        named = await api.http.post(url, json=body, headers=api.auth("admin"))
        assert named.status_code == 200, named.text
        assert named.json()["message"] == "已指定汾河社区出具意见"
        listed = await api.wait_for(waiting, status="awaiting_opinion")
        again = await api.http.post(url, json=body, headers=api.auth("admin"))
        assert again.status_code == 422
        assert "不在待指定社区状态" in again.json()["detail"]
        detail = await api.answered(waiting)

    assert listed["community_id"] == "c-b"
    # The timeline names the community as the registry does, stored and live alike.
    stored = [row["summary"] for row in detail["timeline"]]
    live = [entry["summary"] for entry in detail["live"]["state"]["timeline"]]
    for summaries in (stored, live):
        assert "人工指定征求意见的社区：汾河社区" in summaries
        assert any(
            s.startswith("任务「出具社区党组织意见」开启，承办：汾河社区，") for s in summaries
        )
    [audit] = await _audited(api, waiting)
    assert (audit.actor, audit.detail["role"]) == ("admin", "admin")


async def test_the_street_committee_extends_an_open_task_once(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """The opinion task's rules let the street committee extend it once; community staff may not,
    and a second extension is refused."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        case_id, friday = await cases.awaiting_opinion("c-a")
        url = _url(case_id, "extend")
        body = {"task_id": "opinion", "by": "2wd", "reason": "社区换届，顺延两个工作日"}
        staff = await api.http.post(url, json=body, headers=api.auth("staff_a"))
        assert staff.status_code == 422
        assert staff.json()["detail"] == (
            "角色“社区党组织”无权为任务“出具社区党组织意见”延期（可批准延期：街道党工委）"
        )
        unknown = await api.http.post(
            url, json={**body, "task_id": "nothing"}, headers=api.auth("street")
        )
        assert unknown.status_code == 422
        assert "案件没有任务" in unknown.json()["detail"]

        extended = await api.http.post(url, json=body, headers=api.auth("street"))
        assert extended.status_code == 200, extended.text
        assert "期限已延至" in extended.json()["message"]
        second = await api.http.post(url, json=body, headers=api.auth("street"))
        assert second.status_code == 422
        assert "已达规则允许的上限（1 次）" in second.json()["detail"]
        live = (await api.answered(case_id))["live"]["state"]

    # Two working days after a quiet Friday: the Tuesday after it.
    [task] = live["tasks"]
    assert datetime.fromisoformat(task["schedule"]["due_at"]) == friday + 4 * DAY
    assert task["extensions"] == 1
    [audit] = await _audited(api, case_id)
    assert audit.detail["request"]["by"] == "2wd"


async def test_an_action_sent_again_with_its_key_is_applied_once(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """A retry with the same Idempotency-Key gets the first answer instead of a second extension
    (or, once the rules' one extension is used, a refusal); a new key is a new request."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        case_id, friday = await cases.awaiting_opinion("c-a")
        url = _url(case_id, "extend")
        body = {"task_id": "opinion", "by": "2wd", "reason": "社区换届，顺延两个工作日"}
        keyed = {**api.auth("street"), "Idempotency-Key": "extend-opinion-1"}
        first = await api.http.post(url, json=body, headers=keyed)
        repeat = await api.http.post(url, json=body, headers=keyed)
        other = {**api.auth("street"), "Idempotency-Key": "extend-opinion-2"}
        another = await api.http.post(url, json=body, headers=other)
        live = (await api.answered(case_id))["live"]["state"]

    assert first.status_code == 200, first.text
    assert repeat.status_code == 200, repeat.text
    assert repeat.json() == first.json()
    assert another.status_code == 422
    assert "已达规则允许的上限（1 次）" in another.json()["detail"]
    [task] = live["tasks"]
    assert (task["extensions"], datetime.fromisoformat(task["schedule"]["due_at"])) == (
        1,
        friday + 4 * DAY,
    )


async def test_an_administrator_moves_a_case_to_another_rule_version(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """Only an administrator moves a running case; the answer carries the dry run's changes."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        case_id, _ = await cases.awaiting_opinion("c-a")
        old = cases.rules.active.version
        edit_rules(cases.rules.folder, {"dual_assessment.yaml": [("before: 5wd", "before: 3wd")]})
        assert await cases.rules.refresh() is True
        new = cases.rules.active.version
        url = _url(case_id, "move-rules")
        body = {"version": new, "reason": "采用新的意见期限"}
        street = await api.http.post(url, json=body, headers=api.auth("street"))
        assert street.status_code == 422
        assert "无权变更案件的规则版本" in street.json()["detail"]
        moved = await api.http.post(url, json=body, headers=api.auth("admin"))
        assert moved.status_code == 200, moved.text

    answer = moved.json()
    assert (answer["previous"], answer["version"]) == (old, new)
    assert "opinion.due_at" in {change["decision"] for change in answer["changes"]}
    [audit] = await _audited(api, case_id)
    assert (audit.actor, audit.detail["action"]) == ("admin", "move-rules")
