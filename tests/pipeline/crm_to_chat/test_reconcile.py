"""The reconciliation catches what the webhook missed, and never delivers anything twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from litestar import Litestar

from app.adapters.creatio.case_reader import CaseReaders
from app.bootstrap.crm_to_chat import CrmToChatSetup
from app.db.stores.reconcile import ReconcileStore
from app.db.tables import utcnow
from app.pipeline.crm_to_chat.reconcile import ReconcileConfig, Reconciler
from tests.support.casebridge import BOTH_PLATFORMS, Client, conversation, drain, store_of
from tests.support.chat_platform import FakeChatPlatform
from tests.support.crm_to_chat import connect_webhook, deliveries, linked_case, reply, set_status, settle


def crm_to_chat_of(client: Client) -> CrmToChatSetup:
    crm_to_chat: CrmToChatSetup | None = client.app.state.runtime.crm_to_chat
    assert crm_to_chat is not None
    return crm_to_chat


async def reconcile(client: Client) -> int | None:
    reconciler = crm_to_chat_of(client).reconciler
    assert reconciler is not None
    queued = await reconciler.run_if_due(force=True)
    await drain(client)
    await drain(client)
    return queued


@BOTH_PLATFORMS
async def test_with_the_webhook_off_the_poll_delivers_replies_and_closures(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    assert store_of(sandbox_app).webhooks.settings.url is None  # no business process in Creatio
    await reply(sandbox_http, case_id, "Found it: a duplicate charge.")
    await set_status(sandbox_http, case_id, "Resolved")
    await settle(client, sandbox_app)
    assert chat_platform.received == []

    assert await reconcile(client) == 1
    assert [r.json["type"] for r in chat_platform.accepted] == ["agent.replied", "conversation.resolved"]
    assert all(r.signature_valid for r in chat_platform.received)
    assert (await conversation(client, "c1")).status == "resolved"
    assert await reconcile(client) == 0  # the overlap re-reads the same changes: nothing is queued twice
    assert len(chat_platform.received) == 2
    state = (await client.get("/api/v1/admin/creatio-webhook")).json()["reconcile"]
    assert (state["enabled"], state["last_error"]) == (True, None)
    assert state["cursors"]["activities"]["at"]


async def test_webhook_and_poll_seeing_the_same_reply_deliver_it_once(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_id = await linked_case(client, sandbox_app)
    await connect_webhook(client, sandbox_app)
    await reply(sandbox_http, case_id, "one")
    await settle(client, sandbox_app)  # the webhook first
    await reconcile(client)
    await reply(sandbox_http, case_id, "two")
    await reconcile(client)  # the reconciliation first, then the webhook's callback
    await settle(client, sandbox_app)
    assert [r.json["message"]["text"] for r in chat_platform.received] == ["one", "two"]

    # Both checks at the same moment (a lease expired under a slow worker): the unique keys decide.
    await reply(sandbox_http, case_id, "three")
    conversation_id = (await conversation(client, "c1")).id
    check = crm_to_chat_of(client).check
    stored = await asyncio.gather(check.check(conversation_id), check.check(conversation_id))
    assert sorted(stored) == [0, 1]
    await drain(client)
    assert [r.json["message"]["text"] for r in chat_platform.received] == ["one", "two", "three"]
    assert len(await deliveries(client)) == 3


async def test_one_poll_runs_at_a_time_and_pages_are_bounded(
    client: Client, sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, chat_platform: FakeChatPlatform
) -> None:
    case_ids = [await linked_case(client, sandbox_app, f"c{n}") for n in range(5)]
    for case_id in case_ids:
        await reply(sandbox_http, case_id, f"answer for {case_id}")
    services = client.app.state.services
    readers = CaseReaders(services.connection)
    config = ReconcileConfig(interval_seconds=60, page_size=2, max_pages=2)
    store = ReconcileStore(services.sessions)
    reconcilers = [Reconciler(store, readers, config, owner=f"w{n}") for n in range(2)]

    results = await asyncio.gather(*(p.run_if_due(force=True) for p in reconcilers))
    assert sorted(results, key=str) == [4, None]  # one held the lease; 2 pages of 2 rows: 4 of 5 cases
    state = await store.state()
    assert state is not None
    assert state.next_run_at <= utcnow()  # behind: runs again at once
    await drain(client)
    await drain(client)
    assert await reconcilers[1].run_if_due() == 1  # due now, the other worker catches up
    state = await store.state()
    assert state is not None
    assert state.next_run_at > utcnow() + timedelta(seconds=50)
    assert await reconcilers[0].run_if_due() is None  # not due
    await drain(client)
    await drain(client)
    assert len(chat_platform.accepted) == 5
