"""A conversation's messages in time order, as the pipeline and the extractors see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class TranscriptMessage:
    id: UUID
    author: str  # customer | ai | agent | handoff
    text: str
    sent_at: datetime


@dataclass(frozen=True)
class Transcript:
    conversation_external_id: str
    customer_name: str | None
    messages: tuple[TranscriptMessage, ...]

    def first_customer_text(self) -> str | None:
        return next((m.text for m in self.messages if m.author == "customer"), None)

    def render(self) -> str:
        """Plain text, one line per message, for extractors and notes."""
        labels = {
            "customer": "Customer",
            "ai": "AI assistant",
            "agent": "Agent",
            "handoff": "Handoff summary",
        }
        return "\n".join(f"{labels.get(m.author, m.author)}: {m.text}" for m in self.messages)


SUMMARY_PART = 300  # characters of each message quoted in an offline summary


def offline_summary(messages: Sequence[tuple[str, str]]) -> str | None:
    """A handoff summary from the transcript alone (author, text in time order), for an agent taking over:
    what the customer first asked, what they wrote last, and the AI's last answer. None without a
    customer message."""
    customer = [text for author, text in messages if author == "customer"]
    if not customer:
        return None
    ai = [text for author, text in messages if author == "ai"]
    parts = [f"The customer asked: {_quote(customer[0])}"]
    if len(customer) > 1:
        parts.append(f"Latest from the customer: {_quote(customer[-1])}")
    if ai:
        parts.append(f"The AI's last answer: {_quote(ai[-1])}")
    return "\n".join(parts)


def _quote(text: str) -> str:
    folded = " ".join(text.split())
    return folded if len(folded) <= SUMMARY_PART else folded[: SUMMARY_PART - 1].rstrip() + "…"
