"""What people see: the dashboards' charts, the public board without private data, the layout
at phone width. With GRASSROOTS_SCREENSHOTS=<folder> the main pages are also saved as PNGs
(``make screenshots`` writes docs/screenshots/)."""

import csv
import os
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from db.sample import SAMPLE_DIR
from tests.ui.conftest import PHONE, NewPage, UiStack, js_errors, login
from tests.ui.test_work import open_card, request_inspection

pytestmark = pytest.mark.e2e

CHARTS = (
    "chart-coverage-community",
    "chart-coverage-type",
    "chart-workforce",
    "chart-contacts",
    "chart-escalations",
    "chart-commitments",
)
SCREENSHOTS = os.environ.get("GRASSROOTS_SCREENSHOTS")


async def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save the page as ``<name>.png`` when screenshots are asked for."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


PRIVATE_COLUMNS = ("联系电话", "身份证号", "现居住地址")


def private_values() -> set[str]:
    """Phone numbers, id numbers and home addresses of the sample registry's members."""
    with (SAMPLE_DIR / "members.csv").open(encoding="utf-8-sig") as source:
        rows = list(csv.DictReader(source))
    values: set[str] = set()
    for row in rows:
        values.update(row[column] for column in PRIVATE_COLUMNS if row[column])
    return values


async def test_the_dashboards_draw_every_chart(ui_stack: UiStack, page: Page) -> None:
    """Each dashboard chart is drawn on a canvas from the page's data, without script errors."""
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["admin_username"], creds["admin_password"])
    await page.goto(ui_stack.base_url + "/dashboards")
    for chart in CHARTS:
        await expect(page.locator(f"#{chart} canvas")).to_have_count(1)
    box = await page.locator("#chart-coverage-community canvas").bounding_box()
    assert box is not None
    assert box["width"] > 200
    await expect(page.locator(".kpis")).to_contain_text("大党委覆盖率")
    await expect(page.locator("main")).to_contain_text("社区党组织书记平均年龄")
    assert js_errors(page) == []
    await shoot(page, "dashboards")


async def test_a_community_account_sees_only_its_community_on_the_dashboards(
    ui_stack: UiStack, page: Page
) -> None:
    """Staff of 汾河社区 see their community's workforce line, not the other communities'."""
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await page.goto(ui_stack.base_url + "/dashboards")
    table = page.locator("table").filter(has_text="社区党组织书记平均年龄")
    await expect(table).to_contain_text("汾河社区")
    await expect(table).not_to_contain_text("新华社区")
    await expect(table).not_to_contain_text("全部社区")


async def test_the_public_board_needs_no_login_and_shows_nothing_private(
    ui_stack: UiStack, page: Page
) -> None:
    """Anyone sees the published commitments; no member's phone, id number or address."""
    await page.goto(ui_stack.base_url + "/board")
    assert "/login" not in page.url
    await expect(page.locator(".pledge").first).to_be_visible()
    text = await page.locator("body").inner_text()
    html = await page.content()
    leaked = [value for value in private_values() if value in html]
    assert leaked == []
    assert re.search(r"\b\d{17}[\dXx]\b", text) is None
    await expect(page.get_by_role("link", name="登录")).to_be_visible()
    await shoot(page, "board", full_page=False)


async def test_phone_width_pages_fit_and_the_menu_works(
    ui_stack: UiStack, new_page: NewPage
) -> None:
    """At 390 px nothing scrolls sideways, and the 菜单 button opens the links."""
    page = await new_page(PHONE)
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    for path in ("/inbox", "/cases", "/dashboards", "/board"):
        await page.goto(ui_stack.base_url + path)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px"
    await page.goto(ui_stack.base_url + "/inbox")
    cases_link = page.get_by_role("link", name="案件", exact=True)
    await expect(cases_link).to_be_hidden()
    await page.get_by_text("菜单").click()
    await cases_link.click()
    await page.wait_for_url("**/cases")
    await expect(page.locator("h1")).to_contain_text("案件")
    await page.goto(ui_stack.base_url + "/inbox")
    await shoot(page, "inbox-phone", full_page=False)
    assert js_errors(page) == []


async def test_main_pages_render_at_desktop_width(ui_stack: UiStack, page: Page) -> None:
    """The inbox, case list and a case page render for community staff without script errors."""
    case_id = await request_inspection(ui_stack, "org43")  # 稷山县慈善协会, 汾河社区
    creds = ui_stack.credentials
    await login(page, ui_stack.base_url, creds["staff_username"], creds["staff_password"])
    await open_card(page, ui_stack, case_id, "signoff-1")
    await expect(page.locator("h1")).to_contain_text("待办事项")
    await shoot(page, "inbox", full_page=False)
    await page.goto(ui_stack.base_url + "/cases")
    await expect(page.locator("table.cases tbody tr").first).to_be_visible()
    await shoot(page, "cases", full_page=False)
    await page.goto(f"{ui_stack.base_url}/cases/{case_id}")
    await expect(page.locator(".case-facts")).to_contain_text("适用规则版本")
    await shoot(page, "case")
    assert js_errors(page) == []
