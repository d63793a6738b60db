"""The extractor the settings build: the LLM's mode from CASEBRIDGE_LLM_MODE or the base URL."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.bootstrap.autofill import build_extractor
from app.extraction.mapping import FieldMapping
from app.extraction.transcript_input import from_pairs
from app.settings import Settings
from tests.support.autofill import autofill_settings
from tests.support.llm_transcripts import OUTAGE
from tests.support.openai_server import FakeOpenAI, mock_transport


@pytest.mark.parametrize(
    ("base_url", "mode", "tools", "response_format"),
    [
        (None, "auto", True, None),
        ("http://127.0.0.1:11434/v1", "auto", False, "json_schema"),
        ("http://127.0.0.1:11434/v1", "json", False, "json_object"),
        ("https://api.openai.com/v1", "md_json", False, None),
    ],
)
async def test_the_llm_is_asked_in_the_mode_the_settings_give(
    settings: Settings,
    mapping: FieldMapping,
    base_url: str | None,
    mode: Any,
    tools: bool,
    response_format: str | None,
) -> None:
    fake = FakeOpenAI([{"status": 500, "message": "the model is overloaded"}])
    configured = autofill_settings(
        settings, llm_api_key=SecretStr("k"), llm_base_url=base_url, llm_mode=mode, llm_http_retries=0
    )
    async with AsyncExitStack() as stack, httpx.AsyncClient(transport=mock_transport(fake)) as http:
        extractor, _version = build_extractor(configured, mapping, stack, http)
        extraction = await extractor.extract(from_pairs(OUTAGE, "modes"))
    assert extraction.extractor == "offline"  # the server failed: the fallback served
    [request] = fake.requests
    assert bool(request.get("tools")) is tools
    assert (request.get("response_format") or {}).get("type") == response_format
