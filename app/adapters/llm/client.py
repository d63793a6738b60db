"""Builds the `openai.AsyncOpenAI` client from the LLM settings (any OpenAI-compatible server)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import openai
from pydantic import SecretStr


@dataclass(frozen=True)
class LlmConfig:
    api_key: SecretStr = field(repr=False)
    model: str
    base_url: str | None = None
    timeout_seconds: float = 30.0
    max_reasks: int = 2  # instructor's re-asks after a validation error (2 means up to 3 requests)
    http_retries: int = 1  # the openai SDK's own retries of 408/429/5xx and connection errors
    prompt_token_budget: int = 6000


def build_openai_client(config: LlmConfig, http: httpx.AsyncClient | None = None) -> openai.AsyncOpenAI:
    """The SDK owns HTTP retries; instructor (in LlmExtractor) owns validation re-asks."""
    return openai.AsyncOpenAI(
        api_key=config.api_key.get_secret_value(),
        base_url=config.base_url,
        timeout=config.timeout_seconds,
        max_retries=config.http_retries,
        http_client=http,
    )
