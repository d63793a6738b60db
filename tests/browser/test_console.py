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
    tom = await page.locator("#default_owner-guid code").inner_text()  # shown as soon as it is picked
    await page.get_by_role("button", name="Test & Save").click()
    report = page.locator("#report")
    assert "saved and active" in await report.get_by_role("heading").inner_text()
    assert "Owner: contact 'Tom Becker'." in await report.inner_text()
    assert await page.locator("#default_owner-guid code").inner_text() == tom

    await page.get_by_label("Resolved status").fill("Resolvd")  # a name that does not resolve
    await page.get_by_role("button", name="Test & Save").click()
    heading = await page.locator("#report").get_by_role("heading").inner_text()
    assert heading.startswith("Not saved: fix the failed checks below (Resolved status)")
    await page.locator("#resolved_status").fill("Resolved")

    await page.get_by_label("Client secret").fill("not-the-secret")
    await page.get_by_role("button", name="Test & Save").click()
    text = await page.locator("#report").inner_text()
    assert "Not saved: fix the failed checks below" in text
    assert "invalid_client" in text
    assert "How to fix: Copy the Client ID and Client Secret again" in text
    assert await page.get_by_label("Client secret").input_value() == ""  # never echoed back
    assert await page.locator("[aria-invalid=true]").count() == 0  # the one cause is above, not on them
    assert "Not checked" in await page.locator("#default_owner-note").inner_text()

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


async def test_a_transcript_over_the_limit_is_stopped_before_sending(page: Any, server: Server) -> None:
    await log_in(page, server, "/console/field-mappings")
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    transcript = "Customer: " + "x" * 200_000
    await page.get_by_label("Paste a transcript").fill(transcript)
    await page.get_by_role("button", name="Preview this transcript").click()

    alert = page.locator("#transcript-too-long")
    await alert.wait_for()
    said = await alert.inner_text()
    assert "The transcript has 200,010 characters; the preview reads at most 200,000." in said
    assert posted == []
    assert await page.get_by_label("Paste a transcript").input_value() == transcript
