"""POST /webhooks/chatwoot/<connector id>: the HTTP answers of a chat connector's webhook."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.db.tables import InboundEventRow, MessageRow
from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import BASE_URL, WEBHOOK_SECRET, ChatwootEmulator
from app.settings import Settings
from tests.support.casebridge import Client, rows
from tests.support.chatwoot.casebridge import chatwoot_app, chatwoot_settings


@pytest.fixture
async def client(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> AsyncIterator[Client]:
    async with chatwoot_app(chatwoot_settings(settings), sandbox_http, chatwoot) as client:
        yield client


async def test_a_signed_message_is_accepted_stored_verbatim_and_a_redelivery_is_a_duplicate(
    client: Client, chatwoot: ChatwootEmulator
) -> None:
    payload = cw.message_created(101, 42, "My invoice is wrong")
    first = await chatwoot.post(payload)
    assert (first.status, first.answer) == (
        202,
        {"status": "accepted", "id": f"chatwoot:chatwoot:{first.delivery}"},
    )
    again = await chatwoot.post(payload, delivery=first.delivery)
    assert (again.status, again.answer["status"]) == (200, "duplicate")
    other_delivery = await chatwoot.post(payload)  # the same message under a new delivery id
    assert (other_delivery.status, other_delivery.answer["status"]) == (200, "duplicate")
    [event] = await rows(client, InboundEventRow)
    assert json.loads(event.body) == payload
    [message] = await rows(client, MessageRow)
    assert (message.external_id, message.author) == ("101", "customer")


@pytest.mark.parametrize(
    ("signing", "says"),
    [
        ({"secret": "not-the-secret"}, "does not match"),
        ({"timestamp": int(time.time()) - 301}, "away from our clock"),
    ],
    ids=["wrong secret", "stale"],
)
async def test_wrongly_signed_or_stale_webhooks_are_401_and_store_nothing(
    client: Client, chatwoot: ChatwootEmulator, signing: dict[str, object], says: str
) -> None:
    sent = await chatwoot.post(cw.message_created(101, 42, "hello"), **signing)
    assert sent.status == 401
    assert says in sent.answer["detail"]
    assert await rows(client, InboundEventRow) == []


async def test_a_forged_body_is_401(client: Client, chatwoot: ChatwootEmulator) -> None:
    body, headers, _ = chatwoot.signed(cw.message_created(101, 42, "hello"))
    forged = body.replace(b"hello", b"h3llo")
    response = await client.post("/webhooks/chatwoot/chatwoot", content=forged, headers=headers)
    assert response.status_code == 401


async def test_malformed_webhooks_are_400_naming_the_field(
    client: Client, chatwoot: ChatwootEmulator
) -> None:
    sent = await chatwoot.post(cw.message_created(101, 42, "hello") | {"created_at": "soon"})
    assert sent.status == 400
    assert sent.answer["errors"] == [{"field": "created_at", "message": "not an ISO 8601 time"}]


async def test_events_casebridge_does_not_use_are_200_ignored(
    client: Client, chatwoot: ChatwootEmulator
) -> None:
    sent = await chatwoot.post(cw.conversation(42) | {"event": "conversation_created"})
    assert (sent.status, sent.answer["status"]) == (200, "ignored")
    assert "conversation_created" in sent.answer["reason"]
    assert await rows(client, InboundEventRow) == []


async def test_an_unknown_connector_or_platform_is_404_saying_where_to_set_it_up(
    client: Client, chatwoot: ChatwootEmulator
) -> None:
    body, headers, _ = chatwoot.signed(cw.message_created(101, 42, "hello"))
    for path in ("/webhooks/chatwoot/nope", "/webhooks/intercom/chatwoot"):
        response = await client.post(path, content=body, headers=headers)
        assert response.status_code == 404, path
        assert "Settings > Chat platforms" in response.json()["detail"]


async def test_with_transcript_summaries_the_handoff_summarises_what_casebridge_has_of_the_chat(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    configured = chatwoot_settings(settings, chatwoot_handoff_summary="transcript")
    async with chatwoot_app(configured, sandbox_http, chatwoot) as client:
        await chatwoot.post(cw.message_created(101, 42, "My invoice AB-123456 is wrong.", t=0))
        await chatwoot.post(cw.message_created(102, 42, "Let me check.", kind="outgoing", sender=cw.BOT, t=1))
        await chatwoot.post(cw.message_created(103, 42, "Please, a human.", t=2))
        handoff = await chatwoot.post(cw.status_changed(42, "pending", "open", t=3))
        assert handoff.status == 202
        [summary] = [m for m in await rows(client, MessageRow) if m.author == "handoff"]
    assert summary.text == (
        "The customer asked: My invoice AB-123456 is wrong.\n"
        "Latest from the customer: Please, a human.\n"
        "The AI's last answer: Let me check."
    )


async def test_a_secret_rotated_in_another_process_is_in_force_here_within_the_refresh_bound(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    """The route reads its connector from memory: a save in another process on the same database reaches it
    within CASEBRIDGE_CONNECTION_REFRESH_SECONDS, and the previous secret stays accepted after a rotation."""
    shared = chatwoot_settings(settings, connection_refresh_seconds=0.2)
    to_here = ChatwootEmulator()  # Chatwoot's webhooks to this process; `chatwoot` reaches the other one
    async with (
        chatwoot_app(shared, sandbox_http, chatwoot) as elsewhere,
        chatwoot_app(shared, sandbox_http, to_here),
    ):
        assert (await to_here.post(cw.message_created(101, 42, "before"))).status == 202
        form = {"base_url": BASE_URL, "account_id": cw.ACCOUNT_ID, "webhook_secret": "rotated-secret"}
        saved = await elsewhere.put("/api/v1/admin/chat-platforms/chatwoot/chatwoot", json=form)
        assert saved.json()["saved"] is True, saved.text

        started, answers = time.monotonic(), []
        for message_id in range(102, 200):
            sent = await to_here.post(cw.message_created(message_id, 42, "after"), secret="rotated-secret")
            answers.append(sent.status)
            if sent.status == 202:
                break
            await asyncio.sleep(0.05)
        assert answers[-1] == 202, answers
        assert time.monotonic() - started < 2.0  # the refresh interval, with room for a slow machine
        assert set(answers[:-1]) <= {401}  # until then the connector as it was; never a 5xx
        previous = await to_here.post(cw.message_created(300, 42, "old secret"), secret=WEBHOOK_SECRET)
        assert previous.status == 202  # the previous secret, for a day after the rotation
        forged = await to_here.post(cw.message_created(301, 42, "forged"), secret="not-the-secret")
        assert forged.status == 401
