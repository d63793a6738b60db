"""The thin webhook, driven by the sandbox's business process: replies and closures reach the chat once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.creatio.case_reader import CaseReaders
from app.asgi import Adapters, create_app
from app.domain.creatio_ids import CaseStatusIds
from app.ports.jobs import JobKind
from app.sandbox.ids import SandboxIds
from app.settings import Settings
from tests.support.casebridge import (
    ADMIN_TOKEN,
    BOTH_PLATFORMS,
    Client,
    connected_settings,
    conversation,
    post_events,
    store_of,
)
from tests.support.chat_platform import FakeChatPlatform
from tests.support.crm_to_chat import (
    connect_webhook,
    deliveries,
    jobs,
    linked_case,
    reply,
    set_status,
    settle,
)
from tests.support.events import message, resolved

AGENT_MARIA = str(SandboxIds.AGENT_1_CONTACT)


@BOTH_PLATFORMS
async def test_an_agent_reply_reaches_the_chat_once_with_a_valid_signature(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    activity = await reply(sandbox_http, case_id, "Hi Ada, we refunded the difference.")
    await settle(client, sandbox_app)

    [call] = store_of(sandbox_app).webhooks.calls
    assert (call.event_type, call.status) == ("new_activity", 202)
    [received] = chat_platform.received
    assert received.signature_valid
    body = received.json
    assert received.idempotency_key == body["id"]
    assert body["type"] == "agent.replied"
    assert body["conversation_id"] == "c1"
    assert body["message"] == {
        "id": activity["Id"],
        "text": "Hi Ada, we refunded the difference.",
        "author": {"name": "Maria Lopez"},
    }
    assert body["case"]["id"] == case_id
    assert body["case"]["number"].startswith("SR")
    [delivery] = await deliveries(client)
    assert (str(delivery.id), delivery.state, delivery.attempts) == (body["id"], "delivered", 1)

    # The same callback again (Creatio has no durable retry, but a process may run twice): nothing new.
    view = (await client.get("/api/v1/admin/creatio-webhook")).json()
    repeat = await client.post(view["url"], json={"event_type": "new_activity", "caseId": case_id})
    assert repeat.status_code == 202
    await settle(client, sandbox_app)
    assert len(chat_platform.received) == 1
    detail = (await client.get(f"/api/v1/admin/conversations/{delivery.conversation_id}")).json()
    assert [(d["kind"], d["state"]) for d in detail["deliveries"]] == [("agent.replied", "delivered")]


async def test_replies_written_long_before_chat_delivery_was_enabled_are_not_sent(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    store = store_of(sandbox_app)
    store.clock = lambda: datetime.now(UTC) - timedelta(days=2)  # an agent wrote this two days ago
    await reply(sandbox_http, case_id, "Old answer, sent by email back then.")
    store.clock = lambda: datetime.now(UTC) - timedelta(minutes=30)  # inside the hour's margin
    await reply(sandbox_http, case_id, "Recent answer.")
    store.clock = lambda: datetime.now(UTC)
    await reply(sandbox_http, case_id, "New answer.")
    await settle(client, sandbox_app)

    assert [r.json["message"]["text"] for r in chat_platform.accepted] == ["Recent answer.", "New answer."]


async def test_the_bearer_header_form_and_replies_in_order(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app, bearer=True)
    for n in range(3):
        await reply(sandbox_http, case_id, f"reply {n}")
    await settle(client, sandbox_app)
    assert [c.status for c in store_of(sandbox_app).webhooks.calls] == [202, 202, 202]
    assert [r.json["message"]["text"] for r in chat_platform.accepted] == ["reply 0", "reply 1", "reply 2"]


@BOTH_PLATFORMS
async def test_a_closure_resolves_the_conversation_and_a_reopening_reopens_it(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    await set_status(sandbox_http, case_id, "Resolved")
    await settle(client, sandbox_app)
    [notice] = [r.json for r in chat_platform.accepted]
    assert (notice["type"], notice["status"]["name"], notice["case"]["id"]) == (
        "conversation.resolved",
        "Resolved",
        case_id,
    )
    row = await conversation(client, "c1")
    assert (row.status, row.case_status_applied) == ("resolved", "resolved")

    # The chat's next events sync as usual, but Casebridge does not write the status to the case again.
    await post_events(client, message("c1", "m2", "Thanks, bye!", author="ai", t=30))
    await settle(client, sandbox_app)
    case = store_of(sandbox_app).get("Case", case_id)
    assert case is not None
    assert str(case["ModifiedById"]) == AGENT_MARIA
    await set_status(sandbox_http, case_id, "Closed")  # resolved, then final: still one resolution
    await settle(client, sandbox_app)
    assert len(chat_platform.accepted) == 1

    await set_status(sandbox_http, case_id, "In progress")
    await settle(client, sandbox_app)
    assert [r.json["type"] for r in chat_platform.accepted][1:] == ["conversation.reopened"]
    row = await conversation(client, "c1")
    assert (row.status, row.case_status_applied) == ("open", "reopened")
    await set_status(sandbox_http, case_id, "Resolved")
    await settle(client, sandbox_app)
    assert [r.json["type"] for r in chat_platform.accepted][2:] == ["conversation.resolved"]


async def test_a_resolution_from_the_chat_is_not_echoed_back(
    client: Client, sandbox_app: Litestar, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    view = await connect_webhook(client, sandbox_app)
    await post_events(client, resolved("c1", t=60))
    await settle(client, sandbox_app)
    case = store_of(sandbox_app).get("Case", case_id)
    assert case is not None
    assert case["StatusId"] == CaseStatusIds.RESOLVED  # Casebridge wrote it
    # Creatio's "Case modified" process fires for Casebridge's own change too.
    response = await client.post(view["url"], json={"event_type": "case_updated", "caseId": case_id})
    assert response.status_code == 202
    await settle(client, sandbox_app)
    assert chat_platform.received == []
    assert await deliveries(client) == []


async def test_bad_and_missing_tokens_are_refused_with_nothing_enqueued(
    client: Client, sandbox_app: Litestar, caplog: pytest.LogCaptureFixture
) -> None:
    case_id = await linked_case(client, sandbox_app)
    body = {"event_type": "new_activity", "caseId": case_id}
    anonymous = {"Authorization": ""}
    view = (await client.get("/api/v1/admin/creatio-webhook")).json()
    token = view["url"].rsplit("/", 1)[1]
    attempts = [
        ("/webhooks/creatio/not-the-token", {}),
        (f"/webhooks/creatio/{token}x", {}),
        ("/webhooks/creatio", anonymous),
        ("/webhooks/creatio", {"Authorization": "Bearer not-the-token"}),
        ("/webhooks/creatio", {"Authorization": f"Basic {token}"}),
        ("/webhooks/creatio", {"Authorization": f"Bearer {ADMIN_TOKEN}"}),  # the admin token is not it
    ]
    for path, headers in attempts:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 401, path
    assert await jobs(client, JobKind.CRM_TO_CHAT) == []

    caplog.set_level(logging.DEBUG)
    ok = await client.post(view["url"], json=body)
    bearer = await client.post(view["bearer_url"], json=body, headers={"Authorization": f"Bearer {token}"})
    assert (ok.status_code, bearer.status_code) == (202, 202)
    assert len(await jobs(client, JobKind.CRM_TO_CHAT)) == 1  # the second coalesced with the queued first
    ours = [r for r in caplog.records if r.name.startswith(("app.", "casebridge."))]  # not the test client's
    logged = [str(r.__dict__) + r.getMessage() for r in ours]
    assert any("'route': '/webhooks/creatio/{token}'" in line for line in logged)
    assert not any(token in line for line in logged)


async def test_unknown_cases_and_bad_bodies(client: Client) -> None:
    url = (await client.get("/api/v1/admin/creatio-webhook")).json()["url"]
    unknown = await client.post(url, json={"event_type": "case_updated", "caseId": str(AGENT_MARIA)})
    assert unknown.status_code == 202
    assert unknown.json()["status"] == "ignored"
    for bad in (
        b"not json",
        b"[]",
        b'{"event_type": "new_activity"}',
        b'{"event_type": "x", "caseId": null}',
        b"[" * 3000 + b"]" * 3000,  # deeper than the parser goes: was a 500 (found by fuzzing)
    ):
        response = await client.post(url, content=bad, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, bad
    assert await jobs(client, JobKind.CRM_TO_CHAT) == []


async def test_rotation_replaces_the_token_at_once(client: Client, sandbox_app: Litestar) -> None:
    case_id = await linked_case(client, sandbox_app)
    old = (await client.get("/api/v1/admin/creatio-webhook")).json()
    assert old["url"] == f"http://127.0.0.1:8000/webhooks/creatio/{old['url'].rsplit('/', 1)[1]}"
    new = (await client.post("/api/v1/admin/creatio-webhook/rotate")).json()
    assert new["url"] != old["url"]
    assert new["rotated_at"] is not None
    body = {"event_type": "new_activity", "caseId": case_id}
    assert (await client.post(old["url"], json=body)).status_code == 401
    assert (await client.post(new["url"], json=body)).status_code == 202
    assert (await client.get("/api/v1/admin/creatio-webhook")).json()["url"] == new["url"]
    assert (
        await client.get("/api/v1/admin/creatio-webhook", headers={"Authorization": ""})
    ).status_code == 401


async def test_rotation_with_a_grace_period_keeps_the_old_url_working_until_it_ends(
    client: Client, sandbox_app: Litestar
) -> None:
    case_id = await linked_case(client, sandbox_app)
    old = (await client.get("/api/v1/admin/creatio-webhook")).json()
    assert old["previous_valid_until"] is None
    too_long = await client.post("/api/v1/admin/creatio-webhook/rotate?grace_minutes=1441")
    assert too_long.status_code == 400
    assert "grace_minutes" in too_long.text

    new = (await client.post("/api/v1/admin/creatio-webhook/rotate?grace_minutes=30")).json()

    until = datetime.fromisoformat(new["previous_valid_until"])
    assert timedelta(minutes=29) < until - datetime.now(UTC) <= timedelta(minutes=30)
    body = {"event_type": "new_activity", "caseId": case_id}
    assert (await client.post(old["url"], json=body)).status_code == 202
    assert (await client.post(new["url"], json=body)).status_code == 202
    again = (await client.post("/api/v1/admin/creatio-webhook/rotate")).json()  # no grace: both stop
    assert again["previous_valid_until"] is None
    assert (await client.post(old["url"], json=body)).status_code == 401
    assert (await client.post(new["url"], json=body)).status_code == 401


async def test_a_token_the_secret_key_cannot_read_is_a_409_saying_to_rotate(client: Client) -> None:
    from app.db.crypto import SecretBox
    from app.db.tables import CreatioWebhookRow

    other_key = SecretBox(SecretBox.generate_key())
    async with client.app.state.services.sessions() as session, session.begin():
        row = await session.get(CreatioWebhookRow, 1)
        assert row is not None
        row.token_encrypted = other_key.encrypt("a token saved under another CASEBRIDGE_SECRET_KEY")
        session.add(row)

    unreadable = await client.get("/api/v1/admin/creatio-webhook")

    assert unreadable.status_code == 409
    detail = unreadable.json()["detail"]
    assert detail.startswith("a stored secret cannot be decrypted: CASEBRIDGE_SECRET_KEY differs")
    assert detail.endswith("enter the client secret again. Or rotate the webhook token (POST .../rotate).")
    assert (await client.post("/api/v1/admin/creatio-webhook/rotate")).status_code == 200
    assert (await client.get("/api/v1/admin/creatio-webhook")).status_code == 200


async def test_without_a_chat_url_the_webhook_says_so(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> None:
    app = create_app(
        connected_settings(settings, public_url="https://casebridge.example.com/"),
        Adapters(creatio_http=sandbox_http),
    )
    async with AsyncTestClient(app=app) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        view = (await client.get("/api/v1/admin/creatio-webhook")).json()
        assert view["url"].startswith("https://casebridge.example.com/webhooks/creatio/")
        assert (view["chat_webhook_configured"], view["reconcile"]["enabled"]) == (False, False)
        response = await client.post(view["url"], json={"event_type": "new_activity", "caseId": AGENT_MARIA})
        assert response.status_code == 503
        assert "CASEBRIDGE_CHAT_WEBHOOK_URL" in response.json()["detail"]


async def test_agent_names_are_read_again_once_the_cache_expires(
    client: Client, sandbox_app: Litestar
) -> None:
    connection = client.app.state.services.connection
    agent = UUID(AGENT_MARIA)
    cached, uncached = CaseReaders(connection, 600).current(), CaseReaders(connection, 0).current()
    assert cached is not None
    assert uncached is not None
    assert await cached[0].contact_name(agent) == await uncached[0].contact_name(agent) == "Maria Lopez"

    row = store_of(sandbox_app).get("Contact", agent)
    assert row is not None
    row["Name"] = "Maria López-Ruiz"  # renamed in Creatio

    assert await cached[0].contact_name(agent) == "Maria Lopez"  # within the cache period
    assert await uncached[0].contact_name(agent) == "Maria López-Ruiz"
