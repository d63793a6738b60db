"""Deliveries survive a chat platform that is down, throttles or refuses: retried, failed, retried by hand."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar

from app.ports.jobs import JobKind
from tests.support.casebridge import Client, drain
from tests.support.chat_platform import FakeChatPlatform
from tests.support.crm_to_chat import connect_webhook, deliveries, jobs, linked_case, reply, settle


async def wait_for_retry(client: Client) -> None:
    await asyncio.sleep(0.4)  # retry_base/max_seconds are 0.3 in these tests
    await drain(client)


async def test_with_the_chat_platform_down_the_reply_is_delivered_later_once(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    await chat_platform.stop()
    await reply(sandbox_http, case_id, "We are on it.")
    await settle(client, sandbox_app)
    [delivery] = await deliveries(client)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("retrying", 1, None)
    assert "could not reach the chat platform" in (delivery.last_error or "")
    listed = (await client.get("/api/v1/admin/deliveries", params={"state": "retrying"})).json()
    assert [d["id"] for d in listed] == [str(delivery.id)]

    await chat_platform.start()
    await wait_for_retry(client)
    [delivery] = await deliveries(client)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 2, None)
    [received] = chat_platform.received
    assert received.signature_valid
    assert received.json["message"]["text"] == "We are on it."


async def test_5xx_and_429_are_retried_with_the_same_key_and_body(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    chat_platform.answer_status = 503
    await reply(sandbox_http, case_id, "first")
    await reply(sandbox_http, case_id, "second")
    await settle(client, sandbox_app)
    assert [d.state for d in await deliveries(client)] == ["retrying", "queued"]  # in order: second waits
    chat_platform.answer_status = 429
    await wait_for_retry(client)
    chat_platform.answer_status = 200
    await wait_for_retry(client)
    *failed, first, second = chat_platform.received
    assert {r.answered for r in failed} == {503, 429}
    assert (first.answered, second.answered) == (200, 200)
    assert {r.body for r in failed} == {first.body}  # the same bytes, the same Idempotency-Key
    assert {r.idempotency_key for r in failed} == {first.idempotency_key} == {first.json["id"]}
    assert [r.json["message"]["text"] for r in chat_platform.accepted] == ["first", "second"]
    assert [(d.state, d.attempts, d.last_status) for d in await deliveries(client)] == [
        ("delivered", len(failed) + 1, 200),
        ("delivered", 1, 200),
    ]


async def test_a_refusal_fails_the_delivery_until_an_admin_retries_it(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    chat_platform.answer_status = 404
    await reply(sandbox_http, case_id, "Hello?")
    await settle(client, sandbox_app)
    [delivery] = await deliveries(client)
    assert (delivery.state, delivery.last_status) == ("failed", 404)
    assert "answered 404: not today" in (delivery.last_error or "")
    [job] = await jobs(client, JobKind.CHAT_DELIVERY)
    assert job.state == "dead"
    view = (await client.get(f"/api/v1/admin/deliveries/{delivery.id}")).json()
    assert (view["state"], view["last_status"], view["text"]) == ("failed", 404, "Hello?")

    chat_platform.answer_status = 200
    response = await client.post(f"/api/v1/admin/deliveries/{delivery.id}/retry")
    assert response.status_code == 202
    await drain(client)
    [delivery] = await deliveries(client)
    assert delivery.state == "delivered"
    assert [j.state for j in await jobs(client, JobKind.CHAT_DELIVERY)] == ["done"]  # the dead job, revived
    assert len(chat_platform.accepted) == 1
    again = await client.post(f"/api/v1/admin/deliveries/{delivery.id}/retry")
    assert again.status_code == 409
