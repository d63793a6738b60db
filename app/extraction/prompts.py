"""Renders the Jinja prompt templates in a sandbox; customer text is only ever a variable, never source."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from app.domain.transcript import Transcript
from app.extraction.mapping import FieldMapping, MappedField
from app.extraction.trim import Trimmed, Turn, trim

TEMPLATES = ("system.j2", "user.j2")
AUTHOR_LABELS = {"customer": "Customer", "ai": "AI assistant", "handoff": "Handoff summary"}
_FENCE = re.compile(r"</?\s*conversation", re.IGNORECASE)


class PromptError(ValueError):
    """A template is missing or does not render; the message names the file."""


@dataclass(frozen=True)
class RenderedPrompt:
    messages: list[dict[str, str]]
    version: str
    omitted_messages: int


class PromptSet:
    """The templates of a directory, compiled once; `version` is a hash of their sources."""

    def __init__(self, directory: Path) -> None:
        self._env = SandboxedEnvironment(
            undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
        )
        sources: dict[str, str] = {}
        for name in TEMPLATES:
            path = directory / name
            try:
                sources[name] = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise PromptError(f"{path}: cannot read the prompt template ({exc.strerror})") from None
        try:
            self._templates = {name: self._env.from_string(source) for name, source in sources.items()}
        except TemplateError as exc:
            raise PromptError(f"{directory}: a prompt template does not compile: {exc}") from None
        digest = hashlib.sha256()
        for name in TEMPLATES:
            digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
        self.version = "p-" + digest.hexdigest()[:12]

    def render(self, mapping: FieldMapping, transcript: Transcript, budget_tokens: int) -> RenderedPrompt:
        trimmed = trim(transcript.messages, budget_tokens)
        fields = [field_variables(f) for f in mapping.fields]
        try:
            system = self._templates["system.j2"].render(fields=fields)
            user = self._templates["user.j2"].render(fields=fields, **conversation_variables(trimmed))
        except TemplateError as exc:
            raise PromptError(f"a prompt template failed to render: {exc}") from None
        messages = [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]
        return RenderedPrompt(messages, self.version, trimmed.omitted)


def field_variables(field: MappedField) -> dict[str, Any]:
    spec = field.spec
    return {
        "name": field.name,
        "label": field.label,
        "type": spec.type,
        "description": spec.description,
        "values": [{"name": n, "description": v.description} for n, v in spec.values.items()],
        "pattern": spec.pattern,
        "max_length": spec.max_length,
        "min": spec.min,
        "max": spec.max,
    }


def conversation_variables(trimmed: Trimmed) -> dict[str, Any]:
    return {
        "opening": [_turn(t) for t in trimmed.opening],
        "omitted": trimmed.omitted,
        "latest": [_turn(t) for t in trimmed.latest],
    }


def _turn(turn: Turn) -> dict[str, str]:
    text = _FENCE.sub(lambda m: m.group(0).replace("<", "\u2039"), turn.text)  # no fake end of the data block
    return {"author": turn.author, "label": AUTHOR_LABELS.get(turn.author, turn.author), "text": text}
