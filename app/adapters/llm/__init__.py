"""LLM adapter: the only code that knows openai and instructor (OpenAI-compatible chat completions)."""

from app.adapters.llm.extractor import LlmConfig, LlmExtractor, build_openai_client
from app.adapters.llm.modes import LLM_MODES, LlmMode, default_mode, resolve_mode

__all__ = [
    "LLM_MODES",
    "LlmConfig",
    "LlmExtractor",
    "LlmMode",
    "build_openai_client",
    "default_mode",
    "resolve_mode",
]
