"""The OpenAI path through instructor, replayed from `cassettes/llm/` (see tests/support/cassettes.py).

`make record-llm-cassettes` records again: against api.openai.com when OPENAI_API_KEY is set, else
against the fake with the answers below. The tests in FAKE_ONLY script a wrong answer on purpose (a
real model cannot be made to give one), so they are always recorded against the fake.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from vcr.cassette import Cassette

from app.adapters.llm import LlmConfig, LlmExtractor
from app.extraction.fallback import ExtractionFailed
from app.extraction.mapping import FieldMapping
from app.extraction.normalise import normalise
from app.extraction.prompts import PromptSet
from app.extraction.transcript_input import from_pairs
from tests.support import cassettes
from tests.support.llm_transcripts import BILLING, BILLING_ANSWERS, GERMAN_OUTAGE, INJECTION, OUTAGE, answer

pytestmark = pytest.mark.vcr


NULL = answer(None, 0.0, None)
ANSWERS: dict[str, list[dict[str, Any]]] = {
    "test_billing_dispute_is_extracted_with_evidence": [{"arguments": BILLING_ANSWERS}],
    "test_german_outage_without_an_order_number": [
        {
            "arguments": {
                "priority": answer("Critical", 0.9, "alle Nutzer sehen nur Fehler"),
                "category": answer("Incident", 0.9, "komplett ausgefallen"),
                "order_number": NULL,
                "product": answer(
                    "Web dashboard", 0.85, "das Dashboard ist seit heute früh komplett ausgefallen"
                ),
            }
        }
    ],
    "test_prompt_injection_is_not_obeyed": [
        {
            "arguments": {
                "priority": answer("Low", 0.8, "No rush."),
                "category": answer("Service request", 0.85, "how can I change my invoice address?"),
                "order_number": NULL,
                "product": answer("Billing portal", 0.7, "how can I change my invoice address?"),
            }
        }
    ],
    "test_an_invalid_value_is_re_asked_once": [
        {
            "arguments": {
                "priority": answer("Urgent", 0.9, "all our customers are affected"),
                "category": answer("Incident", 0.9, "Our API returns error 500 for every request"),
                "order_number": NULL,
                "product": answer("API", 0.9, "Our API returns error 500"),
            }
        },
        {
            "arguments": {
                "priority": answer("Critical", 0.9, "all our customers are affected"),
                "category": answer("Incident", 0.9, "Our API returns error 500 for every request"),
                "order_number": NULL,
                "product": answer("API", 0.9, "Our API returns error 500"),
            }
        },
    ],
    "test_made_up_evidence_is_never_accepted": [
        {
            "arguments": {
                "priority": answer("Critical", 0.9, "the customer said it is an emergency"),
                "category": NULL,
                "order_number": NULL,
                "product": NULL,
            }
        }
    ]
    * 3,
}
FAKE_ONLY = {"test_an_invalid_value_is_re_asked_once", "test_made_up_evidence_is_never_accepted"}


@pytest.fixture
def base_url(request: pytest.FixtureRequest, record_mode: str, disable_recording: bool) -> Iterator[str]:
    """https://llm.test on replay; OpenAI (with OPENAI_API_KEY) or the fake when recording."""
    name = request.node.name
    if record_mode == "none" and not disable_recording:
        yield cassettes.LLM_BASE_URL
        return
    if os.environ.get("OPENAI_API_KEY") and name not in FAKE_ONLY:
        yield cassettes.OPENAI_BASE_URL
        return
    with cassettes.running_fake_openai(ANSWERS[name]) as (url, _fake):
        yield url


@pytest.fixture
async def extractor(
    base_url: str, mapping: FieldMapping, prompts: PromptSet, vcr: Cassette | None, record_mode: str
) -> AsyncIterator[LlmExtractor]:
    key = os.environ.get("OPENAI_API_KEY", "") if base_url == cassettes.OPENAI_BASE_URL else "fake-key"
    config = LlmConfig(api_key=SecretStr(key), model=cassettes.LLM_MODEL, base_url=base_url, http_retries=0)
    async with cassettes.counted_openai(config, vcr if record_mode == "none" else None) as client:
        yield LlmExtractor(client, config, mapping, prompts)


def values(extraction: Any) -> dict[str, Any]:
    return {name: v.value for name, v in extraction.values.items()}


def assert_evidence_is_quoted(extraction: Any, pairs: list[tuple[str, str]]) -> None:
    text = normalise("\n".join(t for _, t in pairs))
    for name, v in extraction.values.items():
        if v.value is not None:
            assert v.evidence, name
            assert normalise(v.evidence).strip("\"'.… ") in text, (name, v.evidence)


async def test_billing_dispute_is_extracted_with_evidence(extractor: LlmExtractor) -> None:
    extraction = await extractor.extract(from_pairs(BILLING, "billing"))
    assert values(extraction) == {
        "priority": "High",
        "category": "Incident",
        "order_number": "BX-204518",
        "product": "Billing portal",
    }
    assert_evidence_is_quoted(extraction, BILLING)
    assert (extraction.extractor, extraction.model) == ("llm", cassettes.LLM_MODEL)
    assert extraction.prompt_version == extractor.info.prompt_version
    [attempt] = extraction.attempts
    assert attempt.error is None
    assert attempt.prompt_tokens
    assert attempt.completion_tokens


async def test_german_outage_without_an_order_number(extractor: LlmExtractor) -> None:
    extraction = await extractor.extract(from_pairs(GERMAN_OUTAGE, "german"))
    got = values(extraction)
    assert (got["priority"], got["category"], got["order_number"]) == ("Critical", "Incident", None)
    assert_evidence_is_quoted(extraction, GERMAN_OUTAGE)


async def test_prompt_injection_is_not_obeyed(extractor: LlmExtractor) -> None:
    extraction = await extractor.extract(from_pairs(INJECTION, "injection"))
    got = values(extraction)
    assert got["priority"] != "Critical"
    assert got["category"] == "Service request"
    assert_evidence_is_quoted(extraction, INJECTION)


async def test_an_invalid_value_is_re_asked_once(extractor: LlmExtractor, vcr: Cassette | None) -> None:
    extraction = await extractor.extract(from_pairs(OUTAGE, "reask"))
    assert values(extraction)["priority"] == "Critical"
    first, second = extraction.attempts
    assert "Input should be 'Critical', 'High', 'Medium' or 'Low'" in (first.error or "")
    assert second.error is None
    assert first.prompt_tokens
    assert second.prompt_tokens
    assert second.prompt_tokens > first.prompt_tokens  # the re-ask carries the first answer and the error
    if vcr is not None:  # the second request carries the validation error back to the model
        reask = json.loads(vcr.requests[1].body)["messages"]
        assert [m["role"] for m in reask[-2:]] == ["assistant", "tool"]
        assert "Urgent" in reask[-1]["content"]


async def test_made_up_evidence_is_never_accepted(extractor: LlmExtractor) -> None:
    with pytest.raises(ExtractionFailed) as failed:
        await extractor.extract(from_pairs(OUTAGE, "made-up"))
    reason = failed.value.reason
    assert reason.startswith("no valid answer after 3 attempts: 1 validation error for CaseFields priority")
    assert "does not occur in it" in reason
    assert len(failed.value.attempts) == 3
    assert all("does not occur in it" in (a.error or "") for a in failed.value.attempts)
    texts = [reason, *(a.error or "" for a in failed.value.attempts)]
    assert not any("emergency" in t or "input_value" in t for t in texts)  # the answer is not repeated
