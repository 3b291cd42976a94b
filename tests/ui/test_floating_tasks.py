"""A floating member's tasks in the browser: community staff answer the home organisation's
reply from the inbox and the case moves on to placement."""

import asyncio
import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.ui.conftest import UiStack, js_errors, login
from tests.ui.test_work import open_card

pytestmark = pytest.mark.e2e

# A building of 汾河社区, the demo staff account's community, in the sample registry.
FENHE_HOME = "稷山县稷峰街道汾河大道26号汾河湾小区1号楼1单元301"


async def register_member(stack: UiStack, member_id: str) -> str:
    """A floating member arrives with a letter of introduction (介绍信), so the rules ask the
    home organisation to confirm them; the case id."""
    body = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "urn:test:community-office",
        "type": "grassroots.member.registered",
        "data": {
            "member_id": member_id,
            "name": "赵流动",
            "home_org": "万荣县皇甫乡北甲村党支部",
            "credential": "介绍信",
            "address": FENHE_HOME,
            "occupation": "教师",
            "phone": "13900000000",
        },
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
    return f"floating_member/{member_id}"


async def test_staff_confirm_a_members_origin_in_the_inbox_and_the_member_is_placed(
    ui_stack: UiStack, page: Page
) -> None:
    """The origin check is a card with a form; a "not confirmed" without a reason is refused in
    Chinese, the confirmation is accepted and the case page shows the member placed."""
    case_id = await register_member(ui_stack, f"ui-fm-{uuid.uuid4().hex[:8]}")
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await open_card(page, ui_stack, case_id, "origin")
    card = page.locator(f'article[data-case="{case_id}"][data-task="origin"]')
    await expect(card.locator("dl")).to_contain_text("原党组织核实")
    await expect(card.locator("dl")).to_contain_text("向原党组织核实中")

    await card.get_by_label("不予确认", exact=True).check()
    await card.get_by_role("button", name="登记核实结果").click()
    await expect(card.locator(".flash.error")).to_contain_text("须写明理由")

    await card.get_by_label("确认其党员身份", exact=True).check()
    await card.get_by_role("button", name="登记核实结果").click()
    await expect(card.locator(".outcome")).to_contain_text("已记录原党组织确认")
    await expect(card.locator("form")).to_have_count(0)

    await card.get_by_role("link", name="查看案件").click()
    status = page.locator(".case-status")
    for _ in range(40):
        if await status.get_attribute("data-status") == "active":
            break
        await asyncio.sleep(0.5)
        await page.reload()
    await expect(status).to_contain_text("已流入（在管）")
    await expect(page.locator(".timeline")).to_contain_text("原党组织已确认党员身份")
    assert js_errors(page) == []
