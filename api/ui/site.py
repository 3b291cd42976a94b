"""Wires the UI into the app: static files, the page routers, and HTML answers for page errors
(a redirect to the login page, the 403 and 404 pages)."""

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.ui import account, board, case_actions, cases, dashboards, inbox, pages
from api.ui.render import (
    STATIC_DIR,
    LoginRequired,
    PageForbidden,
    PageNotFound,
    login_redirect,
    render,
)


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
