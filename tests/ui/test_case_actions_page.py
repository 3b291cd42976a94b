"""The case page's action forms over plain HTTP, on the app with a worker on the time-skipping
server: who sees 授权放行, 指定征求意见的社区 and 延期, and what submitting them says."""

import asyncio
import re
from pathlib import Path

from tests.api.assessments import assessment_cases
from tests.api.conftest import Api, api, database_url, engine, sessions
from tests.api.databases import on_each_database

__all__ = ["api", "database_url", "engine", "sessions"]

pytestmark = on_each_database
FORM = {"Origin": "http://testserver"}
HTMX = {**FORM, "HX-Request": "true"}


async def _page(api: Api, case_id: str, who: str) -> str:
    response = await api.http.get(f"/cases/{case_id}", headers=api.auth(who))
    assert response.status_code == 200, response.text
    return response.text


async def test_the_street_committee_releases_a_held_assessment_from_its_page(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """A held assessment's page offers 授权放行 to the street committee only; community staff
    submitting anyway get the case's refusal, the street committee's release closes the case."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        held = await cases.held("c-a")
        street_page = await _page(api, held, "street")
        assert 'data-action="override"' in street_page
        assert "经街道党工委、县委组织部授权" in street_page
        for who in ("staff_a", "admin", "viewer"):
            assert 'data-action="override"' not in await _page(api, held, who), who

        url = f"/cases/{held}/actions/override"
        refused = await api.http.post(
            url, data={"reason": "书记空缺"}, headers={**api.auth("staff_a"), **HTMX}
        )
        assert refused.status_code == 422
        assert "案件未接受：" in refused.text
        assert "无权授权放行" in refused.text
        empty = await api.http.post(
            url, data={"reason": " "}, headers={**api.auth("street"), **HTMX}
        )
        assert empty.status_code == 400
        assert "请填写放行理由" in empty.text
        viewer = await api.http.post(
            url, data={"reason": "x"}, headers={**api.auth("viewer"), **FORM}
        )
        assert viewer.status_code == 403

        released = await api.http.post(
            url,
            data={"reason": "社区党组织书记空缺，经街道党工委研究同意"},
            headers={**api.auth("street"), **HTMX},
        )
        assert released.status_code == 200, released.text
        assert 'data-done="true"' in released.text
        assert "已记录授权放行，案件将结案" in released.text
        await api.wait_for(held, status="overridden")
        after = await _page(api, held, "street")

    assert 'data-action="override"' not in after
    assert "授权放行" in after  # the timeline entry, with who did it
    assert "street" in after


async def test_the_page_offers_assignment_and_extension_to_those_the_rules_allow(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """An administrator names the community from the registry's list; the street committee may
    extend the open opinion task and community staff may not; a plain form post comes back to
    the case page with the outcome."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        waiting = await cases.awaiting_assignment()
        admin_page = await _page(api, waiting, "admin")
        assert 'data-action="assign"' in admin_page
        assert '<option value="c-b">汾河社区</option>' in admin_page
        posted = await api.http.post(
            f"/cases/{waiting}/actions/assign",
            data={"org_id": "c-b", "reason": "工作单位所在社区"},
            headers={**api.auth("admin"), **FORM},
        )
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/cases/{waiting}"
        await api.wait_for(waiting, status="awaiting_opinion")

        opinion, _ = await cases.awaiting_opinion("c-a")
        assert 'data-action="extend"' in await _page(api, opinion, "street")
        assert 'data-action="extend"' not in await _page(api, opinion, "staff_a")
        url = f"/cases/{opinion}/actions/extend"
        both = {
            "task_id": "opinion",
            "reason": "换届",
            "by": "2wd",
            "new_due_at": "2099-01-01T17:00",
        }
        unclear = await api.http.post(url, data=both, headers={**api.auth("street"), **HTMX})
        assert "二选一" in unclear.text
        extended = await api.http.post(
            url, data={**both, "new_due_at": ""}, headers={**api.auth("street"), **HTMX}
        )
        assert extended.status_code == 200, extended.text
        assert "期限已延至" in extended.text
        # One extension is all the opinion task's rules allow: the form goes.
        assert 'data-action="extend"' not in await _page(api, opinion, "street")


async def test_a_case_held_for_want_of_a_community_can_still_be_given_one(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """Held because nobody named a community in time, the case's page still offers the
    administrator 指定征求意见的社区, and naming one opens the opinion task."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        held = await cases.held_unassigned()
        page = await _page(api, held, "admin")
        assert 'data-action="assign"' in page
        assert 'data-action="override"' not in page  # admin is not an override role
        posted = await api.http.post(
            f"/cases/{held}/actions/assign",
            data={"org_id": "c-b", "reason": "工作单位所在社区"},
            headers={**api.auth("admin"), **HTMX},
        )
        assert posted.status_code == 200, posted.text
        # The named community gets the opinion task (already past its due time, so the case
        # stays held until the opinion or an override comes).
        for _ in range(200):
            case = await api.http.get(f"/api/cases/{held}", headers=api.auth("admin"))
            tasks = {task["task_id"]: task for task in case.json()["tasks"]}
            if "opinion" in tasks:
                break
            await asyncio.sleep(0.05)
        assert tasks["opinion"]["owner"] == "c-b"
        assert tasks["assign"]["status"] == "answered"
        assert 'data-action="assign"' not in await _page(api, held, "admin")


async def test_the_organisation_department_may_release_a_case_held_for_want_of_a_community(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """Held with no community named, the case's page offers the county organisation department
    (shown as 县委组织部) both 授权放行 and 指定征求意见的社区; its release closes the case."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        held = await cases.held_unassigned()
        page = await _page(api, held, "zuzhibu")
        assert "zuzhibu（县委组织部）" in page
        assert 'data-action="override"' in page
        assert 'data-action="assign"' in page
        released = await api.http.post(
            f"/cases/{held}/actions/override",
            data={"reason": "无法确定报到社区，经县委组织部研究同意"},
            headers={**api.auth("zuzhibu"), **HTMX},
        )
        assert released.status_code == 200, released.text
        assert "已记录授权放行，案件将结案" in released.text
        await api.wait_for(held, status="overridden")


async def test_an_extension_form_sent_twice_extends_once(
    api: Api, task_queue: str, tmp_path: Path
) -> None:
    """The 延期 form carries its own key: sending the same form again (a double click, a resend
    after no answer) does not use up a second extension."""
    async with assessment_cases(api, task_queue, tmp_path) as cases:
        opinion, _ = await cases.awaiting_opinion("c-a")
        page = await _page(api, opinion, "street")
        [key] = re.findall(r'name="request_key" value="([^"]+-extend-opinion)"', page)
        form = {"task_id": "opinion", "reason": "换届", "by": "2wd", "request_key": key}
        url = f"/cases/{opinion}/actions/extend"
        first = await api.http.post(url, data=form, headers={**api.auth("street"), **HTMX})
        again = await api.http.post(url, data=form, headers={**api.auth("street"), **HTMX})
        fresh = await _page(api, opinion, "street")

    assert first.status_code == again.status_code == 200, again.text
    assert "期限已延至" in again.text
    assert key not in fresh  # each rendering of the page has a key of its own
