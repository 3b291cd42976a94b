"""The web UI in a real browser: the whole service (`grassroots run`) on free ports with its own
state folder and a copy of the rules, and Debian's chromium driven by Playwright (async API).

Fixtures for every UI test module (keep these names):
- ``ui_stack`` (session): the running service; ``.base_url``, ``.credentials`` (the parsed
  demo-credentials.json), ``.rules_dir``, ``.var_dir``, ``.api_token``, ``.log()``.
- ``browser`` (session) and ``page`` (a fresh context and page, desktop size); ``new_page`` makes
  more, e.g. ``await new_page(PHONE)``; ``js_errors(page)`` lists the page's uncaught errors.
- ``login(page, base_url, username, password)``: log in through the login form.

The tests are async: Playwright's sync API refuses to run inside pytest-asyncio's loop.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GRASSROOTS_CHROMIUM", "/usr/bin/chromium"))
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
START_SECONDS = 180.0
# The first start runs the sample registry's cases; tests begin once those have been started.
SAMPLES_DONE = ('"sample_cases_started"', '"sample_cases_incomplete"')

# Answers that go through a case (a Temporal update) can take seconds on a busy 2-core machine.
expect.set_options(timeout=20_000)

_errors: dict[int, list[str]] = {}


@dataclass
class UiStack:
    """The service as a test sees it."""

    base_url: str
    var_dir: Path
    rules_dir: Path
    log_path: Path
    credentials: dict[str, Any] = field(default_factory=dict)

    @property
    def api_token(self) -> str:
        return str(self.credentials["client_token"])

    def log(self, last: int = 80) -> str:
        """The service's last output lines, for failure messages."""
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-last:])

    def api(self) -> httpx.Client:
        """An HTTP client for the JSON API with the demo client token."""
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.api_token}"},
            timeout=30.0,
        )


def _wait_until_up(stack: UiStack, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    credentials = stack.var_dir / "demo-credentials.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"grassroots run exited with {process.returncode}:\n{stack.log()}")
        with contextlib.suppress(httpx.HTTPError):
            healthy = httpx.get(stack.base_url + "/healthz", timeout=2.0).status_code == 200
            if healthy and credentials.exists() and _samples_started(stack):
                stack.credentials = json.loads(credentials.read_text(encoding="utf-8"))
                return
        time.sleep(0.5)
    raise RuntimeError(f"grassroots run did not come up in {START_SECONDS:g} s:\n{stack.log()}")


def _samples_started(stack: UiStack) -> bool:
    text = stack.log_path.read_text(encoding="utf-8", errors="replace")
    return any(marker in text for marker in SAMPLES_DONE)


@pytest.fixture(scope="session")
def ui_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiStack]:
    """`grassroots run` with the sample registry, stopped with SIGTERM at the end of the session."""
    home = tmp_path_factory.mktemp("ui-stack")
    rules_dir = home / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    var_dir = home / "var"
    api_port = free_port()
    env = {
        **os.environ,
        "GRASSROOTS_VAR_DIR": str(var_dir),
        "GRASSROOTS_RULES_DIR": str(rules_dir),
        "GRASSROOTS_TEMPORAL_PORT": str(free_port()),
        "GRASSROOTS_TEMPORAL_UI_PORT": str(free_port()),
        "GRASSROOTS_API_PORT": str(api_port),
        "GRASSROOTS_LOG_FORMAT": "json",
    }
    for name in ("TEMPORAL_ADDRESS", "GRASSROOTS_TEMPORAL_ADDRESS", "DATABASE_URL"):
        env.pop(name, None)
    stack = UiStack(f"http://127.0.0.1:{api_port}", var_dir, rules_dir, home / "service.log")
    command = [str(Path(sys.executable).with_name("grassroots")), "run"]
    with stack.log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(stack, process)
        yield stack
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless (no browser download: `make browser` installs it)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            await launched.close()


NewPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def new_page(browser: Browser) -> AsyncIterator[NewPage]:
    """Make pages in fresh contexts (no shared cookies); all are closed after the test."""
    contexts = []

    async def make(viewport: ViewportSize | None = None) -> Page:
        context = await browser.new_context(
            viewport=viewport or DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        _errors[id(page)] = errors
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_page: NewPage) -> Page:
    """A desktop-sized page in a fresh context."""
    return await new_page()


def js_errors(page: Page) -> list[str]:
    """Uncaught JavaScript errors the page has thrown so far."""
    return _errors.get(id(page), [])


async def login(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the login form and wait to land past it."""
    await page.goto(base_url + "/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(lambda url: "/login" not in url)
