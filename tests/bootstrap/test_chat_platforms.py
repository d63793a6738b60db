"""A Chatwoot connector seeded from the environment is saved at start and tested in the background: a
pass marks it verified, a failure is logged with the check and what to fix."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from app.dev.chatwoot.emulator import ChatwootEmulator
from app.settings import Settings
from tests.support.casebridge import Client
from tests.support.chatwoot.casebridge import chatwoot_app, chatwoot_settings

PATH = "/api/v1/admin/chat-platforms/chatwoot/chatwoot"


async def verified_at(client: Client) -> str | None:
    for _ in range(100):
        view = (await client.get(PATH)).json()
        if view["verified_at"]:
            return str(view["verified_at"])
        await asyncio.sleep(0.02)
    return None


async def test_a_seed_that_passes_its_checks_is_marked_verified(
    settings: Settings, sandbox_http: httpx.AsyncClient, chatwoot: ChatwootEmulator
) -> None:
    async with chatwoot_app(chatwoot_settings(settings), sandbox_http, chatwoot) as client:
        assert await verified_at(client) is not None
    assert [c.path for c in chatwoot.calls] == ["/api/v1/profile", "/api/v1/accounts/3/inboxes"]


async def test_a_seed_that_fails_is_logged_with_what_to_fix_and_stays_unverified(
    settings: Settings,
    sandbox_http: httpx.AsyncClient,
    chatwoot: ChatwootEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chatwoot.token = "another-token"  # the seeded one is refused
    with caplog.at_level(logging.ERROR):
        async with chatwoot_app(chatwoot_settings(settings), sandbox_http, chatwoot) as client:
            assert await verified_at(client) is None
    [record] = [
        r
        for r in caplog.records
        if r.getMessage() == "chatwoot connector from the environment failed its test"
    ]
    assert record.__dict__["check"] == "api_access_token"
    assert "Profile settings" in record.__dict__["hint"]
    assert "test-chatwoot-api-token" not in caplog.text
