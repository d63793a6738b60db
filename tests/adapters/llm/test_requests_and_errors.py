"""The LLM request as a real server would take it, and what its failure leaves in the audit and the console:
the reason, never the API key."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from pydantic import SecretStr

from app.adapters.llm import LlmConfig, LlmExtractor
from app.adapters.llm.usage import error_text
from app.extraction.fallback import ExtractionFailed
from app.extraction.mapping import FieldMapping
from app.extraction.prompts import PromptSet
from app.extraction.transcript_input import from_pairs
from tests.support import cassettes
from tests.support.llm_transcripts import BILLING, BILLING_ANSWERS
from tests.support.openai_server import FakeOpenAI, mock_transport


async def test_an_error_quoting_the_api_key_is_recorded_without_it(
    mapping: FieldMapping, prompts: PromptSet
) -> None:
    """A 401 (or a proxy's error) may quote the key: the reason and the attempts, stored in the audit and
    shown in the console, never hold it."""
    key = "sk-proj-live0123456789abcdef"
    fake = FakeOpenAI([{"status": 401, "message": f"Incorrect API key provided: {key}. Bearer {key}"}])
    config = LlmConfig(
        api_key=SecretStr(key), model=cassettes.LLM_MODEL, base_url=cassettes.LLM_BASE_URL, http_retries=0
    )
    async with httpx.AsyncClient(transport=mock_transport(fake)) as http:
        client = openai.AsyncOpenAI(api_key=key, base_url=cassettes.LLM_BASE_URL, http_client=http)
        extractor = LlmExtractor(client, config, mapping, prompts)
        with pytest.raises(ExtractionFailed) as failed:
            await extractor.extract(from_pairs([("customer", "My invoice is wrong.")]))
    shown = failed.value.reason + json.dumps([vars(a) for a in failed.value.attempts], default=str)
    assert "AuthenticationError" in failed.value.reason
    assert key not in shown
    assert "0123456789" not in shown


def test_error_text_cuts_out_the_key_and_anything_shaped_like_one() -> None:
    error = ValueError(
        "key sk-abc123456789 rejected; Authorization: Bearer eyJhbGciOi.x.y; mine: s3cr3t-value"
    )
    text = error_text(error, "s3cr3t-value")
    assert (
        text == "ValueError: key sk-[redacted] rejected; Authorization: Bearer [redacted]; mine: [redacted]"
    )


async def test_openai_would_accept_the_json_modes_request(mapping: FieldMapping, prompts: PromptSet) -> None:
    """OpenAI refuses `json_object` unless a message says "JSON"; instructor's json mode says it (the fake
    refuses like OpenAI)."""
    asked = {"model": "m", "messages": [{"content": "hi"}], "response_format": {"type": "json_object"}}
    assert FakeOpenAI([]).respond(asked)[0] == 400
    fake = FakeOpenAI([{"arguments": BILLING_ANSWERS}])
    config = LlmConfig(
        api_key=SecretStr("k"),
        model=cassettes.LLM_MODEL,
        base_url=cassettes.LLM_BASE_URL,
        http_retries=0,
        mode="json",
    )
    async with httpx.AsyncClient(transport=mock_transport(fake)) as http:
        client = openai.AsyncOpenAI(api_key="k", base_url=cassettes.LLM_BASE_URL, http_client=http)
        extraction = await LlmExtractor(client, config, mapping, prompts).extract(from_pairs(BILLING))
    assert fake.requests[0]["response_format"] == {"type": "json_object"}
    assert extraction.values
