"""The login form's session cookie and its guards, over plain HTTP: lockout messages in Chinese,
SameSite=Strict, and form posts from another site refused."""

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from tests.ui.conftest import UiStack

pytestmark = pytest.mark.e2e
EVIL = "http://evil.example"


async def add_user(stack: UiStack, username: str, password: str, *args: str) -> None:
    """``grassroots users add`` against the running service's database."""
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("grassroots")),
        "users",
        "add",
        username,
        "--password-stdin",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={"GRASSROOTS_VAR_DIR": str(stack.var_dir), "PATH": "/usr/bin:/bin"},
    )
    output, _ = await process.communicate(password.encode() + b"\n")
    assert process.returncode == 0, output.decode()


async def form_login(
    http: httpx.AsyncClient, username: str, password: str, origin: str | None = None
) -> httpx.Response:
    headers = {"Origin": origin or str(http.base_url).rstrip("/")}
    return await http.post(
        "/login",
        data={"username": username, "password": password, "next": "/cases"},
        headers=headers,
    )


async def test_the_login_form_sets_a_strict_session_cookie(ui_stack: UiStack) -> None:
    """A good password leads on to the page asked for, with an HttpOnly SameSite=Strict cookie."""
    creds = ui_stack.credentials
    async with httpx.AsyncClient(base_url=ui_stack.base_url) as http:
        response = await form_login(http, creds["staff_username"], creds["staff_password"])
        assert response.status_code == 303
        assert response.headers["location"] == "/cases"
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        page = await http.get("/cases")
        assert page.status_code == 200
        assert "案件" in page.text


async def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(
    ui_stack: UiStack,
) -> None:
    """After five wrong passwords even the right one is refused for 15 minutes, said in Chinese."""
    await add_user(ui_stack, "ui-lockout", "right password 1", "--role", "viewer")
    async with httpx.AsyncClient(base_url=ui_stack.base_url) as http:
        for _ in range(4):
            response = await form_login(http, "ui-lockout", "wrong")
            assert response.status_code == 401
            assert "用户名或密码错误" in response.text
        response = await form_login(http, "ui-lockout", "wrong")
        assert response.status_code == 429
        assert "账号已锁定，请 15 分钟后再试" in response.text
        response = await form_login(http, "ui-lockout", "right password 1")
        assert response.status_code == 429
        assert "账号已锁定" in response.text


async def test_form_posts_from_another_site_are_refused(ui_stack: UiStack) -> None:
    """With the session cookie, a post whose Origin is another site changes nothing (403)."""
    creds = ui_stack.credentials
    async with httpx.AsyncClient(base_url=ui_stack.base_url) as http:
        response = await form_login(http, creds["staff_username"], creds["staff_password"], EVIL)
        assert response.status_code == 403
        response = await form_login(http, creds["staff_username"], creds["staff_password"])
        assert response.status_code == 303
        act = "/inbox/annual_inspection/org40/2026/signoff-1/act"
        refused = await http.post(act, data={"decision": "granted"}, headers={"Origin": EVIL})
        assert refused.status_code == 403
        assert "无权访问" in refused.text
        no_origin = await http.post(act, data={"decision": "granted"})
        assert no_origin.status_code == 403
        logout = await http.post("/logout", headers={"Origin": EVIL})
        assert logout.status_code == 403
        still_in = await http.get("/inbox")
        assert still_in.status_code == 200


async def test_a_viewer_sees_the_inbox_without_forms(ui_stack: UiStack) -> None:
    """A read-only account sees the county's tasks but no form to answer them."""
    await add_user(ui_stack, "ui-viewer", "viewer password 1", "--role", "viewer")
    async with httpx.AsyncClient(base_url=ui_stack.base_url) as http:
        response = await form_login(http, "ui-viewer", "viewer password 1")
        assert response.status_code == 303
        inbox = await http.get("/inbox")
        assert inbox.status_code == 200
        assert "待办事项" in inbox.text
        assert 'class="card task' in inbox.text
        assert "hx-post" not in inbox.text
