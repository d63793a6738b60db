"""Conversations: state and search, the timeline with its case link, escaping, retrying dead jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from app.db.tables import ConversationRow, JobRow
from tests.support.casebridge import Client, drain
from tests.support.console import form_token
from tests.support.events import handoff, message, signed

SCRIPT = "<script>alert('pwned')</script>"


async def _post(client: Client, event: dict[str, Any]) -> None:
    body, headers = signed(event)
    response = await client.post("/api/v1/events", content=body, headers=headers)
    assert response.status_code == 202, response.text


async def _conversation_id(client: Client, external_id: str) -> str:
    query = select(ConversationRow.id).where(col(ConversationRow.external_id) == external_id)
    async with client.app.state.services.sessions() as session:
        return str((await session.exec(query)).one())


async def test_list_shows_sync_state_and_searches(admin: Client) -> None:
    await _post(admin, message("conv_a", "m1", "My invoice is wrong"))
    await drain(admin)
    await _post(
        admin, message("conv_b", "m1", "Where is my parcel?", name="Grace Hopper", email="grace@x.io")
    )

    page = await admin.get("/console/conversations")
    assert "conv_a" in page.text
    assert "conv_b" in page.text
    assert '<span class="badge badge-synced">Synced</span>' in page.text
    assert '<span class="badge badge-pending">Pending</span>' in page.text
    assert 'href="/demo/agent/cases/' in page.text  # the sandbox's case opens in the sandbox agent console

    found = await admin.get("/console/conversations", params={"q": "grace"})
    assert "conv_b" in found.text
    assert "conv_a" not in found.text
    pending = await admin.get("/console/conversations", params={"state": "pending"})
    assert "conv_b" in pending.text
    assert "conv_a" not in pending.text


async def test_timeline_shows_messages_case_and_activities(admin: Client) -> None:
    await _post(admin, message("conv_t", "m1", "My invoice is wrong"))
    await _post(admin, message("conv_t", "m2", "Could you give me the number?", author="ai", t=5))
    await _post(admin, handoff("conv_t", "Invoice dispute, customer wants a human"))
    await drain(admin)
    conversation_id = await _conversation_id(admin, "conv_t")

    page = await admin.get(f"/console/conversations/{conversation_id}")

    text = page.text
    assert page.status_code == 200
    assert "My invoice is wrong" in text
    assert "Could you give me the number?" in text
    assert "Invoice dispute, customer wants a human" in text
    assert 'id="case-link"' in text
    assert "SR0000" in text
    assert "Activities on the Creatio case" in text
    assert text.count(">Casebridge</td>") >= 3  # the activities written for the three messages


async def test_customer_text_is_rendered_as_text(admin: Client) -> None:
    await _post(admin, message("conv_x", "m1", SCRIPT, name=SCRIPT))
    conversation_id = await _conversation_id(admin, "conv_x")

    for path in ("/console/conversations", f"/console/conversations/{conversation_id}"):
        page = await admin.get(path)
        assert SCRIPT not in page.text
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page.text


async def test_a_dead_job_can_be_retried_from_its_conversation(admin: Client) -> None:
    await _post(admin, message("conv_d", "m1", "Hello"))
    async with admin.app.state.services.sessions() as session, session.begin():
        await session.exec(update(JobRow).values(state="dead", last_error="CreatioPermanentError: 403"))
    conversation_id = await _conversation_id(admin, "conv_d")
    page = await admin.get(f"/console/conversations/{conversation_id}")
    assert '<span class="badge badge-failed">Failed</span>' in page.text
    assert "CreatioPermanentError: 403" in page.text
    job_id = page.text.split('action="/console/jobs/')[1].split("/retry")[0]

    response = await admin.post(
        f"/console/jobs/{job_id}/retry",
        data={"csrf_token": await form_token(admin), "conversation_id": conversation_id},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/console/conversations/{conversation_id}?done=job-retried"
    async with admin.app.state.services.sessions() as session:
        job = await session.get(JobRow, int(job_id))
    assert job is not None
    assert job.state == "queued"
    await drain(admin)
    page = await admin.get(f"/console/conversations/{conversation_id}?done=job-retried")
    assert "The job was queued to run now." in page.text
    assert '<span class="badge badge-synced">Synced</span>' in page.text


async def test_an_unknown_conversation_is_a_readable_404(admin: Client) -> None:
    page = await admin.get("/console/conversations/00000000-0000-4000-8000-000000000000")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text


async def test_numbers_past_the_database_integer_are_a_400_page(admin: Client) -> None:
    """They used to reach the driver and end in a 500 (found by fuzzing)."""
    listing = await admin.get("/console/conversations", params={"offset": 2**63})
    retry = await admin.post(
        f"/console/jobs/{2**63}/retry", data={"csrf_token": await form_token(admin)}, follow_redirects=False
    )
    assert (listing.status_code, retry.status_code) == (400, 400)
    assert "offset" in listing.text


async def test_the_conversation_page_opens_by_the_chat_platforms_id_too(admin: Client) -> None:
    await _post(admin, message("conv_support", "m1", "My invoice is wrong"))
    own_id = await _conversation_id(admin, "conv_support")

    by_chat_id = await admin.get("/console/conversations/conv_support")
    by_own_id = await admin.get(f"/console/conversations/{own_id}")
    assert by_chat_id.status_code == by_own_id.status_code == 200
    assert "My invoice is wrong" in by_chat_id.text
    assert "My invoice is wrong" in by_own_id.text

    missing = await admin.get("/console/conversations/conv_nobody")
    assert missing.status_code == 404
    assert "conv_nobody" in missing.text
