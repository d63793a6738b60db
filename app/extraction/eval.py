"""Evaluates an extractor on labelled conversations, per field: accuracy, abstain rate and confusions, and
what an admin needs to trust it: how often a value is written (applied) and how often that value is right,
the same for values only suggested, and a calibration table (confidence band -> share right)."""

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
from app.extraction.types import Extraction, Extractor, FieldValue

NONE = "(none)"
# Lower edges of the calibration table's confidence bands; the last band includes 1.0.
BAND_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


class DatasetError(ValueError):
    """A dataset line is not a labelled conversation; the message names the line."""


@dataclass(frozen=True)
class Example:
    id: str
    transcript: Transcript
    expected: Mapping[str, str | None]  # canonical text per labelled field; None: the answer is "unknown"
    language: str | None = None
    tags: tuple[str, ...] = ()


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Band:
    """Answers whose confidence is in [low, high): how many, and how many were right."""

    low: float
    high: float
    answered: int = 0
    right: int = 0

    @property
    def share_right(self) -> float | None:
        return share(self.right, self.answered)


def _bands() -> list[Band]:
    highs = (*BAND_EDGES[1:], 1.0)
    return [Band(low, high) for low, high in zip(BAND_EDGES, highs, strict=True)]


@dataclass
class FieldScore:
    name: str
    total: int = 0
    correct: int = 0
    abstained: int = 0
    answered_correct: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    applied: int = 0  # answered at or above the field's min_confidence, policy allowing: written
    applied_correct: int = 0
    suggested: int = 0  # answered, but only suggested in the note
    suggested_correct: int = 0
    labelled_values: Counter[str] = field(default_factory=Counter)  # every expected value (not "unknown")
    bands: list[Band] = field(default_factory=_bands)

    @property
    def accuracy(self) -> float | None:
        return share(self.correct, self.total)

    @property
    def abstain_rate(self) -> float | None:
        return share(self.abstained, self.total)

    @property
    def answered_accuracy(self) -> float | None:
        return share(self.answered_correct, self.total - self.abstained)

    @property
    def applied_precision(self) -> float | None:
        return share(self.applied_correct, self.applied)

    @property
    def coverage(self) -> float | None:
        """The share of conversations where a value is written."""
        return share(self.applied, self.total)

    @property
    def suggested_precision(self) -> float | None:
        return share(self.suggested_correct, self.suggested)

    @property
    def majority_value(self) -> str | None:
        """The most common expected value: the answer of an extractor that always answers the same."""
        return self.labelled_values.most_common(1)[0][0] if self.labelled_values else None

    @property
    def baseline(self) -> float | None:
        """How often always answering the majority value would be right, over every labelled conversation
        (an "unknown" label included): precision has to beat it to be worth anything."""
        majority = self.majority_value
        return share(self.labelled_values[majority], self.total) if majority is not None else None

    def count(self, expected: str | None, got: str | None, confidence: float, applies: bool) -> None:
        self.total += 1
        right = got == expected
        if expected is not None:
            self.labelled_values[expected] += 1
        if got is None:
            self.abstained += 1
        else:
            if applies:
                self.applied += 1
                self.applied_correct += right
            else:
                self.suggested += 1
                self.suggested_correct += right
            band = next(b for b in reversed(self.bands) if confidence >= b.low)
            band.answered += 1
            band.right += right
        if right:
            self.correct += 1
            self.answered_correct += got is not None
        else:
            self.confusions[(expected or NONE, got or NONE)] += 1


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


@dataclass(frozen=True)
class Answer:
    value: str | None  # canonical(), None: abstained
    confidence: float


def score(
    mapping: FieldMapping, examples: Sequence[Example], answers: Sequence[Mapping[str, Answer]]
) -> tuple[FieldScore, ...]:
    scores = {f.name: FieldScore(f.name) for f in mapping.fields}
    for example, answered in zip(examples, answers, strict=True):
        for name, expected in example.expected.items():
            if name not in scores:
                continue
            got = answered.get(name, Answer(None, 0.0))
            applies = got.value is not None and mapping.field(name).applies_at(got.confidence)
            scores[name].count(expected, got.value, got.confidence, applies)
    return tuple(scores.values())


async def run_eval(
    extractor: Extractor,
    mapping: FieldMapping,
    examples: Sequence[Example],
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    answers: list[dict[str, Answer]] = []
    extractions: list[Extraction] = []
    for index, example in enumerate(examples, start=1):
        extraction = await extractor.extract(example.transcript)
        extractions.append(extraction)
        answers.append({f.name: _answer(extraction.get(f.name)) for f in mapping.fields})
        if progress is not None:
            progress(index, len(examples))
    info = extractor.info
    return EvalReport(
        scores=score(mapping, examples, answers),
        predictions=tuple({name: a.value for name, a in answered.items()} for answered in answers),
        extractor=info.kind,
        model=info.model,
        prompt_version=info.prompt_version,
        fallbacks=sum(1 for x in extractions if x.fallback_reason),
    )


def _answer(value: FieldValue) -> Answer:
    return Answer(canonical(value.value), value.confidence)
