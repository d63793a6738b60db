"""A conversation's messages in time order, as the pipeline and the extractors see them."""

from __future__ import annotations

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
