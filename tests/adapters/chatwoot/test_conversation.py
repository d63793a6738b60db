"""A Chatwoot conversation end to end against the emulator and the sandbox: bot, handoff, a human agent in
Chatwoot, an agent reply in Creatio back to Chatwoot, the resolution both ways; once each, no echo."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from litestar import Litestar

from app.db.stores.conversations import ConversationStore
from app.db.tables import ConversationRow, DeliveryRow, MessageRow
from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import API_TOKEN, ChatwootEmulator
from app.domain.creatio_ids import CaseStatusIds
from app.pipeline.chat_to_crm.sync import WAITING_FOR_DELIVERY, ConversationSync
from app.ports.errors import TemporaryFailure
from app.ports.external import NoAutofill
from tests.support.casebridge import (
    Client,
    activities_of,
    cases,
    conversation,
    drain,
    rows,
    store_of,
    until,
)
from tests.support.crm_to_chat import connect_webhook, reply, set_status, settle

CONVERSATION = "chatwoot:chatwoot:42"


async def bot_conversation_handed_over(client: Client, chatwoot: ChatwootEmulator) -> None:
    """The customer writes, the bot answers, the customer asks for a human, the bot hands over."""
    bot_last = "I am passing you to a colleague who can fix invoice AB-123456."
    for payload in (
        cw.message_created(101, 42, "My invoice AB-123456 is wrong.", t=0),
        cw.message_created(102, 42, "Sorry to hear that! Let me look.", kind="outgoing", sender=cw.BOT, t=1),
        cw.message_created(103, 42, "I want to talk to a human.", t=2),
        cw.message_created(104, 42, bot_last, kind="outgoing", sender=cw.BOT, t=3),
        cw.status_changed(
            42, "pending", "open", last_message=cw.push_message(104, 42, bot_last, "outgoing", cw.BOT, 3), t=4
        ),
    ):
        sent = await chatwoot.post(payload)
        assert sent.status == 202, sent.answer


async def handed_over_case(
    client: Client, sandbox_app: Litestar, chatwoot: ChatwootEmulator
) -> dict[str, Any]:
    """The bot conversation handed over, synced to a case; Creatio's business process calls Casebridge."""
    await bot_conversation_handed_over(client, chatwoot)
    await connect_webhook(client, sandbox_app)
    await settle(client, sandbox_app)
    [case] = cases(sandbox_app)
    return case


def authors(sandbox_app: Litestar, case_id: Any) -> list[tuple[str, str]]:
    """Each activity's author (from its title) and full text (the first one also carries the URL)."""
    return [
        (a["Title"].split(":")[0], a["DetailedResult"].split("\n\nConversation: ")[0])
        for a in activities_of(sandbox_app, case_id)
    ]


async def test_bot_handoff_agent_reply_and_resolution_run_end_to_end_once_each_without_echo(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    await bot_conversation_handed_over(client, chatwoot)
    await drain(client)
    [case] = cases(sandbox_app)
    row = await conversation(client, CONVERSATION)
    assert row.connector_id == "chatwoot"
    assert row.status == "handed_off"
    assert row.url == "https://chatwoot.test/app/accounts/3/conversations/42"
    assert case["Subject"] == "My invoice AB-123456 is wrong."
    assert authors(sandbox_app, case["Id"]) == [
        ("Customer (Ada Lovelace)", "My invoice AB-123456 is wrong."),
        ("AI assistant", "Sorry to hear that! Let me look."),
        ("Customer (Ada Lovelace)", "I want to talk to a human."),
        ("AI assistant", "I am passing you to a colleague who can fix invoice AB-123456."),
        (
            "Handoff to a human",
            "The Chatwoot bot handed over with: I am passing you to a colleague who can fix invoice "
            "AB-123456.",
        ),
    ]

    # A human agent answers in Chatwoot itself: on the case, never sent back to Chatwoot.
    sent = await chatwoot.post(
        cw.message_created(105, 42, "Maria here, checking now.", kind="outgoing", sender=cw.AGENT, t=5)
    )
    assert sent.status == 202
    await connect_webhook(client, sandbox_app)
    await settle(client, sandbox_app)
    assert authors(sandbox_app, case["Id"])[-1] == ("Agent in the chat", "Maria here, checking now.")

    # An agent replies in Creatio: one outgoing message in Chatwoot, whose webhook echo is dropped.
    await reply(sandbox_http, str(case["Id"]), "We refunded the difference.")
    await settle(client, sandbox_app)
    [posted] = chatwoot.replies
    assert posted.path == "/api/v1/accounts/3/conversations/42/messages"
    assert posted.body == {
        "content": "We refunded the difference.",
        "message_type": "outgoing",
        "private": False,
    }
    assert posted.token == chatwoot.token
    [echo] = await chatwoot.flush()
    assert (echo.status, echo.answer["status"]) == (200, "ignored")
    await settle(client, sandbox_app)
    before_resolution = activities_of(sandbox_app, case["Id"])
    carrying = [a for a in before_resolution if "We refunded the difference." in json.dumps(a, default=str)]
    assert len(carrying) == 1  # the agent's own reply in Creatio; no echo written back

    # Resolved in Creatio: Chatwoot's conversation is resolved; its webhook changes nothing more.
    await set_status(sandbox_http, str(case["Id"]), "Resolved")
    await settle(client, sandbox_app)
    [toggle] = chatwoot.toggles
    assert (toggle.path, toggle.body) == (
        "/api/v1/accounts/3/conversations/42/toggle_status",
        {"status": "resolved"},
    )
    [status_webhook] = await chatwoot.flush()
    assert status_webhook.status == 202
    await settle(client, sandbox_app)
    assert activities_of(sandbox_app, case["Id"]) == before_resolution
    assert str(cases(sandbox_app)[0]["StatusId"]) == str(CaseStatusIds.RESOLVED)
    assert len(chatwoot.replies) == 1
    assert len(chatwoot.toggles) == 1
    deliveries = await rows(client, DeliveryRow)
    assert sorted((d.kind, d.state) for d in deliveries) == [
        ("agent.replied", "delivered"),
        ("conversation.resolved", "delivered"),
    ]
    assert (await conversation(client, CONVERSATION)).status == "resolved"


async def test_an_echo_that_overtakes_the_api_answer_waits_and_is_taken_back_before_it_reaches_creatio(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    case = await handed_over_case(client, sandbox_app, chatwoot)
    conversation_id = (await conversation(client, CONVERSATION)).id
    runtime = client.app.state.runtime
    sync = ConversationSync(ConversationStore(runtime.transactions), runtime.connection, NoAutofill())
    waited: list[str] = []

    async def sync_now() -> None:  # a worker syncs the conversation while the API's answer is on its way
        with pytest.raises(TemporaryFailure) as raised:
            await sync.sync(conversation_id, verify_existing=False)
        waited.append(str(raised.value))

    chatwoot.echo_before_answer = True  # Chatwoot's webhook arrives before its API answer is read
    chatwoot.after_early_echo = sync_now
    await reply(sandbox_http, str(case["Id"]), "On it.")
    await settle(client, sandbox_app)
    [echo] = chatwoot.sent[-1:]
    assert echo.status == 202  # not known as Casebridge's yet: stored, its sync waiting ...
    assert waited == [WAITING_FOR_DELIVERY]
    assert [m for m in await rows(client, MessageRow) if m.text == "On it."] == []  # ... taken back
    carrying = [a for a in activities_of(sandbox_app, case["Id"]) if "On it." in json.dumps(a, default=str)]
    assert len(carrying) == 1  # the agent's reply itself, not its echo
    again = await chatwoot.post(echo.payload)  # Chatwoot sends it once more: now known by id
    assert again.answer["status"] == "ignored"


async def test_retries_send_the_reply_once_and_a_redelivered_webhook_is_a_duplicate(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    await bot_conversation_handed_over(client, chatwoot)
    first = chatwoot.sent[0]
    repeat = await chatwoot.post(first.payload, delivery=first.delivery)
    assert (repeat.status, repeat.answer["status"]) == (200, "duplicate")
    await connect_webhook(client, sandbox_app)
    await settle(client, sandbox_app)
    [case] = cases(sandbox_app)
    chatwoot.faults = [429, 503, "timeout"]
    await reply(sandbox_http, str(case["Id"]), "Refund done.")
    for _ in range(8):
        await settle(client, sandbox_app)
        if chatwoot.replies:
            break
        await asyncio.sleep(0.06)
    [delivery] = await rows(client, DeliveryRow)
    assert (delivery.state, delivery.attempts) == ("delivered", 4)
    assert [c.answered for c in chatwoot.calls if c.path.endswith("/messages")] == [429, 503, 200]
    assert len(chatwoot.replies) == 1
    [echo] = await chatwoot.flush()
    assert echo.answer["status"] == "ignored"
    # Each Chatwoot message reached Creatio once, the agent's reply from Creatio only as Creatio's own.
    texts = [a["DetailedResult"] for a in activities_of(sandbox_app, case["Id"])]
    assert len(texts) == len(set(texts))


async def test_conversations_rows_keep_their_connector(client: Client, chatwoot: ChatwootEmulator) -> None:
    await chatwoot.post(cw.message_created(101, 43, "hello"))
    [row] = await rows(client, ConversationRow)
    assert (row.external_id, row.connector_id) == ("chatwoot:chatwoot:43", "chatwoot")


@pytest.mark.postgres
@pytest.mark.parametrize(("database", "workers"), [("postgresql", 4)])
async def test_on_postgresql_with_in_app_workers_the_conversation_runs_end_to_end(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    """The app's own workers run the jobs on its event loop (the test only posts, waits and reads the
    sandbox and the emulator): the same conversation, on PostgreSQL."""
    await connect_webhook(client, sandbox_app)
    await bot_conversation_handed_over(client, chatwoot)
    await until(
        lambda: (
            len(cases(sandbox_app)) == 1 and len(activities_of(sandbox_app, cases(sandbox_app)[0]["Id"])) == 5
        ),
        "the case",
    )
    [case] = cases(sandbox_app)
    await chatwoot.post(cw.message_created(105, 42, "Maria here.", kind="outgoing", sender=cw.AGENT, t=5))
    await until(
        lambda: authors(sandbox_app, case["Id"])[-1] == ("Agent in the chat", "Maria here."),
        "the agent message",
    )
    await reply(sandbox_http, str(case["Id"]), "Refund done.")
    await store_of(sandbox_app).webhooks.drain()
    await until(lambda: len(chatwoot.replies) == 1, "the reply in Chatwoot")
    [echo] = await chatwoot.flush()
    assert echo.answer["status"] == "ignored"
    await set_status(sandbox_http, str(case["Id"]), "Resolved")
    await store_of(sandbox_app).webhooks.drain()
    await until(lambda: len(chatwoot.toggles) == 1, "the resolution in Chatwoot")
    [status_change] = await chatwoot.flush()
    assert status_change.status == 202
    await asyncio.sleep(0.5)
    assert len(chatwoot.replies) == 1
    assert len(chatwoot.toggles) == 1
    carrying = [
        a for a in activities_of(sandbox_app, case["Id"]) if "Refund done." in json.dumps(a, default=str)
    ]
    assert len(carrying) == 1


async def test_a_revoked_token_fails_the_delivery_saying_what_to_fix_and_a_retry_delivers_it(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    case = await handed_over_case(client, sandbox_app, chatwoot)
    chatwoot.token = "rotated-in-chatwoot"  # the saved token no longer works
    await reply(sandbox_http, str(case["Id"]), "Refund done.")
    await settle(client, sandbox_app)
    [delivery] = await rows(client, DeliveryRow)
    assert (delivery.state, delivery.last_status, delivery.attempts) == ("failed", 401, 1)
    assert "Settings > Chat platforms > Chatwoot" in (delivery.last_error or "")
    assert chatwoot.replies == []

    chatwoot.token = API_TOKEN  # the admin fixes the token, then retries the delivery
    assert (await client.post(f"/api/v1/admin/deliveries/{delivery.id}/retry")).status_code in (200, 202)
    await drain(client)
    [delivery] = await rows(client, DeliveryRow)
    assert delivery.state == "delivered"
    assert len(chatwoot.replies) == 1


async def test_a_case_reopened_in_creatio_reopens_the_chatwoot_conversation_and_its_echo_writes_nothing(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    case = await handed_over_case(client, sandbox_app, chatwoot)
    chatwoot.statuses[42] = "open"
    await set_status(sandbox_http, str(case["Id"]), "Resolved")
    await settle(client, sandbox_app)
    await chatwoot.flush()
    await set_status(sandbox_http, str(case["Id"]), "In progress")  # an agent takes the case up again
    await settle(client, sandbox_app)
    assert [c.body for c in chatwoot.toggles] == [{"status": "resolved"}, {"status": "open"}]
    [echo] = await chatwoot.flush()  # Chatwoot's resolved -> open: a reopen Casebridge knows already
    assert echo.status == 202
    await settle(client, sandbox_app)
    assert str(cases(sandbox_app)[0]["StatusId"]) == str(CaseStatusIds.IN_PROGRESS)  # not set to Reopened
    assert len(chatwoot.toggles) == 2
