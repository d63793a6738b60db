"""App wiring: state object, independent instances, Litestar's AsyncTestClient with lifespan, counters."""

from __future__ import annotations

import asyncio

import httpx
from litestar.testing import AsyncTestClient

from app.domain.creatio_ids import CaseOriginIds
from app.sandbox import SandboxConfig, SandboxStore, create_sandbox_app
from tests.support.sandbox import BASE, CLIENT_ID, CLIENT_SECRET, Sandbox

GRANT = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def test_default_config() -> None:
    config = SandboxConfig()

    assert config.clients == {"casebridge-sandbox": "sandbox-secret"}
    assert (config.token_lifetime_seconds, config.strict_quirks, config.unknown_entity_set_status) == (
        3600,
        True,
        None,  # the platform's answer
    )
    assert config.database == "mssql"
    assert (config.platform, config.html_login_mode, config.auto_reopen) == ("netframework", False, False)
    assert (config.webhook_url, config.webhook_timeout_seconds, config.webhook_retries) == (None, 5.0, 2)
    assert config.public_base_url is None


async def test_state_object_is_the_store_and_apps_do_not_share_state() -> None:
    first, second = create_sandbox_app(), create_sandbox_app()

    assert isinstance(first.state.sandbox, SandboxStore)
    first.state.sandbox.insert_rows("Case", [{"Subject": "only in the first"}])
    assert len(first.state.sandbox.rows("Case")) == 1
    assert second.state.sandbox.rows("Case") == []


async def test_runs_under_litestars_async_test_client() -> None:
    app = create_sandbox_app(SandboxConfig(clients={"other": "pw"}))

    async with AsyncTestClient(app=app) as client:
        token = await client.post(
            "/0/connect/token", data=GRANT | {"client_id": "other", "client_secret": "pw"}
        )
        listed = await client.get(
            "/0/odata/CaseOrigin?$filter=Name eq 'Chat'",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )

    assert listed.status_code == 200
    assert listed.json()["value"][0]["Id"] == str(CaseOriginIds.CHAT)


async def test_stats_count_operations_per_method_and_set(sb: Sandbox) -> None:
    case = await sb.create_case()
    await sb.get("/0/odata/Case")
    await sb.get(f"/0/odata/Case({case['Id']})")
    await sb.patch(f"/0/odata/Case({case['Id']})", json={"Notes": "x"})
    await sb.post("/0/odata/Activity", json={"CaseId": case["Id"]})
    await sb.client.get("/0/odata/Case")  # no token

    stats = (await sb.client.get("/__sandbox/stats")).json()

    assert stats["odata"] == {"GET": {"Case": 2}, "PATCH": {"Case": 1}, "POST": {"Activity": 1, "Case": 1}}
    assert stats["odata_requests"] == 6
    assert stats["odata_operations"] == 5
    assert stats["unauthorized"] == 1
    assert stats["token_requests"] == 1
    assert stats["active_tokens"] == 1
    assert stats["faults"] == {"latency": 0, "5xx": 0, "429": 0, "timeout": 0}
    reset = await sb.client.delete("/__sandbox/stats")
    assert reset.status_code == 204
    assert (await sb.client.get("/__sandbox/stats")).json()["odata_requests"] == 0


async def test_control_endpoints_need_no_token_but_odata_does(sb: Sandbox) -> None:
    assert (await sb.client.get("/__sandbox/faults")).status_code == 200
    assert (await sb.client.get("/0/odata/Case")).status_code == 401


async def test_lifespan_in_a_test_portal_cancels_pending_callbacks_of_the_test_loop() -> None:
    """The shared conftest runs the lifespan in AsyncTestClient's portal and requests over ASGITransport."""
    started = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(30)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as hook:
        app = create_sandbox_app(SandboxConfig(webhook_url="http://hook.test/h"), http_client=hook)
        store: SandboxStore = app.state.sandbox
        [case_id] = store.insert_rows("Case", [{"Subject": "x"}])
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with AsyncTestClient(app=app), httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            response = await client.post(f"/__sandbox/cases/{case_id}/replies", json={"text": "hi"})
            await asyncio.wait_for(started.wait(), 1)
        await asyncio.wait_for(store.webhooks.drain(), 1)  # cancelled by the lifespan's shutdown

    assert response.status_code == 201
    assert store.webhooks.calls == []
