"""How the structured answer is asked for (instructor's mode), and the default for a base URL.

The rule (docs/local-model.md): OpenAI (no base URL, or api.openai.com) and Azure OpenAI
(*.openai.azure.com, *.cognitiveservices.azure.com, *.services.ai.azure.com) get `tools`, a forced function
call; every other server (Ollama, llama.cpp server, vLLM, LM Studio, other OpenAI-compatible APIs) gets
`json_schema`, the answer as message content constrained by `response_format` (JSON schema), because many
local models have no tool calls. The answer is validated the same way in every mode.
"""

from __future__ import annotations

from typing import Literal, get_args
from urllib.parse import urlsplit

import instructor

LlmMode = Literal["tools", "json_schema", "json", "md_json"]
LLM_MODES: tuple[LlmMode, ...] = get_args(LlmMode)
AUTO = "auto"

INSTRUCTOR_MODES: dict[LlmMode, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,  # tools + tool_choice naming the answer's function
    "json_schema": instructor.Mode.JSON_SCHEMA,  # response_format {"type": "json_schema"}
    "json": instructor.Mode.JSON,  # response_format {"type": "json_object"}, the schema in the system prompt
    "md_json": instructor.Mode.MD_JSON,  # no response_format: JSON in a ```json block, read out of the prose
}

_TOOL_HOSTS = ("api.openai.com",)
_TOOL_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


def default_mode(base_url: str | None) -> LlmMode:
    """`tools` for OpenAI and Azure OpenAI, `json_schema` for any other OpenAI-compatible server."""
    if base_url is None or not base_url.strip():
        return "tools"
    host = (urlsplit(base_url.strip()).hostname or "").lower()
    if host in _TOOL_HOSTS or host.endswith(_TOOL_HOST_SUFFIXES):
        return "tools"
    return "json_schema"


def resolve_mode(setting: str, base_url: str | None) -> LlmMode:
    """The mode a setting names (`auto`: the default for the base URL). Raises ValueError for others."""
    if setting == AUTO:
        return default_mode(base_url)
    for mode in LLM_MODES:
        if setting == mode:
            return mode
    raise ValueError(f"unknown LLM mode {setting!r}: use one of {AUTO}, {', '.join(LLM_MODES)}")
