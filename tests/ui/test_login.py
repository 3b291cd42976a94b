"""Logging in and out through the web pages."""

import pytest
from playwright.async_api import Page, expect

from tests.ui.conftest import UiStack, js_errors, login

pytestmark = pytest.mark.e2e


async def test_a_page_sends_a_stranger_to_login_and_back(ui_stack: UiStack, page: Page) -> None:
    """Opening a page logged out asks for the password, then shows the page that was asked for."""
    await page.goto(ui_stack.base_url + "/cases")
    assert "/login?next=/cases" in page.url
    await page.get_by_label("用户名").fill(ui_stack.credentials["staff_username"])
    await page.get_by_label("密码").fill(ui_stack.credentials["staff_password"])
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/cases")
    await expect(page.get_by_role("navigation", name="主菜单")).to_contain_text("待办")
    assert js_errors(page) == []


async def test_a_wrong_password_is_refused_in_chinese(ui_stack: UiStack, page: Page) -> None:
    """A wrong password leaves the person on the login page with a Chinese message."""
    await page.goto(ui_stack.base_url + "/login")
    await page.get_by_label("用户名").fill(ui_stack.credentials["staff_username"])
    await page.get_by_label("密码").fill("not the password")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")


async def test_logging_out_ends_the_session(ui_stack: UiStack, page: Page) -> None:
    """After 退出 the inbox asks for the password again."""
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/login")
    await expect(page.locator(".flash")).to_have_text("您已退出登录。")
    await page.goto(ui_stack.base_url + "/inbox")
    assert "/login" in page.url
