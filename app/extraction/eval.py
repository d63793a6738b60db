"""Evaluates an extractor on labelled conversations: per-field accuracy, abstain rate and confusions."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.domain.transcript import Transcript
from app.extraction.mapping import FieldMapping
from app.extraction.transcript_input import TranscriptInputError, from_messages
from app.extraction.types import Extraction, Extractor

NONE = "(none)"


class DatasetError(ValueError):
    """A dataset line is not a labelled conversation; the message names the line."""


@dataclass(frozen=True)
class Example:
    id: str
    transcript: Transcript
    expected: Mapping[str, str | None]  # canonical text per labelled field; None: the answer is "unknown"
    language: str | None = None
    tags: tuple[str, ...] = ()


@dataclass
class FieldScore:
    name: str
    total: int = 0
    correct: int = 0
    abstained: int = 0
    answered_correct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    @property
    def abstain_rate(self) -> float | None:
        return self.abstained / self.total if self.total else None

    @property
    def answered_accuracy(self) -> float | None:
        answered = self.total - self.abstained
        return self.answered_correct / answered if answered else None


@dataclass(frozen=True)
class EvalReport:
    scores: tuple[FieldScore, ...]
    predictions: tuple[Mapping[str, str | None], ...]
    extractor: str
    model: str | None
    prompt_version: str | None
    fallbacks: int

    @property
    def overall_accuracy(self) -> float:
        total = sum(s.total for s in self.scores)
        return sum(s.correct for s in self.scores) / total if total else 0.0


def canonical(value: Any) -> str | None:
    """Values compared as text: case-folded, numbers without a trailing .0, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip().casefold()


def load_dataset(path: Path) -> list[Example]:
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            item = json.loads(line)
            transcript = from_messages(item["messages"], str(item["id"]))
            expected = {str(k): canonical(v) for k, v in dict(item["expected"]).items()}
        except (ValueError, KeyError, TypeError, TranscriptInputError) as exc:
            raise DatasetError(f"{path}:{number}: not a labelled conversation ({exc})") from None
        tags = tuple(str(t) for t in item.get("tags", ()))
        examples.append(Example(str(item["id"]), transcript, expected, item.get("language"), tags))
    return examples


def score(
    mapping: FieldMapping, examples: Sequence[Example], predictions: Sequence[Mapping[str, str | None]]
) -> tuple[FieldScore, ...]:
    scores = {f.name: FieldScore(f.name) for f in mapping.fields}
    for example, predicted in zip(examples, predictions, strict=True):
        for name, expected in example.expected.items():
            if name not in scores:
                continue
            s, got = scores[name], predicted.get(name)
            s.total += 1
            s.abstained += got is None
            if got == expected:
                s.correct += 1
                s.answered_correct += got is not None
            else:
                s.confusions[(expected or NONE, got or NONE)] += 1
    return tuple(scores.values())


async def run_eval(
    extractor: Extractor,
    mapping: FieldMapping,
    examples: Sequence[Example],
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    predictions: list[dict[str, str | None]] = []
    extractions: list[Extraction] = []
    for index, example in enumerate(examples, start=1):
        extraction = await extractor.extract(example.transcript)
        extractions.append(extraction)
        predictions.append({f.name: canonical(extraction.get(f.name).value) for f in mapping.fields})
        if progress is not None:
            progress(index, len(examples))
    info = extractor.info
    return EvalReport(
        scores=score(mapping, examples, predictions),
        predictions=tuple(predictions),
        extractor=info.kind,
        model=info.model,
        prompt_version=info.prompt_version,
        fallbacks=sum(1 for x in extractions if x.fallback_reason),
    )
