"""Fits a transcript into a token budget: keeps the opening and the latest turns, drops the middle."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.transcript import TranscriptMessage

CHARS_PER_TOKEN = 4  # a deliberately rough estimate; the budget leaves room for the model's own count
MESSAGE_OVERHEAD_TOKENS = 4
OPENING_SHARE = 0.25  # at most this share of the budget goes to the first messages
CUT_MARK = " [...] "


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS


@dataclass(frozen=True)
class Turn:
    author: str
    text: str


@dataclass(frozen=True)
class Trimmed:
    opening: tuple[Turn, ...]
    omitted: int
    latest: tuple[Turn, ...]

    @property
    def turns(self) -> tuple[Turn, ...]:
        return self.opening + self.latest


def trim(messages: Sequence[TranscriptMessage], budget_tokens: int) -> Trimmed:
    """Every message if they fit; otherwise the first ones (a quarter of the budget) and the latest ones."""
    per_message = max(64, budget_tokens // 4)
    turns = [Turn(m.author, _shorten(m.text, per_message)) for m in messages]
    costs = [estimate_tokens(t.text) for t in turns]
    if sum(costs) <= budget_tokens:
        return Trimmed(tuple(turns), 0, ())
    head, used = 0, 0
    while head < len(turns) and used + costs[head] <= budget_tokens * OPENING_SHARE:
        used += costs[head]
        head += 1
    tail = len(turns)
    while tail > head and used + costs[tail - 1] <= budget_tokens:
        used += costs[tail - 1]
        tail -= 1
    return Trimmed(tuple(turns[:head]), tail - head, tuple(turns[tail:]))


def _shorten(text: str, max_tokens: int) -> str:
    """A very long message keeps its start and end (where people say what they want) with a cut mark."""
    limit = (max_tokens - MESSAGE_OVERHEAD_TOKENS) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    half = (limit - len(CUT_MARK)) // 2
    return text[:half] + CUT_MARK + text[-half:]
