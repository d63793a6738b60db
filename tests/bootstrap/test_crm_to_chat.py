"""The reconciliation is on wherever there is somewhere to deliver to: a Chatwoot connector saved while
Casebridge runs turns it on within CASEBRIDGE_CONNECTION_REFRESH_SECONDS, in the process that saved it and
in the others on the same database, without a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from litestar import Litestar

from app.dev.chatwoot import payloads as cw
from app.dev.chatwoot.emulator import API_TOKEN, BASE_URL, WEBHOOK_SECRET, ChatwootEmulator
from app.domain.creatio_platforms import CreatioPlatform
from app.settings import Settings
from tests.support.casebridge import Client, cases, connected_settings, until
from tests.support.chatwoot import casebridge as with_chatwoot
from tests.support.crm_to_chat import (
    TECH_CONTACT,
    ForwardToApp,
    calling_back_config,
    connect_webhook,
    reply,
    sandbox_calling_back,
)

CONNECTOR_FORM = {
    "base_url": BASE_URL,
    "account_id": cw.ACCOUNT_ID,
    "api_access_token": API_TOKEN,
    "webhook_secret": WEBHOOK_SECRET,
}


@pytest.fixture
async def sandbox_app(creatio_platform: CreatioPlatform) -> AsyncIterator[Litestar]:
    """The sandbox whose business process calls a Casebridge that never answers: every call is lost."""
    async with sandbox_calling_back(calling_back_config(creatio_platform), ForwardToApp()) as app:
        yield app


async def reconciling(client: Client) -> bool:
    view = (await client.get("/api/v1/admin/creatio-webhook")).json()
    enabled: bool = view["reconcile"]["enabled"]
    return enabled


@pytest.mark.parametrize("reconciled_by", ["the saving process", "another process"])
async def test_a_connector_saved_while_running_turns_the_reconciliation_on_without_a_restart(
    settings: Settings,
    sandbox_app: Litestar,
    sandbox_http: httpx.AsyncClient,
    chatwoot: ChatwootEmulator,
    reconciled_by: str,
) -> None:
    """No chat URL and no connector at the start; the admin saves one in the console's API; Creatio's
    business-process call for the agent's reply is lost, and the reply still reaches Chatwoot."""
    base = connected_settings(
        settings,
        creatio_integration_contact_id=TECH_CONTACT,
        reconcile_seconds=0.5,
        connection_refresh_seconds=0.2,
        retry_base_seconds=0.05,
        retry_max_seconds=0.05,
    )
    alone = reconciled_by == "the saving process"
    async with AsyncExitStack() as stack:
        console = await stack.enter_async_context(
            with_chatwoot.chatwoot_app(
                base.model_copy(update={"workers": 1 if alone else 0}), sandbox_http, chatwoot
            )
        )
        worker = console
        if not alone:  # `casebridge worker` beside it, started before the save like it
            worker = await stack.enter_async_context(
                with_chatwoot.chatwoot_app(base.model_copy(update={"workers": 1}), sandbox_http, chatwoot)
            )
            chatwoot.sink = with_chatwoot.test_client_sink(
                console
            )  # Chatwoot's webhooks go to the console's process
        assert not await reconciling(console)
        assert not await reconciling(worker)

        saved = await console.put("/api/v1/admin/chat-platforms/chatwoot/chatwoot", json=CONNECTOR_FORM)
        assert (saved.status_code, saved.json()["saved"]) == (200, True), saved.text

        sent = await chatwoot.post(cw.message_created(101, 42, "My invoice AB-123456 is wrong.", t=0))
        assert sent.status == 202, sent.answer
        await until(lambda: len(cases(sandbox_app)) == 1, "the case")
        await connect_webhook(console, sandbox_app)  # the business process calls; nothing answers
        assert await reconciling(worker)

        await reply(sandbox_http, str(cases(sandbox_app)[0]["Id"]), "We refunded the difference.")
        await until(lambda: len(chatwoot.replies) == 1, "the reply in Chatwoot")
        [posted] = chatwoot.replies
        assert posted.body["content"] == "We refunded the difference."
        assert (posted.path, posted.token) == ("/api/v1/accounts/3/conversations/42/messages", API_TOKEN)
