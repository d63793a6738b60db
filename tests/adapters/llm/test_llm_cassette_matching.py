"""The LLM cassettes match request bodies: a prompt edit fails replay until re-recorded on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import vcr
from pydantic import SecretStr

from app.adapters.llm import LlmConfig, LlmExtractor, build_openai_client
from app.extraction.fallback import ExtractionFailed
from app.extraction.mapping import FieldMapping
from app.extraction.prompts import PromptSet
from app.extraction.transcript_input import from_pairs
from tests.support import cassettes
from tests.support.llm_transcripts import BILLING
from tests.support.paths import PROMPTS

CASSETTE = cassettes.LLM_CASSETTE_DIR / "test_billing_dispute_is_extracted_with_evidence.yaml"


async def test_a_changed_prompt_no_longer_matches_the_cassette(mapping: FieldMapping, tmp_path: Path) -> None:
    changed = tmp_path / "prompts"
    shutil.copytree(PROMPTS, changed)
    with (changed / "system.j2").open("a", encoding="utf-8") as template:
        template.write("Be concise.\n")
    options = {k: v for k, v in cassettes.llm_vcr_config().items() if k != "allow_playback_repeats"}
    recorder = vcr.VCR(**options)
    cassettes.register_matchers(recorder)
    config = LlmConfig(
        api_key=SecretStr("replay-only"),
        model=cassettes.LLM_MODEL,
        base_url=cassettes.LLM_BASE_URL,
        http_retries=0,
    )
    with recorder.use_cassette(str(CASSETTE), record_mode="none", allow_playback_repeats=True):
        async with build_openai_client(config) as client:
            unchanged = LlmExtractor(client, config, mapping, PromptSet(PROMPTS))
            assert (await unchanged.extract(from_pairs(BILLING))).get("order_number").value == "BX-204518"
            edited = LlmExtractor(client, config, mapping, PromptSet(changed))
            with pytest.raises(ExtractionFailed, match="APIConnectionError") as failed:
                await edited.extract(from_pairs(BILLING))
    causes, cause = [], failed.value.__cause__
    while cause is not None:
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    assert "CannotOverwriteExistingCassetteException" in causes  # no recorded request has this body


def test_llm_cassettes_are_scrubbed() -> None:
    import yaml

    paths = sorted(cassettes.LLM_CASSETTE_DIR.glob("*.yaml"))
    assert len(paths) >= 5, "run `make record-llm-cassettes`"
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "127.0.0.1" not in text
        assert "api.openai.com" not in text
        for interaction in yaml.safe_load(text)["interactions"]:
            assert interaction["request"]["uri"] == "https://llm.test/v1/chat/completions", path.name
            assert set(interaction["request"]["headers"]) <= {"content-type"}, path.name
            assert set(interaction["response"]["headers"]) <= {"content-type"}, path.name
