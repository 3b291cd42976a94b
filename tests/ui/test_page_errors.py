"""A page opened with a wrong query value answers with a Chinese error page in the site's
layout — which parameter, what it should be, a way back — while the JSON API keeps answering
with its problem documents."""

import httpx

from tests.api.conftest import Api, api, database_url, engine, sessions
from tests.api.databases import on_each_database

__all__ = ["api", "database_url", "engine", "sessions"]

pytestmark = on_each_database


def _error_page(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "请求有误" in response.text
    assert '<a href="/">返回首页</a>' in response.text
    return response.text


async def test_a_wrong_case_filter_or_page_number_shows_which_and_what_it_should_be(
    api: Api,
) -> None:
    """/cases?overdue=maybe and /cases?page=-1 say so in Chinese under the person's menu, and
    offer the page again without the wrong parameter, keeping the others."""
    staff = api.auth("staff_a")
    overdue = _error_page(await api.http.get("/cases?overdue=maybe&q=物业", headers=staff))
    assert "参数 overdue：须为是或否（true / false）（收到的是“maybe”）" in overdue
    assert 'href="/cases?q=%E7%89%A9%E4%B8%9A"' in overdue
    assert 'href="/inbox"' in overdue  # the site's menu, for the logged-in person
    page = _error_page(await api.http.get("/cases?page=-1", headers=staff))
    assert "参数 page：须不小于 1（收到的是“-1”）" in page
    assert 'href="/cases"' in page
    both = _error_page(await api.http.get("/inbox?page=two&overdue=1", headers=staff))
    assert "参数 page：须为整数（收到的是“two”）" in both
    assert 'href="/inbox?overdue=1"' in both


async def test_a_due_date_filter_that_is_not_a_date_is_named_and_an_empty_one_is_no_filter(
    api: Api,
) -> None:
    """The case list's due-date filters come from date inputs: left empty they filter nothing,
    a value that is not a date is named like any other wrong parameter."""
    staff = api.auth("staff_a")
    wrong = _error_page(await api.http.get("/cases?due_from=2026-13-01&due_to=", headers=staff))
    assert "参数 due_from：须为日期（如 2026-03-01）（收到的是“2026-13-01”）" in wrong
    blank = await api.http.get("/cases?due_from=&due_to=&q=", headers=staff)
    assert blank.status_code == 200


async def test_other_pages_with_parameters_answer_the_same_way(api: Api) -> None:
    """The public board names a year out of range to anyone; the rules diff names a missing
    version to an administrator, without offering the same broken link back."""
    board = _error_page(await api.http.get("/board?year=1999"))
    assert "参数 year：须不小于 2000（收到的是“1999”）" in board
    assert 'href="/board"' in board
    diff = _error_page(await api.http.get("/rules/diff?to=abc", headers=api.auth("admin")))
    assert "参数 from：缺少此项" in diff
    assert "重新打开此页" not in diff


async def test_a_long_wrong_value_is_shortened_and_escaped(api: Api) -> None:
    """A search of more than 100 characters is refused without echoing it whole, or as HTML."""
    text = _error_page(
        await api.http.get("/cases", params={"q": "<b>" * 40}, headers=api.auth("staff_a"))
    )
    assert "参数 q：至多 100 个字" in text
    assert "<b><b>" not in text
    assert "&lt;b&gt;" in text
    assert "…”）" in text


async def test_logging_in_still_comes_first(api: Api) -> None:
    """Without a session, a page with a wrong parameter still sends the person to log in."""
    response = await api.http.get("/cases?overdue=maybe")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


async def test_the_api_still_answers_with_a_problem_document(api: Api) -> None:
    """The same mistake on the JSON API gets the unchanged English problem document."""
    response = await api.http.get("/api/cases?overdue=maybe", headers=api.auth("staff_a"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/invalid",
        "title": "Bad Request",
        "status": 400,
        "detail": "the request has invalid fields",
        "errors": [
            {
                "field": "overdue",
                "message": "Input should be a valid boolean, unable to interpret input",
            }
        ],
    }
