"""Fixtures for Creatio adapter tests: a fake Creatio behind httpx.MockTransport (no sockets).

Also registers the cassette tests' body matcher with pytest-recording (see test_cassettes.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from vcr import VCR

from app.adapters.creatio import CreatioClient
from tests.adapters.creatio.cassette_support import BODY_MATCHER, scrubbed_body_matcher
from tests.adapters.creatio.fakes import FakeCreatio, connection


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


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """The body matcher of the cassette tests (it compares bodies after scrubbing secrets)."""
    vcr.register_matcher(BODY_MATCHER, scrubbed_body_matcher)
