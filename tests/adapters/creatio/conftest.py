"""Fixtures for Creatio adapter tests: a fake Creatio behind httpx.MockTransport (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.adapters.creatio import CreatioClient
from tests.support.fake_creatio import FakeCreatio, connection


@pytest.fixture
def fake() -> FakeCreatio:
    return FakeCreatio()


@pytest.fixture
async def http(fake: FakeCreatio) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport(), follow_redirects=True) as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient) -> CreatioClient:
    return CreatioClient(connection(), http)
