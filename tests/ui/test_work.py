"""A community's day of work in the browser: the inbox, acting on a task, the case page, and
the reach of a community account."""

import asyncio
import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from db.base import local_today
from tests.ui.conftest import NewPage, UiStack, js_errors, login

pytestmark = pytest.mark.e2e

# Organisations of the sample registry whose annual inspection needs the community's sign-off.
FENHE_ORG = "org40"  # 稷山县老年人体育协会, 汾河社区
XINHUA_ORG = "org41"  # 稷峰街道社会工作服务中心, 新华社区


async def request_inspection(stack: UiStack, org_id: str) -> str:
    """The registrar asks for an organisation's annual inspection; the case id."""
    # Next year's: its statutory window is still ahead, so the sign-off opens on time (a request
    # for a year whose window has closed opens overdue, with its 红牌 at once).
    year = local_today().year + 1
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:test:registrar",
        "type": "grassroots.inspection.requested",
        "data": {"org_id": org_id, "year": year},
    }
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30.0) as http:
        response = await http.post(
            "/events",
            json=body,
            headers={
                "Authorization": f"Bearer {stack.api_token}",
                "content-type": "application/cloudevents+json",
            },
        )
    assert response.status_code in (200, 202), response.text
    return f"annual_inspection/{org_id}/{year}"


async def open_card(page: Page, stack: UiStack, case_id: str, task_id: str) -> None:
    """Reload the inbox until the task's card is there (the case opens it within moments)."""
    card = page.locator(f'article[data-case="{case_id}"][data-task="{task_id}"]')
    for _ in range(60):
        await page.goto(stack.base_url + "/inbox")
        if await card.count():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"no card for {case_id} {task_id} in the inbox\n{stack.log()}")


async def test_staff_sign_off_in_the_inbox_clears_the_inspection(
    ui_stack: UiStack, page: Page
) -> None:
    """Community staff find the sign-off in their inbox, sign it, and the case page shows 已放行."""
    case_id = await request_inspection(ui_stack, FENHE_ORG)
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await open_card(page, ui_stack, case_id, "signoff-1")
    card = page.locator(f'article[data-case="{case_id}"][data-task="signoff-1"]')
    await expect(card.locator("h3")).to_have_text("年检登记社区党组织签署意见")
    await expect(card).to_contain_text("办理期限")
    await expect(card.locator(".badge").first).to_have_text("普通")

    await card.get_by_label("同意", exact=True).check()
    await card.get_by_label("理由（每行一条）").fill("材料齐全，已加入社区大党委")
    await card.get_by_role("button", name="签署").click()

    await expect(card.locator(".outcome")).to_contain_text("签署意见已受理")
    await expect(card.locator("form")).to_have_count(0)
    await card.get_by_role("link", name="查看案件").click()
    status = page.locator(".case-status")
    for _ in range(40):
        if await status.get_attribute("data-status") == "cleared":
            break
        await asyncio.sleep(0.5)
        await page.reload()
    await expect(status).to_contain_text("已放行")
    await expect(page.locator(".timeline")).to_contain_text("staff")
    assert js_errors(page) == []


async def test_a_refused_answer_keeps_the_form_with_the_reason(
    ui_stack: UiStack, page: Page
) -> None:
    """A conditional sign-off without conditions is refused in Chinese and can be corrected."""
    case_id = await request_inspection(ui_stack, "org17")  # 稷山板枣食品有限公司, 汾河社区
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await open_card(page, ui_stack, case_id, "signoff-1")
    card = page.locator(f'article[data-case="{case_id}"][data-task="signoff-1"]')
    await card.get_by_label("附条件同意", exact=True).check()
    await card.get_by_role("button", name="签署").click()
    await expect(card.locator(".flash.error")).to_contain_text("附条件通过须写明条件")
    await card.get_by_label("附加条件1（附条件同意时填写）").fill("三个月内加入社区大党委")
    await card.get_by_label("条件1类型").select_option(label="加入社区大党委")
    await card.get_by_label("条件1限期（天，不填按规则默认）").fill("90")
    await card.get_by_role("button", name="签署").click()
    await expect(card.locator(".outcome")).to_contain_text("签署意见已受理")


async def test_a_community_account_cannot_open_another_communitys_case(
    ui_stack: UiStack, new_page: NewPage
) -> None:
    """Staff of 汾河社区 get the 404 page for a 新华社区 case that the administrator can open."""
    case_id = await request_inspection(ui_stack, XINHUA_ORG)
    creds = ui_stack.credentials
    admin = await new_page()
    await login(admin, ui_stack.base_url, creds["admin_username"], creds["admin_password"])
    for _ in range(40):
        response = await admin.goto(f"{ui_stack.base_url}/cases/{case_id}")
        if response is not None and response.status == 200:
            break
        await asyncio.sleep(0.5)
    await expect(admin.locator("h1")).to_have_text("稷峰街道社会工作服务中心")

    staff = await new_page()
    await login(staff, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    response = await staff.goto(f"{ui_stack.base_url}/cases/{case_id}")
    assert response is not None
    assert response.status == 404
    await expect(staff.locator("h1")).to_have_text("未找到")
    await expect(staff.locator("body")).not_to_contain_text("稷峰街道社会工作服务中心")
    await staff.goto(f"{ui_stack.base_url}/cases?q={XINHUA_ORG}")
    await expect(staff.locator("main")).to_contain_text("没有符合条件的案件")


async def test_the_case_page_explains_why_an_inspection_is_held(
    ui_stack: UiStack, page: Page
) -> None:
    """An open inspection's page shows its pinned rule version and the traced decisions."""
    case_id = await request_inspection(ui_stack, "org28")  # 李记板枣专卖店, 汾河社区
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["admin_username"], creds["admin_password"])
    facts = page.locator(".case-facts")
    for _ in range(40):
        await page.goto(f"{ui_stack.base_url}/cases/{case_id}")
        if await page.locator(".timeline details.trace").count():
            break
        await asyncio.sleep(0.5)
    await expect(facts).to_contain_text("年检登记")
    version = await page.locator(".case-facts .mono").first.inner_text()
    assert len(version.strip()) >= 8
    trace = page.locator(".timeline details.trace").first
    await trace.locator("summary").click()
    await expect(trace).to_contain_text("annual_inspection.yaml")
    await expect(trace).to_contain_text("输入")
    link = page.get_by_role("link", name="在 Temporal 控制台中查看")
    assert (await link.get_attribute("href") or "").endswith(case_id.replace("/", "%2F"))
