"""What an extractor returns: a value, confidence and evidence per field, plus model and usage figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from app.domain.transcript import Transcript

Value = str | float | bool | date
ExtractorKind = Literal["llm", "offline"]


@dataclass(frozen=True)
class FieldValue:
    """One field's answer; `value` None means the extractor abstained (unsure, or not in the chat)."""

    value: Value | None
    confidence: float = 0.0
    evidence: str | None = None

    @property
    def abstained(self) -> bool:
        return self.value is None


ABSTAIN = FieldValue(None)


@dataclass(frozen=True)
class Attempt:
    """One request to the model: its tokens and latency, and why it was rejected if it was."""

    number: int
    latency_ms: int
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Extraction:
    values: Mapping[str, FieldValue]
    extractor: ExtractorKind
    model: str | None = None
    prompt_version: str | None = None
    attempts: tuple[Attempt, ...] = ()
    fallback_reason: str | None = None  # why the LLM answer was not used, when the offline one was
    latency_ms: int = 0

    def get(self, name: str) -> FieldValue:
        return self.values.get(name, ABSTAIN)

    @property
    def prompt_tokens(self) -> int | None:
        return _total(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int | None:
        return _total(a.completion_tokens for a in self.attempts)


@dataclass(frozen=True)
class ExtractorInfo:
    kind: ExtractorKind
    model: str | None = None
    prompt_version: str | None = None
    fallback: str | None = None


class Extractor(Protocol):
    """Reads a conversation and answers every mapped field (or abstains)."""

    @property
    def info(self) -> ExtractorInfo: ...

    async def extract(self, transcript: Transcript) -> Extraction: ...


def _total(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None
