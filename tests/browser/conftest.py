"""Browser fixtures: `casebridge dev` on free ports, Debian's Chromium via Playwright, failure screenshots."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.support.browser import (
    ADMIN_TOKEN,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    Server,
    browser_missing,
)
from tests.support.paths import REPO
from tests.support.processes import free_port, stop, wait_until_serving


@pytest.fixture(scope="session")
def chromium_available() -> None:
    """Skip where Chromium is missing, except in CI (CASEBRIDGE_REQUIRE_BROWSER=1): there it fails."""
    problem = browser_missing()
    if problem is None:
        return
    if os.environ.get("CASEBRIDGE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here, but {problem}")
    pytest.skip(f"browser tests skipped: {problem}")


@pytest.fixture(scope="session")
def server(chromium_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`casebridge dev`, as `make run` starts it, with its own data directory and admin token."""
    port, sandbox_port = free_port(), free_port()
    while sandbox_port == port:
        sandbox_port = free_port()
    data = tmp_path_factory.mktemp("casebridge-dev")
    env = os.environ | {
        "CASEBRIDGE_DATA_DIR": str(data / "var"),
        "CASEBRIDGE_ADMIN_TOKEN": ADMIN_TOKEN,
        "CASEBRIDGE_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "dev",
        "--port",
        str(port),
        "--sandbox-port",
        str(sandbox_port),
    ]
    with (data / "server.log").open("ab") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_serving(f"{url}/health", process, timeout=30)
            wait_until_serving(f"http://127.0.0.1:{sandbox_port}/__sandbox/faults", process, timeout=10)
        except (RuntimeError, TimeoutError) as exc:
            log_tail = (data / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"`casebridge dev` did not start: {exc}\n{log_tail}") from None
        yield Server(url, f"http://127.0.0.1:{sandbox_port}")
    finally:
        stop(process)


@pytest.fixture
async def browser(chromium_available: None) -> AsyncIterator[Any]:
    """Per test (with the test's event loop); Chromium starts in about half a second."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
async def context(browser: Any, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fresh browser profile per test; its pages are screenshotted into test-artifacts/ on failure."""
    ctx = await browser.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(15_000)
    yield ctx
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::")[-1])
        for n, opened in enumerate(ctx.pages):
            await opened.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
    await ctx.close()


@pytest.fixture
async def page(context: Any) -> Any:
    return await context.new_page()
