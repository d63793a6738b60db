"""Headless deploys: the connection can be seeded from the environment and is verified in the background."""

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest
from litestar.testing import AsyncTestClient
from pydantic import SecretStr

from app.asgi import Adapters, create_app
from app.bootstrap.runtime import build_runtime
from app.bootstrap.secrets import MissingSecretError
from app.crm_connection.service import ConnectionService
from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.stores.crm_connection import ConnectionStore
from app.domain.creatio_platforms import CreatioPlatform
from app.domain.crm_connection import ConnectionSettings
from app.settings import Settings
from tests.support.casebridge import ADMIN_TOKEN, BOTH_PLATFORMS, connected_settings


@BOTH_PLATFORMS
async def test_seed_is_saved_normalised_and_verified_with_what_it_found(
    settings: Settings, sandbox_http: httpx.AsyncClient, creatio_platform: CreatioPlatform
) -> None:
    seeded = connected_settings(settings, creatio_instance_url="http://127.0.0.1:8100/")
    async with AsyncTestClient(app=create_app(seeded, Adapters(creatio_http=sandbox_http))) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        for _ in range(250):  # verification runs in the background; allow for a busy machine
            view = (await client.get("/api/v1/admin/connection")).json()
            if view["verified_at"]:
                break
            await asyncio.sleep(0.02)
        assert view["instance_url"] == "http://127.0.0.1:8100"
        assert view["verified_at"] is not None
        assert view["client_secret"] == "********"
        saved = client.app.state.services.connection.saved.settings
        prefix = "/0" if creatio_platform == "netframework" else ""
        assert (saved.odata_root, saved.token_endpoint) == (
            f"http://127.0.0.1:8100{prefix}/odata",
            f"http://127.0.0.1:8100{prefix}/connect/token",
        )


async def test_a_seeded_platform_is_kept(settings: Settings, sandbox_http: httpx.AsyncClient) -> None:
    seeded = connected_settings(settings, creatio_platform="netframework")
    async with AsyncTestClient(app=create_app(seeded, Adapters(creatio_http=sandbox_http))) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        view = (await client.get("/api/v1/admin/connection")).json()
    assert (view["platform"], view["odata_root"]) == ("netframework", "http://127.0.0.1:8100/0/odata")


async def test_seed_does_not_overwrite_a_saved_connection(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> None:
    first = connected_settings(settings)
    async with AsyncTestClient(app=create_app(first, Adapters(creatio_http=sandbox_http))):
        pass
    second = connected_settings(settings, creatio_client_id="another-client")
    async with AsyncTestClient(app=create_app(second, Adapters(creatio_http=sandbox_http))) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        assert (await client.get("/api/v1/admin/connection")).json()["client_id"] == "casebridge-sandbox"


async def test_production_refuses_to_start_without_secrets(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production", "admin_token": None})
    async with AsyncExitStack() as stack:
        with pytest.raises(MissingSecretError, match="CASEBRIDGE_ADMIN_TOKEN must be set in production"):
            await build_runtime(production, Adapters(), stack)
    assert not (settings.data_dir / "admin-token").exists()


async def test_processes_starting_together_seed_once_and_none_fails(
    sessions: SessionFactory, sandbox_http: httpx.AsyncClient
) -> None:
    """Serve and workers started at once on an empty database all seed from the same environment: one
    saves, the others take up what it saved (the chaos run saw a worker die of the duplicate row)."""
    box = SecretBox(SecretBox.generate_key())
    services = [
        ConnectionService(
            ConnectionStore(sessions, box), sandbox_http, allow_insecure_loopback=True, max_concurrency=2
        )
        for _ in range(3)
    ]
    for service in services:
        await service.load()  # each saw nothing saved when it started
    seed = ConnectionSettings(
        instance_url="http://127.0.0.1:8100", client_id="casebridge-sandbox", client_secret=SecretStr("s")
    )
    applied = await asyncio.gather(*(s.seed(seed, overwrite=False) for s in services))
    assert sorted(applied) == [False, False, True]
    versions = {s.saved.version if s.saved else None for s in services}
    assert len(versions) == 1
    assert None not in versions
    store = ConnectionStore(sessions, box)
    assert await store.save_if_absent(seed) is None  # a row exists: nothing written
