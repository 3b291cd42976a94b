"""Wires the UI into the app: static files, the page routers, and HTML answers for page errors
(a redirect to the login page, the 400, 403 and 404 pages)."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.problems import invalid_request
from api.ui import account, board, case_actions, cases, dashboards, inbox, pages
from api.ui.render import (
    STATIC_DIR,
    LoginRequired,
    PageForbidden,
    PageNotFound,
    login_redirect,
    render,
)
from workflows.case_text import error_text

# Where a request's field sits, as the error page names it.
PLACES = {
    "query": "参数",
    "body": "表单项",
    "path": "路径参数",
    "header": "请求头",
    "cookie": "Cookie",
}
GIVEN_CHARS = 40
"""How much of a wrong value the error page repeats."""


def is_api(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (problem documents), not to the pages."""
    return path in {"/api", "/events"} or path.startswith(("/api/", "/events/"))


def field_problem(error: Any) -> str:
    """One bad field of a page request, in Chinese: 参数 page：须不小于 1（收到的是“-1”）."""
    place, *names = [str(part) for part in error.get("loc", ())] or [""]
    field = f"{PLACES.get(place, place)} {'.'.join(names)}".strip()
    line = f"{field or '请求'}：{error_text(error)}"
    given = error.get("input")
    if error.get("type") != "missing" and isinstance(given, str):
        shown = given if len(given) <= GIVEN_CHARS else given[:GIVEN_CHARS] + "…"
        line += f"（收到的是“{shown}”）"
    return line


def _without_bad_query(request: Request, errors: Sequence[Any]) -> str | None:
    """This page without the query parameters that were wrong, when that is a page to open."""
    if request.method != "GET":
        return None
    bad: set[str] = set()
    for error in errors:
        loc = error.get("loc", ())
        if len(loc) != 2 or loc[0] != "query" or error.get("type") == "missing":
            return None
        bad.add(str(loc[1]))
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in bad]
    return request.url.path + (f"?{urlencode(kept)}" if kept else "")


def install(app: FastAPI) -> None:
    """Mount ``/static``, include the page routers and answer page errors with pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(account.router)
    app.include_router(pages.router)
    app.include_router(inbox.router)
    app.include_router(cases.router)
    app.include_router(case_actions.router)
    app.include_router(dashboards.router)
    app.include_router(board.router)

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if request.headers.get("hx-request"):
            # htmx follows a redirect inside the target; tell it to load the login page whole.
            return Response(status_code=204, headers={"HX-Redirect": login_redirect(exc.next_url)})
        return RedirectResponse(login_redirect(exc.next_url), status_code=303)

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            status_code=403,
            heading="无权访问",
            message="您的账号没有访问此页面的权限。",
        )

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if is_api(request.url.path):
            return invalid_request(exc).response()
        errors = exc.errors()
        return render(
            request,
            "error.html",
            status_code=400,
            heading="请求有误",
            message="以下参数不正确，请检查后重试：",
            problems=[field_problem(error) for error in errors],
            back=_without_bad_query(request, errors),
        )

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            status_code=404,
            heading="未找到",
            message="没有这个页面，或它不在您的管辖范围内。",
        )

    app.add_exception_handler(LoginRequired, on_login_required)
    app.add_exception_handler(PageForbidden, on_forbidden)
    app.add_exception_handler(PageNotFound, on_not_found)
    # Replaces the problem-document handler of api.problems; API paths still get a problem.
    app.add_exception_handler(RequestValidationError, on_invalid)
