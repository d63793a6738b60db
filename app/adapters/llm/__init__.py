"""LLM adapter: the only code that knows openai and instructor (OpenAI-compatible chat completions)."""

from app.adapters.llm.client import LlmConfig, build_openai_client
from app.adapters.llm.extractor import LlmExtractor

__all__ = ["LlmConfig", "LlmExtractor", "build_openai_client"]
