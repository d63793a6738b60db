"""The offline extractor: scores each allowed value by its YAML keywords/patterns; no model, no network.
How confident an answer is comes from measurements on real text (calibration.py) where there are some."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.transcript import Transcript
from app.extraction.calibration import Evidence, confidence
from app.extraction.keywords import (
    Hit,
    Screen,
    Sentence,
    hits,
    keyword_regex,
    keyword_screen,
    search_pattern,
    sentences,
)
from app.extraction.mapping import FieldMapping, MappedField
from app.extraction.types import ABSTAIN, Extraction, ExtractorInfo, FieldValue, Value

_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SINGLE_MATCH_CONFIDENCE = 0.9
AMBIGUOUS_MATCH_CONFIDENCE = 0.6
DATE_CONFIDENCE = 0.6


@dataclass(frozen=True)
class _Option:
    name: str
    regexes: tuple[re.Pattern[str], ...]
    screen: Screen | None

    def candidates(self, found: Sequence[Sentence]) -> Sequence[Sentence]:
        """The sentences that may match (all when the regexes could not be screened)."""
        if self.screen is None:
            return found
        return [sentence for sentence in found if self.screen.may_match(sentence)]


@dataclass(frozen=True)
class KeywordAnswer:
    """The value whose keywords the customer used most, and what kind of evidence that is."""

    value: str
    evidence: Evidence
    score: float  # the customer's mentions of the value (weighted by author)
    runner_up: float  # the same for the strongest competing value
    hit: Hit

    @property
    def uncalibrated(self) -> float:
        return score_confidence(self.score, self.runner_up)


def score_confidence(best: float, runner_up: float) -> float:
    """One clear customer mention gives 0.65 (a suggestion at the default 0.7), two give 0.8; a close
    competitor lowers it."""
    margin = (best - runner_up) / best
    return round(min(0.95, 0.5 + 0.15 * best) * (0.6 + 0.4 * margin), 2)


class OfflineExtractor:
    def __init__(self, mapping: FieldMapping) -> None:
        self._mapping = mapping
        self._options = {f.name: _options(f) for f in mapping.fields}
        self._patterns = {f.name: search_pattern(f.spec.pattern) for f in mapping.fields if f.spec.pattern}

    @property
    def info(self) -> ExtractorInfo:
        return ExtractorInfo("offline")

    async def extract(self, transcript: Transcript) -> Extraction:
        return self.extract_now(transcript)

    def extract_now(self, transcript: Transcript) -> Extraction:
        started = time.perf_counter()
        found = sentences(transcript.messages)
        values = {f.name: self._field(f, found) for f in self._mapping.fields}
        elapsed = round((time.perf_counter() - started) * 1000)
        return Extraction(values, "offline", latency_ms=elapsed)

    def keyword_answers(self, transcript: Transcript) -> dict[str, KeywordAnswer | None]:
        """Each choice, lookup and boolean field's keyword answer before its confidence is set (for measuring
        that confidence: calibration_measure.py)."""
        found = sentences(transcript.messages)
        return {name: keyword_answer(options, found) for name, options in self._options.items() if options}

    def _field(self, field: MappedField, found: Sequence[Sentence]) -> FieldValue:
        if self._options[field.name]:
            answer = keyword_answer(self._options[field.name], found)
            if answer is None:
                return ABSTAIN
            value: Value = (answer.value == "true") if field.type == "boolean" else answer.value
            sure = confidence(field, answer.value, answer.evidence, answer.uncalibrated)
            return FieldValue(value, sure, answer.hit.evidence)
        pattern = self._patterns.get(field.name)
        if pattern is not None:
            return _pattern_value(field, pattern, found)
        if field.type == "date":
            return _date_value(found)
        return ABSTAIN


def _options(field: MappedField) -> tuple[_Option, ...]:
    options = []
    for name, allowed in field.values.items():
        keywords = [k for k in allowed.keywords if k.strip("* ")]
        regexes = [keyword_regex(k) for k in keywords]
        regexes += [re.compile(p, re.IGNORECASE) for p in allowed.patterns]
        if regexes:
            options.append(_Option(name, tuple(regexes), keyword_screen(keywords, allowed.patterns)))
    return tuple(options)


def keyword_answer(options: Sequence[_Option], found: Sequence[Sentence]) -> KeywordAnswer | None:
    """None when no value's keywords occur, or two values' occur equally (a tie is a guess)."""
    scored: list[tuple[float, int, str, Hit]] = []
    for option in options:
        candidates = option.candidates(found)
        option_hits = [list(hits([regex], candidates)) for regex in option.regexes]
        found_hits = [h for regex_hits in option_hits for h in regex_hits]
        if found_hits:
            best_hit = max(found_hits, key=lambda h: h.sentence.weight)
            distinct = sum(1 for regex_hits in option_hits if regex_hits)
            scored.append((sum(h.sentence.weight for h in found_hits), distinct, option.name, best_hit))
    if not scored:
        return None
    scored.sort(key=lambda item: item[0], reverse=True)
    best, distinct, name, hit = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if runner_up == best:
        return None
    evidence: Evidence = "contested" if runner_up else "several" if distinct > 1 else "one"
    return KeywordAnswer(name, evidence, best, runner_up, hit)


def _pattern_value(field: MappedField, pattern: re.Pattern[str], found: Sequence[Sentence]) -> FieldValue:
    matches: dict[str, Sentence] = {}
    for sentence in sorted(found, key=lambda s: -s.weight):  # the customer's own words first
        for match in pattern.finditer(sentence.text):
            matches.setdefault(match.group(0), sentence)
    valid = {text: s for text, s in matches.items() if _fits(field, text)}
    if not valid:
        return ABSTAIN
    text = next(iter(valid))
    confidence = SINGLE_MATCH_CONFIDENCE if len(valid) == 1 else AMBIGUOUS_MATCH_CONFIDENCE
    value: Value = float(text.replace(",", ".")) if field.type == "number" else text
    return FieldValue(value, confidence, text)


def _fits(field: MappedField, text: str) -> bool:
    spec = field.spec
    if field.type == "number":
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return False
        return (spec.min is None or number >= spec.min) and (spec.max is None or number <= spec.max)
    fits_pattern = spec.pattern is None or re.search(spec.pattern, text) is not None
    return fits_pattern and (spec.max_length is None or len(text) <= spec.max_length)


def _date_value(found: Sequence[Sentence]) -> FieldValue:
    dates: dict[date, str] = {}
    for sentence in found:
        for match in _ISO_DATE.finditer(sentence.text):
            try:
                dates.setdefault(date.fromisoformat(match.group(0)), match.group(0))
            except ValueError:
                continue
    if len(dates) != 1:
        return ABSTAIN
    [(day, text)] = dates.items()
    return FieldValue(day, DATE_CONFIDENCE, text)
