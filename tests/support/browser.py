"""Driving `casebridge dev` in Debian's Chromium: where Chromium is, how it runs, and logging in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path(os.environ.get("CASEBRIDGE_CHROMIUM", "/usr/bin/chromium"))
ADMIN_TOKEN = "browser-test-admin-token"
CHROMIUM_ARGS = [  # keep Chromium off the (closed) network
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Server:
    url: str
    sandbox_url: str


def browser_missing() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    return None


async def log_in(page: Any, server: Server, path: str = "/console/") -> None:
    await page.goto(f"{server.url}{path}")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_selector("nav[aria-label='Console']")
