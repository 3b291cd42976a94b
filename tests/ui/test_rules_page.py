"""An administrator edits a rule file in the browser: an error is refused and shown at its line;
a valid change, after the dry run and a reason, becomes the active version, and a case started
afterwards is pinned to it while a case already running keeps its version."""

import asyncio
import re
import uuid
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from tests.ui.conftest import UiStack, js_errors, login

pytestmark = pytest.mark.e2e

FILE = "community_worker.yaml"
KEY = "annual_minimum_hours"


def _start_case(stack: UiStack) -> str:
    """Start a community-worker case the way another system would: POST /events."""
    worker_id = f"ui-rules-{uuid.uuid4().hex[:8]}"
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:test:hr-office",
        "type": "grassroots.worker.recruited",
        "data": {"worker_id": worker_id, "post": "staff", "method": "open_exam",
                 "community_id": "fenhe", "name": "王芳", "age": 27, "education": "bachelor"},
    }  # fmt: skip
    with stack.api() as http:
        response = http.post(
            "/events", json=event, headers={"content-type": "application/cloudevents+json"}
        )
    assert response.status_code == 202, response.text
    return f"community_worker/{worker_id}"


async def _pinned(page: Page, stack: UiStack, case_id: str) -> str:
    """The rule version the case page's API reports for ``case_id``, once it is projected."""
    for _ in range(200):
        response = await page.request.get(f"{stack.base_url}/api/cases/{case_id}")
        if response.ok:
            body: dict[str, Any] = await response.json()
            version = body.get("rule_version")
            if version:
                return str(version)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{case_id} never showed its rule version\n{stack.log()}")


def _editor_line(page: Page, number: int) -> Locator:
    """The rendered editor line with the line number ``number``."""
    gutter = page.locator(".CodeMirror-linenumber", has_text=re.compile(rf"^{number}$"))
    return page.locator(".CodeMirror-code > div", has=gutter)


async def _replace_key(page: Page, row: Locator, length: int, key: str) -> None:
    """Click the line, select its key with the keyboard and type ``key`` over it."""
    await row.locator(".CodeMirror-line").click()
    await page.keyboard.press("Home")
    for _ in range(length):
        await page.keyboard.press("Shift+ArrowRight")
    await page.keyboard.type(key)
    await page.keyboard.press("Escape")  # close the completion list


async def test_an_edit_is_refused_at_its_line_then_a_fix_becomes_active(
    ui_stack: UiStack, page: Page
) -> None:
    """Misspelling a key is refused with a marker and a plain explanation at its line; fixing it
    and raising the hours shows the dry run, then activates a version new cases are pinned to."""
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["admin_username"], creds["admin_password"])
    active = await (await page.request.get(ui_stack.base_url + "/api/rules")).json()
    before = active["version"]
    running = _start_case(ui_stack)
    assert await _pinned(page, ui_stack, running) == before
    text = (ui_stack.rules_dir / FILE).read_text(encoding="utf-8")
    line = 1 + next(n for n, row in enumerate(text.splitlines()) if row.startswith(f"  {KEY}:"))

    await page.goto(ui_stack.base_url + "/rules")
    await page.get_by_role("row", name=FILE).get_by_role("link", name="在线编辑").click()
    await page.wait_for_url(f"**/rules/edit/{FILE}")
    row = _editor_line(page, line)
    await _replace_key(page, row, len(KEY), "annual_minimm_hours")
    await page.get_by_role("button", name="检查并试算").click()

    errors = page.locator("#rule-errors")
    await expect(errors).to_be_visible()
    misspelt = errors.locator(f"li[data-line='{line}']")
    await expect(misspelt).to_contain_text(f"第 {line} 行第 3 列")
    await expect(misspelt).to_contain_text(f"是不是想写“{KEY}”")
    await expect(row.locator(".CodeMirror-lint-marker-error")).to_have_count(1)
    await expect(page.locator("#dry-run")).to_be_hidden()
    assert (ui_stack.rules_dir / FILE).read_text(encoding="utf-8") == text

    await _replace_key(page, row, len("annual_minimm_hours"), KEY)
    for _ in range(2):
        await page.keyboard.press("ArrowRight")
    for _ in range(2):
        await page.keyboard.press("Shift+ArrowRight")
    await page.keyboard.type("48")
    await page.get_by_role("button", name="检查并试算").click()

    dry_run = page.locator("#dry-run")
    await expect(dry_run).to_be_visible()
    await expect(errors).to_be_hidden()
    await expect(dry_run).to_contain_text(f"training.{KEY}")
    await expect(dry_run).to_contain_text("运行中的案件继续使用启动时固定的规则版本")
    await dry_run.get_by_label("修改原因").fill("县委组织部通知：年度培训学时提高到 48 学时")
    await page.get_by_role("button", name="确认启用新版本").click()
    result = page.locator("#activate-result")
    await expect(result).to_contain_text("已启用新版本")
    found = re.search(r"已启用新版本 ([0-9a-f]{12})", await result.inner_text())
    assert found is not None
    after = found.group(1)
    assert after != before
    assert f"  {KEY}: 48" in (ui_stack.rules_dir / FILE).read_text(encoding="utf-8")

    await page.goto(ui_stack.base_url + "/rules")
    await expect(page.locator("#active-version-id")).to_have_text(after)
    await expect(page.locator("#active-version")).to_contain_text("年度培训学时提高到 48 学时")
    started = _start_case(ui_stack)
    try:
        assert await _pinned(page, ui_stack, started) == after
        assert await _pinned(page, ui_stack, running) == before
        assert js_errors(page) == []
    finally:
        # The service is shared by the session's UI tests: give them back the rules they expect.
        await page.request.post(
            ui_stack.base_url + "/api/rules/rollback",
            data={"version": before, "base": after, "reason": "测试结束，恢复原规则"},
        )
