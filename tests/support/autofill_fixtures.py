"""Auto-fill fixtures for the tests of extraction, the LLM adapter, the auto-fill pipeline and its API
(registered in tests/conftest.py with `pytest_plugins`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.asgi import Adapters
from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping
from app.extraction.prompts import PromptSet
from app.settings import Settings
from tests.support.autofill import autofill_settings, open_client
from tests.support.casebridge import Client
from tests.support.paths import MAPPINGS, PROMPTS


@pytest.fixture(scope="session")
def mapping() -> FieldMapping:
    loaded = load_mapping(MAPPINGS)
    assert loaded.ok, loaded.problems
    return loaded


@pytest.fixture(scope="session")
def prompts() -> PromptSet:
    return PromptSet(PROMPTS)


@pytest.fixture
async def autofill_client(settings: Settings, sandbox_http: httpx.AsyncClient) -> AsyncIterator[Client]:
    """The app connected to the in-process sandbox with field_mappings/default.yaml and no LLM key."""
    async with await open_client(autofill_settings(settings), Adapters(creatio_http=sandbox_http)) as client:
        yield client
