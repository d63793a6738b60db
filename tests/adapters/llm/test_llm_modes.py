"""Each instructor mode (CASEBRIDGE_LLM_MODE) against each kind of OpenAI-compatible server, replayed from
`cassettes/llm/`. Recorded (`make record-llm-cassettes`) against the in-repo fake playing that kind of
server (tests/support/openai_server.py): the behaviours scripted here cannot be asked of a real model.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr
from vcr.cassette import Cassette

from app.adapters.llm import LlmConfig, LlmExtractor, LlmMode
from app.extraction.fallback import ExtractionFailed, FallbackExtractor
from app.extraction.mapping import FieldMapping
from app.extraction.offline import OfflineExtractor
from app.extraction.prompts import PromptSet
from app.extraction.transcript_input import from_pairs
from tests.support import cassettes
from tests.support.llm_transcripts import BILLING, BILLING_ANSWERS, OUTAGE, answer
from tests.support.openai_server import (
    JSON_ONLY,
    NO_TOOLS,
    OPENAI,
    PROSE,
    Provider,
)

pytestmark = pytest.mark.vcr

Llm = Callable[
    [LlmMode, Provider, list[dict[str, Any]]], contextlib.AbstractAsyncContextManager[LlmExtractor]
]
REFUSAL = "I'm sorry, I can't help with that request."
OUTAGE_RIGHT = {
    "priority": answer("Critical", 0.9, "all our customers are affected"),
    "category": answer("Incident", 0.9, "Our API returns error 500 for every request"),
    "order_number": answer(None, 0.0, None),
    "product": answer("API", 0.9, "Our API returns error 500"),
}
OUTAGE_INVALID_VALUE = {**OUTAGE_RIGHT, "priority": answer("Urgent", 0.9, "all our customers are affected")}
OUTAGE_MADE_UP = {**OUTAGE_RIGHT, "priority": answer("Critical", 0.9, "the customer said it is an emergency")}
JSON_MODES: list[LlmMode] = ["json_schema", "json", "md_json"]


@pytest.fixture
def llm(
    mapping: FieldMapping, prompts: PromptSet, vcr: Cassette | None, record_mode: str, disable_recording: bool
) -> Llm:
    """An extractor in `mode`: replayed on https://llm.test, or recorded from the fake playing `provider`."""
    replay = record_mode == "none" and not disable_recording

    @contextlib.asynccontextmanager
    async def open_extractor(
        mode: LlmMode, provider: Provider, script: list[dict[str, Any]]
    ) -> AsyncIterator[LlmExtractor]:
        with contextlib.ExitStack() as stack:
            base_url = cassettes.LLM_BASE_URL
            if not replay:
                base_url, _fake = stack.enter_context(cassettes.running_fake_openai(script, provider))
            config = LlmConfig(
                api_key=SecretStr("fake-key"),
                model=cassettes.LLM_MODEL,
                base_url=base_url,
                mode=mode,
                http_retries=0,
            )
            async with cassettes.counted_openai(config, vcr if replay else None) as client:
                yield LlmExtractor(client, config, mapping, prompts)

    return open_extractor


def sent(vcr: Cassette | None, index: int = 0) -> dict[str, Any]:
    assert vcr is not None
    body: dict[str, Any] = json.loads(vcr.requests[index].body)
    return body


def values(extraction: Any) -> dict[str, Any]:
    return {name: v.value for name, v in extraction.values.items()}


@pytest.mark.parametrize(
    ("mode", "provider"),
    [("json_schema", OPENAI), ("json_schema", NO_TOOLS), ("json", JSON_ONLY), ("md_json", PROSE)],
    ids=["json_schema-openai", "json_schema-no_tools", "json-json_only", "md_json-prose"],
)
async def test_each_json_mode_extracts_with_evidence(
    llm: Llm, vcr: Cassette | None, mode: LlmMode, provider: Provider
) -> None:
    async with llm(mode, provider, [{"arguments": BILLING_ANSWERS}]) as extractor:
        extraction = await extractor.extract(from_pairs(BILLING, "billing"))
    assert values(extraction)["order_number"] == "BX-204518"
    assert values(extraction)["priority"] == "High"
    assert extraction.values["order_number"].evidence == "It is BX-204518."
    [attempt] = extraction.attempts
    assert attempt.error is None
    request = sent(vcr)
    assert "tools" not in request
    expected = {"json_schema": "json_schema", "json": "json_object", "md_json": None}[mode]
    assert (request.get("response_format") or {}).get("type") == expected


@pytest.mark.parametrize("mode", JSON_MODES)
async def test_an_invalid_value_is_re_asked_in_every_json_mode(
    llm: Llm, vcr: Cassette | None, mode: LlmMode
) -> None:
    script = [{"arguments": OUTAGE_INVALID_VALUE}, {"arguments": OUTAGE_RIGHT}]
    async with llm(mode, OPENAI, script) as extractor:
        extraction = await extractor.extract(from_pairs(OUTAGE, "reask"))
    assert values(extraction)["priority"] == "Critical"
    first, second = extraction.attempts
    assert "Input should be 'Critical', 'High', 'Medium' or 'Low'" in (first.error or "")
    assert second.error is None
    reask = sent(vcr, 1)["messages"]
    assert [m["role"] for m in reask[-2:]] == ["assistant", "user"]
    assert "Urgent" in reask[-1]["content"]


@pytest.mark.parametrize("mode", JSON_MODES)
async def test_made_up_evidence_is_never_accepted_in_any_json_mode(llm: Llm, mode: LlmMode) -> None:
    async with llm(mode, OPENAI, [{"arguments": OUTAGE_MADE_UP}] * 3) as extractor:
        with pytest.raises(ExtractionFailed) as failed:
            await extractor.extract(from_pairs(OUTAGE, "made-up"))
    assert failed.value.reason.startswith("no valid answer after 3 attempts:")
    assert all("does not occur in it" in (a.error or "") for a in failed.value.attempts)


@pytest.mark.parametrize(
    ("mode", "provider", "refused"),
    [
        ("tools", NO_TOOLS, "does not support tools"),
        ("json_schema", JSON_ONLY, "json_schema is not supported"),
    ],
    ids=["tools-no_tools", "json_schema-json_only"],
)
async def test_a_mode_the_server_lacks_says_which_mode_to_set(
    llm: Llm, mapping: FieldMapping, mode: LlmMode, provider: Provider, refused: str
) -> None:
    async with llm(mode, provider, [{"arguments": BILLING_ANSWERS}]) as extractor:
        with pytest.raises(ExtractionFailed) as failed:
            await extractor.extract(from_pairs(BILLING, "billing"))
    reason = failed.value.reason
    assert reason.startswith("BadRequestError: ")
    assert refused in reason
    assert f"asked in mode {mode}" in reason
    assert "set CASEBRIDGE_LLM_MODE to one of" in reason
    assert len(failed.value.attempts) == 1  # a 400 is not retried


async def test_prose_around_the_json_fails_json_mode_then_the_offline_extractor_serves(
    llm: Llm, mapping: FieldMapping
) -> None:
    async with llm("json", PROSE, [{"arguments": BILLING_ANSWERS}] * 3) as extractor:
        fallback = FallbackExtractor(extractor, OfflineExtractor(mapping))
        extraction = await fallback.extract(from_pairs(BILLING, "billing"))
    assert extraction.extractor == "offline"
    assert extraction.fallback_reason is not None
    assert extraction.fallback_reason.startswith("no valid answer after 3 attempts:")
    assert "Invalid JSON" in extraction.fallback_reason
    assert len(extraction.attempts) == 3


@pytest.mark.parametrize("mode", ["tools", "json_schema"])
async def test_a_refusal_is_not_re_asked_and_the_offline_extractor_serves(
    llm: Llm, mapping: FieldMapping, mode: LlmMode
) -> None:
    async with llm(mode, OPENAI, [{"refusal": REFUSAL}] * 3) as extractor:
        fallback = FallbackExtractor(extractor, OfflineExtractor(mapping))
        extraction = await fallback.extract(from_pairs(BILLING, "billing"))
    assert extraction.extractor == "offline"
    assert extraction.fallback_reason == f"the model refused: {REFUSAL}"
    [attempt] = extraction.attempts
    assert attempt.completion_tokens


@pytest.mark.parametrize("mode", ["tools", "json"])
async def test_a_truncated_answer_is_not_re_asked(llm: Llm, mode: LlmMode) -> None:
    async with llm(mode, OPENAI, [{"truncated": BILLING_ANSWERS}] * 3) as extractor:
        with pytest.raises(ExtractionFailed) as failed:
            await extractor.extract(from_pairs(BILLING, "billing"))
    assert failed.value.reason.startswith("the answer was cut off at the model's output limit")
    assert "finish_reason length" in failed.value.reason
    [attempt] = failed.value.attempts
    assert attempt.error == failed.value.reason
