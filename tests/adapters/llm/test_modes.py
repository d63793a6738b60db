"""The default instructor mode per base URL, and CASEBRIDGE_LLM_MODE."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.adapters.llm import LLM_MODES, default_mode, resolve_mode
from app.settings import Settings


@pytest.mark.parametrize(
    ("base_url", "mode"),
    [
        (None, "tools"),
        ("https://api.openai.com/v1", "tools"),
        ("https://contoso.openai.azure.com/openai/v1", "tools"),
        ("https://contoso.cognitiveservices.azure.com/openai/v1/", "tools"),
        ("http://localhost:11434/v1", "json_schema"),  # Ollama
        ("http://127.0.0.1:8080/v1", "json_schema"),  # llama.cpp server
        ("http://vllm.internal:8000/v1", "json_schema"),  # vLLM
        ("https://api.openai.com.example.net/v1", "json_schema"),  # not OpenAI's host
    ],
)
def test_default_mode_per_base_url(base_url: str | None, mode: str) -> None:
    assert default_mode(base_url) == mode


def test_a_named_mode_wins_over_the_default() -> None:
    assert resolve_mode("auto", "http://localhost:11434/v1") == "json_schema"
    for mode in LLM_MODES:
        assert resolve_mode(mode, None) == mode
    with pytest.raises(ValueError, match="unknown LLM mode 'function_call': use one of auto, tools"):
        resolve_mode("function_call", None)


def test_the_setting_names_the_modes_it_accepts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBRIDGE_LLM_MODE", "md_json")
    assert Settings().llm_mode == "md_json"
    monkeypatch.setenv("CASEBRIDGE_LLM_MODE", "markdown")
    with pytest.raises(ValidationError, match="'auto', 'tools', 'json_schema', 'json' or 'md_json'"):
        Settings()
