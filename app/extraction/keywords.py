"""Keyword and pattern matching for the offline extractor: sentences, negation and injection filters."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from app.domain.transcript import TranscriptMessage

AUTHOR_WEIGHTS = {"customer": 1.0, "handoff": 1.0}  # the AI's own words are no evidence ("How can I help?")
EVIDENCE_WINDOW = 200
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|nicht|kein\w*|pas|sans|sin|non|nem|niet|geen)\b|n['\u2019]t\b)(?:\s+\w+)?\s*$",
    re.IGNORECASE,
)
# Sentences that try to steer the extraction are never scored (the LLM prompt says the same).
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|your)\s+(?:\w+\s+)?"
    r"(?:instructions|rules|prompts?)"
    r"|system\s+prompt|disregard\s+(?:all|any|the|your)|you\s+are\s+now\b"
    r"|\bset\s+(?:the\s+|my\s+|this\s+|every\s+)?[\w' ]{0,30}?\b(?:priority|category|fields?)\s+(?:to|=)"
    r"|\b(?:priority|category)\s*[:=]\s*\w+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    weight: float
    author: str


@dataclass(frozen=True)
class Hit:
    sentence: Sentence
    start: int
    end: int

    @property
    def evidence(self) -> str:
        return window(self.sentence.text, self.start, self.end)


def sentences(messages: Sequence[TranscriptMessage]) -> list[Sentence]:
    """Every sentence of every message, with its author's weight; steering attempts are left out."""
    found: list[Sentence] = []
    for message in messages:
        weight = AUTHOR_WEIGHTS.get(message.author, 0.0)
        if weight == 0:
            continue
        for match in _SENTENCE.finditer(message.text):
            text = match.group(0).strip()
            if text and not _INJECTION.search(text):
                found.append(Sentence(text, weight, message.author))
    return found


def keyword_regex(keyword: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive match; a trailing `*` allows any word ending (`crash*`)."""
    suffix = r"\w*" if keyword.endswith("*") else r"(?!\w)"
    return re.compile(rf"(?<!\w){_keyword_core(keyword)}{suffix}", re.IGNORECASE)


def _keyword_core(keyword: str) -> str:
    core = keyword.rstrip("*").strip()
    return re.escape(core).replace("'", "['\u2019]").replace(r"\ ", r"\s+")


def keyword_screen(keywords: Sequence[str], patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One search that every sentence any of the keywords or patterns matches also matches (the keywords
    without their word boundaries): most sentences mention none, and one search is cheaper than many."""
    parts = [_keyword_core(k) for k in keywords] + [f"(?:{p})" for p in patterns]
    try:
        return re.compile("|".join(parts), re.IGNORECASE)
    except re.error:  # e.g. a pattern with inline global flags cannot sit inside an alternation
        return None


def hits(regexes: Sequence[re.Pattern[str]], text_of: Sequence[Sentence]) -> Iterator[Hit]:
    """Every non-negated match of any of the regexes, at most one per sentence and regex."""
    for sentence in text_of:
        for regex in regexes:
            match = regex.search(sentence.text)
            if match and not _NEGATION.search(sentence.text[: match.start()]):
                yield Hit(sentence, match.start(), match.end())


def window(text: str, start: int, end: int) -> str:
    """The sentence, or a window of it around the match when it is long."""
    if len(text) <= EVIDENCE_WINDOW:
        return text
    left = max(0, min(start - EVIDENCE_WINDOW // 3, len(text) - EVIDENCE_WINDOW))
    return text[left : left + EVIDENCE_WINDOW].strip()


def search_pattern(pattern: str) -> re.Pattern[str]:
    """A field's validation pattern (`^...$`) turned into a search for a standalone occurrence."""
    core = pattern
    if core.startswith("^"):
        core = core[1:]
    if core.endswith("$") and not core.endswith(r"\$"):
        core = core[:-1]
    return re.compile(rf"(?<![\w-])(?:{core})(?![\w-])")
