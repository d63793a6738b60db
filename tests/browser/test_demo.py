"""The guide's "Verifying your setup" in Chromium: message, case, handoff, reply, resolution; escaping."""

from __future__ import annotations

from typing import Any

from tests.support.browser import Server, log_in

SCRIPT = "<script>window.pwned = 1</script><img src=x onerror=window.pwned=2>"


async def _start_chat(page: Any, server: Server, text: str) -> str:
    await page.goto(f"{server.url}/demo/chat")
    await page.get_by_label("Your first message").fill(text)
    await page.get_by_role("button", name="Start the chat").click()
    await page.wait_for_url("**/demo/chat/demo_*")
    url: str = page.url
    return url


def _bubbles(page: Any, kind: str) -> Any:
    return page.locator(f"#chat-log li.bubble.{kind}")


async def test_message_case_handoff_reply_and_resolution(context: Any, page: Any, server: Server) -> None:
    await log_in(page, server)
    widget = await _start_chat(page, server, "My invoice for November is wrong: 300 EUR instead of 200 EUR.")
    await _bubbles(page, "ai").first.wait_for()
    assert "invoice or order number" in await _bubbles(page, "ai").first.inner_text()

    # 1-2. The message created a case: its number in the chat header links to it in the agent console.
    case_link = page.locator("#chat-state a")
    await case_link.wait_for()
    assert (await case_link.get_attribute("href")).startswith("/demo/agent/cases/")
    # ... visible in the console and in the (sandbox) agent console.
    console = await context.new_page()
    await console.goto(f"{server.url}/console/conversations")
    row = console.locator("tr", has_text=widget.rsplit("/", 1)[-1])
    await row.get_by_role("link", name="SR").click()
    assert "My invoice for November is wrong" in await console.locator("#case-facts").inner_text()
    assert "Maria Lopez" in await console.locator("#case-owner").inner_text()  # the default owner
    assert "1st-line support" in await console.locator("#case-group").inner_text()

    # 3. A handoff: the AI-filled fields appear on the case, with their evidence.
    await page.get_by_label("Your message").fill("Order AB-123456. I want to talk to a human please")
    await page.get_by_role("button", name="Send").click()
    await page.get_by_text("You asked for a human. An agent will reply here.").wait_for()
    fields = ""
    for _ in range(40):
        await console.reload()
        fields = await console.locator("#ai-fields").inner_text()
        if "Applied" in fields:
            break
        await console.wait_for_timeout(250)
    assert "Order number" in fields
    assert "AB-123456" in fields
    assert "Applied" in fields

    # The agent corrects an AI-filled value in "Creatio": the field mappings page counts it.
    await console.get_by_label("New Order number").fill("AB-654321")
    await console.locator("form", has=console.get_by_label("New Order number")).get_by_role("button").click()
    assert "AB-654321" in await console.locator("#ai-fields").inner_text()
    mappings = await context.new_page()
    changed = ""
    for _ in range(40):
        await mappings.goto(f"{server.url}/console/field-mappings")
        changed = await mappings.locator('#acceptance tr[data-field="order_number"] td').nth(2).inner_text()
        if changed == "1":
            break
        await mappings.wait_for_timeout(250)
    assert changed == "1"  # "Changed by agents"
    await mappings.close()

    # 4. An agent reply in "Creatio" reaches the chat widget, which is not reloaded.
    await console.get_by_label("Reply", exact=True).fill("Hi Ada, the invoice is corrected.")
    await console.get_by_role("button", name="Send reply").click()
    await console.wait_for_url("**done=replied#reply-done")
    in_view = (
        "(r => r.top >= 0 && r.bottom <= innerHeight)"
        "(document.getElementById('reply-done').getBoundingClientRect())"
    )
    assert await console.evaluate(in_view)  # the confirmation is where the page was scrolled to
    agent = _bubbles(page, "agent").first
    await agent.wait_for()
    assert "Hi Ada, the invoice is corrected." in await agent.inner_text()
    assert "Maria Lopez" in await agent.inner_text()
    assert page.url == widget

    # A resolution in Creatio syncs back to the chat (the status list starts on the case's own status).
    assert await console.get_by_label("Set the case status to").input_value() != "Resolved"
    await console.get_by_label("Set the case status to").select_option("Resolved")
    await console.get_by_role("button", name="Change status").click()
    await page.get_by_text("The support team marked this conversation as resolved.").wait_for()
    assert "resolved" in await page.locator("#chat-state").inner_text()


async def test_customer_markup_is_shown_as_text(page: Any, server: Server) -> None:
    await log_in(page, server)
    await _start_chat(page, server, "Hello")
    await page.get_by_label("Your message").fill(SCRIPT)
    await page.get_by_role("button", name="Send").click()
    bubble = _bubbles(page, "customer").filter(has_text="window.pwned")
    await bubble.wait_for()
    assert SCRIPT in await bubble.inner_text()
    await page.reload()  # the server-rendered transcript too
    assert SCRIPT in await _bubbles(page, "customer").last.inner_text()
    assert await page.evaluate("window.pwned") is None

    conversation = page.url.rsplit("/", 1)[-1]
    await page.goto(f"{server.url}/console/conversations?q={conversation}")
    await page.get_by_role("link", name=conversation).click()
    await page.wait_for_url("**/console/conversations/*")
    assert await page.get_by_text(SCRIPT).count() >= 1
    assert await page.evaluate("window.pwned") is None


async def test_ending_the_chat_shows_in_the_chat_log(page: Any, server: Server) -> None:
    await log_in(page, server)
    await _start_chat(page, server, "Thanks, that was all")
    await page.get_by_role("button", name="End chat").click()
    ended = _bubbles(page, "system").filter(has_text="You ended the chat.")
    await ended.wait_for()
    assert "resolved" in await page.locator("#chat-state").inner_text()
