"""The login page and logging out: the same session cookie as ``POST /api/login``."""

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.security import SESSION_COOKIE, set_session_cookie
from api.services import services
from api.ui.render import MaybePerson, check_same_origin, flash, render, safe_next
from db.base import utcnow
from db.cases import audit
from db.security import attempt_login, close_session, open_session, session_user

router = APIRouter(include_in_schema=False)


@router.get("/login")
async def login_page(request: Request, person: MaybePerson, next: str = "/") -> Response:
    """The login form; someone already logged in goes on to where they were headed."""
    if person is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None, username=None)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, set the session cookie and go on; Chinese messages on failure."""
    check_same_origin(request)
    target = safe_next(next)
    if not username or not password:
        return _refused(request, target, username, "请输入用户名和密码。", 400)
    svc = services(request)
    async with svc.sessions() as session:
        outcome = await attempt_login(session, username, password, utcnow())
        if outcome.user is None:
            await session.commit()
            if outcome.locked_for is not None:
                minutes = max(1, math.ceil(outcome.locked_for.total_seconds() / 60))
                message = f"密码错误次数过多，账号已锁定，请 {minutes} 分钟后再试。"
                return _refused(request, target, username, message, 429)
            return _refused(request, target, username, "用户名或密码错误。", 401)
        user = outcome.user
        token, _ = await open_session(session, user, svc.config.session_ttl)
        audit(session, "login", user.username, f"{user.username} logged in (web)")
        await session.commit()
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token, svc.config.session_ttl)
    return response


def _refused(request: Request, target: str, username: str, message: str, status: int) -> Response:
    return render(
        request, "login.html", status_code=status, next=target, error=message, username=username
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End this session (if any) and show the login page."""
    check_same_origin(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with services(request).sessions() as session:
            user = await session_user(session, token, utcnow())
            if user is not None and await close_session(session, token):
                audit(session, "logout", user.username, f"{user.username} logged out (web)")
            await session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return flash(response, "您已退出登录。")
