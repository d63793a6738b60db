"""Demo pages (sandbox only): the chat widget through the real signed intake, the sandbox agent console."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.creatio_ids import CaseCategoryIds
from app.web.demo import agent_page
from tests.support.casebridge import SANDBOX_URL, Client, conversation, drain, post
from tests.support.console import form_token
from tests.support.events import CHAT_SECRET, handoff, message

SCRIPT = "<script>document.title='pwned'</script> can you help?"


async def _start(client: Client, text: str) -> str:
    response = await client.post(
        "/demo/chat",
        data={
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "text": text,
            "csrf_token": await form_token(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


async def test_demo_pages_exist_only_with_the_sandbox(app_client: AsyncTestClient[Litestar]) -> None:
    assert (await app_client.get("/demo/chat", follow_redirects=False)).status_code == 404
    assert (await app_client.get("/demo/agent", follow_redirects=False)).status_code == 404


async def test_a_customer_message_goes_through_the_signed_intake_and_gets_an_ai_reply(admin: Client) -> None:
    widget = await _start(admin, "My invoice is wrong")
    page = await admin.get(widget)

    assert page.status_code == 200
    assert "My invoice is wrong" in page.text
    assert "Could you tell me the invoice or order number?" in page.text
    assert CHAT_SECRET not in page.text
    transcript = (await admin.get(f"{widget}/transcript")).json()
    assert [b["kind"] for b in transcript["bubbles"]] == ["customer", "ai"]
    assert transcript["status"] == "open"


async def test_customer_text_is_escaped_in_the_widget(admin: Client) -> None:
    widget = await _start(admin, SCRIPT)
    page = await admin.get(widget)
    assert "<script>document.title" not in page.text
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; can you help?" in page.text


async def test_asking_for_a_human_hands_off(admin: Client) -> None:
    widget = await _start(admin, "The dashboard shows error 500")
    token = await form_token(admin, widget)

    response = await admin.post(
        f"{widget}/messages",
        data={"text": "", "action": "handoff", "csrf_token": token},
        headers={"Accept": "application/json"},
    )

    body = response.json()
    assert body["status"] == "handed_off"
    assert body["bubbles"][-1]["text"] == "You asked for a human. An agent will reply here."
    typed = await admin.post(f"{widget}/messages", data={"text": "hello?", "csrf_token": token})
    assert typed.status_code == 200  # redirected back to the widget
    kinds = [b["kind"] for b in (await admin.get(f"{widget}/transcript")).json()["bubbles"]]
    assert kinds[-1] == "customer"  # after the handoff the AI stays quiet


async def test_agent_console_lists_opens_replies_and_resolves(admin: Client) -> None:
    widget = await _start(admin, "My invoice is wrong")
    await drain(admin)

    cases = await admin.get("/demo/agent")
    assert "My invoice is wrong" in cases.text
    case_path = cases.text.split('href="/demo/agent/cases/')[1].split('"')[0]
    case = await admin.get(f"/demo/agent/cases/{case_path}")
    assert case.status_code == 200
    assert "Customer (Ada Lovelace): My invoice is wrong" in case.text
    assert f'href="{widget}"' in case.text
    token = await form_token(admin, f"/demo/agent/cases/{case_path}")

    await admin.post(
        f"/demo/agent/cases/{case_path}/reply", data={"text": "We fixed it.", "csrf_token": token}
    )
    await admin.post(
        f"/demo/agent/cases/{case_path}/status", data={"status_name": "Resolved", "csrf_token": token}
    )

    sandbox = admin.app.state.runtime.creatio_http
    detail = (await sandbox.get(f"{SANDBOX_URL}/__sandbox/cases/{case_path}")).json()
    assert detail["case"]["StatusName"] == "Resolved"
    assert detail["activities"][-1]["DetailedResult"] == "We fixed it."


async def test_an_unknown_chat_or_case_is_a_404(admin: Client) -> None:
    assert (await admin.get("/demo/chat/demo_nope")).status_code == 404
    assert (await admin.get("/demo/agent/cases/00000000-0000-4000-8000-000000000001")).status_code == 404


async def test_ending_the_chat_resolves_the_creatio_case(admin: Client) -> None:
    widget = await _start(admin, "My invoice is wrong")
    token = await form_token(admin, widget)
    await admin.post(f"{widget}/messages", data={"action": "resolve", "csrf_token": token})
    await drain(admin)

    assert (await admin.get(f"{widget}/transcript")).json()["status"] == "resolved"
    sandbox = admin.app.state.runtime.creatio_http
    cases = (await sandbox.get(f"{SANDBOX_URL}/__sandbox/cases")).json()["cases"]
    assert cases[0]["Subject"] == "My invoice is wrong"
    assert cases[0]["StatusName"] == "Resolved"


async def test_an_agent_changes_an_ai_filled_field_in_the_agent_console(autofill_admin: Client) -> None:
    outage = (
        "Our whole dashboard is down for all users since 9am, every page shows error 503. Order AB-123456."
    )
    await post(autofill_admin, message("d1", "m1", outage, t=0))
    await post(autofill_admin, handoff("d1", "Dashboard outage for all users, order AB-123456.", t=60))
    await drain(autofill_admin)
    case_id = (await conversation(autofill_admin, "d1")).case_id
    path = f"/demo/agent/cases/{case_id}"
    page = (await autofill_admin.get(path)).text
    assert 'name="column" value="CategoryId"' in page
    assert f'<option value="{CaseCategoryIds.SERVICE_REQUEST}">Service request</option>' in page
    assert f'<option value="{CaseCategoryIds.INCIDENT}" selected>Incident</option>' in page
    token = await form_token(autofill_admin, path)

    changed = await autofill_admin.post(
        f"{path}/fields",
        data={"column": "CategoryId", "value": str(CaseCategoryIds.SERVICE_REQUEST), "csrf_token": token},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    sandbox = autofill_admin.app.state.runtime.creatio_http
    detail = (await sandbox.get(f"{SANDBOX_URL}/__sandbox/cases/{case_id}")).json()
    assert detail["case"]["CategoryId"] == str(CaseCategoryIds.SERVICE_REQUEST)

    unmapped = await autofill_admin.post(
        f"{path}/fields", data={"column": "StatusId", "value": "x", "csrf_token": token}
    )
    assert unmapped.status_code == 400


async def test_the_handoff_summary_quotes_what_the_customer_said_at_the_handoff(admin: Client) -> None:
    widget = await _start(admin, "My invoice for November is wrong.")
    token = await form_token(admin, widget)
    await admin.post(
        f"{widget}/messages",
        data={"text": "Order AB-123456. I want to talk to a human please", "csrf_token": token},
    )
    await drain(admin)

    sandbox = admin.app.state.runtime.creatio_http
    [case] = (await sandbox.get(f"{SANDBOX_URL}/__sandbox/cases")).json()["cases"]
    detail = (await sandbox.get(f"{SANDBOX_URL}/__sandbox/cases/{case['Id']}")).json()
    [summary] = [
        a["DetailedResult"] for a in detail["activities"] if "asked for a human" in a["DetailedResult"]
    ]
    assert summary == (
        "Customer asked for a human. They said last: Order AB-123456. "
        "Before that: My invoice for November is wrong."
    )


async def test_the_agent_console_pages_its_cases(admin: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agent_page, "PAGE_SIZE", 2)
    for n in range(3):
        await _start(admin, f"Problem number {n}")
    await drain(admin)

    first = await admin.get("/demo/agent")
    second = await admin.get("/demo/agent?offset=2")

    assert first.text.count('href="/demo/agent/cases/') == 2
    assert "Problem number 2" in first.text
    assert "Problem number 0" not in first.text
    assert "Cases 1 to 2 of 3" in first.text
    assert '<a href="?offset=2">Older</a>' in first.text
    assert second.text.count('href="/demo/agent/cases/') == 1
    assert "Problem number 0" in second.text
    assert '<a href="?offset=0">Newer</a>' in second.text
    assert "Older</a>" not in second.text


async def test_the_case_page_starts_on_its_status_and_confirms_next_to_the_form(admin: Client) -> None:
    widget = await _start(admin, "My invoice is wrong")
    await drain(admin)
    cases = await admin.get("/demo/agent")
    case_path = cases.text.split('href="/demo/agent/cases/')[1].split('"')[0]
    case = await admin.get(f"/demo/agent/cases/{case_path}")
    current = case.text.split('id="case-status">')[1].split("<")[0]
    assert current != "Resolved"
    assert f'<option value="{current}" selected>' in case.text
    assert '<option value="Resolved" selected>' not in case.text

    token = await form_token(admin, f"/demo/agent/cases/{case_path}")
    sent = await admin.post(
        f"/demo/agent/cases/{case_path}/reply",
        data={"text": "We fixed it.", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.headers["location"].endswith("?done=replied#reply-done")
    shown = await admin.get(sent.headers["location"].split("#")[0])
    assert shown.text.count("Reply added to the case.") == 1  # beside the reply, not at the top
    assert shown.text.index("We fixed it.") < shown.text.index('id="reply-done"')
    assert shown.text.index('id="reply-done"') < shown.text.index('id="reply-title"')

    header = (await admin.get(widget)).text.split('id="chat-state">')[1].split("</p>")[0]
    assert f'case <a href="/demo/agent/cases/{case_path}">' in header
    assert (await admin.get(f"{widget}/transcript")).json()["case_url"] == f"/demo/agent/cases/{case_path}"


async def test_ending_the_chat_says_so_in_the_chat_log(admin: Client) -> None:
    widget = await _start(admin, "My invoice is wrong")
    token = await form_token(admin, widget)

    ended = await admin.post(
        f"{widget}/messages",
        data={"action": "resolve", "csrf_token": token},
        headers={"Accept": "application/json"},
    )

    last = ended.json()["bubbles"][-1]
    assert (last["kind"], last["text"]) == ("system", "You ended the chat.")
    assert "You ended the chat." in (await admin.get(widget)).text
