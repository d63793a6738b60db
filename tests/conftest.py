"""Shared fixtures: settings on a temporary data dir, the Creatio sandbox in-process, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from sqlalchemy.engine import make_url
from vcr import VCR

from app.asgi import Adapters, create_app
from app.db.engine import SessionFactory, create_engine, create_session_factory, upgrade_to_head
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig, create_sandbox_app
from app.settings import Settings
from tests.support.casebridge import (
    ADMIN_TOKEN,
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET,
    SANDBOX_URL,
    connected_settings,
    database_of,
    wait_until_verified,
)
from tests.support.cassettes import register_matchers
from tests.support.events import CHAT_SECRET
from tests.support.postgres import DEFAULT_POSTGRES_URL, admin_execute

# Fixtures that tests in several directories use, beyond the ones below (pytest reads this here only).
pytest_plugins = ["tests.support.autofill_fixtures", "tests.support.chatwoot.fixtures"]


@pytest.fixture
def creatio_platform() -> CreatioPlatform:
    """The platform the in-process sandbox plays; tests that must pass on both take BOTH_PLATFORMS."""
    return "netframework"


@pytest.fixture
def sandbox_config(creatio_platform: CreatioPlatform) -> SandboxConfig:
    return SandboxConfig(
        clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET},
        platform=creatio_platform,
        database=database_of(creatio_platform),
    )


@pytest.fixture
def sandbox_app(sandbox_config: SandboxConfig) -> Litestar:

    return create_sandbox_app(sandbox_config)


@pytest.fixture
async def sandbox_http(sandbox_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose every request is served in-process by the sandbox (no sockets)."""
    async with (
        AsyncTestClient(app=sandbox_app),  # runs the sandbox's lifespan
        httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=SANDBOX_URL) as client,
    ):
        yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="development",
        data_dir=tmp_path / "var",
        admin_token=ADMIN_TOKEN,  # type: ignore[arg-type]
        field_mappings_dir=tmp_path / "field_mappings",  # none: auto-fill off unless a test opts in
        sync_delay_seconds=0,  # tests run jobs right after posting (the delay has its own tests)
    )


@pytest.fixture
async def app_client(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield client


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    return os.environ.get("CASEBRIDGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    url = make_url(postgres_server_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"casebridge_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(admin_execute(dsn, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CASEBRIDGE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but unreachable at {url.host}:{url.port}: {exc}")
        pytest.skip(
            f"PostgreSQL not reachable at {url.host}:{url.port} ({exc}); set CASEBRIDGE_TEST_POSTGRES_URL"
        )
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin_execute(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'casebridge.db'}"
    pg_url: str = request.getfixturevalue("postgres_url")
    return pg_url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    """A migrated database (SQLite, then PostgreSQL) and a session factory on it."""
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def intake_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app with no workers and no Creatio: what intake alone stores and enqueues."""
    app = create_app(
        settings.model_copy(update={"workers": 0, "chat_signing_secret": SecretStr(CHAT_SECRET)})
    )
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
async def synced_client(
    settings: Settings, sandbox_http: httpx.AsyncClient
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app connected to the sandbox; tests run its jobs with `drain(client)`."""
    app = create_app(connected_settings(settings), Adapters(creatio_http=sandbox_http))
    async with AsyncTestClient(app=app) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        await wait_until_verified(client)
        yield client


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """The cassettes' body matchers (see tests/support/cassettes.py)."""
    register_matchers(vcr)
