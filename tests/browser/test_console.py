"""The console in Chromium: login and logout, Test & Save, the webhook URL's copy button, small screens."""

from __future__ import annotations

from typing import Any

from tests.support.browser import ADMIN_TOKEN, Server, log_in

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


async def test_login_with_the_keyboard_and_logout(page: Any, server: Server) -> None:
    await page.goto(f"{server.url}/console/health")
    assert "/console/login" in page.url
    assert await page.evaluate("document.activeElement.id") == "admin_token"  # focused for typing
    await page.keyboard.type("wrong")
    await page.keyboard.press("Enter")
    assert "That is not the admin token" in await page.get_by_role("alert").inner_text()

    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Log in"
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/health")
    assert await page.get_by_role("heading", name="Health").is_visible()
    assert await page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"

    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/console/login?done=logged-out")
    assert await page.get_by_role("status").inner_text() == "You are logged out."


async def test_test_and_save_passes_and_then_explains_a_failure(
    context: Any, page: Any, server: Server
) -> None:
    await log_in(page, server, "/console/settings/creatio")
    await page.get_by_label("Default case owner").fill("Tom Becker")  # a name, not a GUID
    await page.get_by_role("button", name="Test & Save").click()
    report = page.locator("#report")
    assert "saved and active" in await report.get_by_role("heading").inner_text()
    assert "Owner: contact 'Tom Becker'." in await report.inner_text()

    await page.get_by_label("Client secret").fill("not-the-secret")
    await page.get_by_role("button", name="Test & Save").click()
    text = await page.locator("#report").inner_text()
    assert "Not saved: fix the failed checks below" in text
    assert "invalid_client" in text
    assert "How to fix: Copy the Client ID and Client Secret again" in text
    assert await page.get_by_label("Client secret").input_value() == ""  # never echoed back

    await page.get_by_label("Default case owner").fill("Maria Lopez")  # back to `make run`'s default
    await page.get_by_role("button", name="Test & Save").click()  # secret left empty: the saved one is kept
    assert "saved and active" in await page.locator("#report").get_by_role("heading").inner_text()

    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    url = await page.get_by_label("Webhook URL to paste into Creatio").input_value()
    assert url.startswith(f"{server.url}/webhooks/creatio/")
    await page.get_by_role("button", name="Copy").click()
    await page.wait_for_selector("#webhook-url-status:has-text('Copied')")
    assert await page.evaluate("navigator.clipboard.readText()") == url


async def test_pages_fit_a_phone_and_a_laptop(page: Any, server: Server) -> None:
    await log_in(page, server)
    for viewport in (PHONE, LAPTOP):
        await page.set_viewport_size(viewport)
        for path in (
            "/console/settings/creatio",
            "/console/settings/chatwoot",
            "/console/conversations",
            "/demo/chat",
            "/console/health",
        ):
            await page.goto(f"{server.url}{path}")
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport}"
