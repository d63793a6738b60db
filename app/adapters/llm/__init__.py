"""LLM adapter: the only code that knows openai and instructor (OpenAI-compatible chat completions)."""

from app.adapters.llm.extractor import LlmConfig, LlmExtractor, build_openai_client

__all__ = ["LlmConfig", "LlmExtractor", "build_openai_client"]
