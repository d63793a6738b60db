"""How conversations read in Creatio: case subjects and activity titles and bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.case import ActivityKind
from app.domain.transcript import Transcript

SUBJECT_MAX = 100
TITLE_PREVIEW = 60
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class CaseText:
    """A case's Subject and Symptoms."""

    subject: str
    symptoms: str


def case_text(
    transcript: Transcript, handoff_summary: str | None, *, symptoms_from_handoff: bool
) -> CaseText:
    """From the first customer message by sent_at, whenever it arrived (before any: the handoff summary,
    else a placeholder subject); with `symptoms_from_handoff` (handoff-only mode) Symptoms is the summary."""
    first = transcript.first_customer_text()
    fallback = f"Chat conversation {transcript.conversation_external_id}"
    symptoms = handoff_summary if symptoms_from_handoff else first
    return CaseText(subject_from(first or handoff_summary, fallback), symptoms or handoff_summary or "")


def edited_by_others(current: CaseText, own: Iterable[CaseText]) -> bool:
    """Whether the case's Subject or Symptoms holds a text other than one of Casebridge's own."""
    texts = tuple(own)
    subjects, symptoms = {t.subject for t in texts}, {t.symptoms for t in texts}
    return current.subject not in subjects or current.symptoms not in symptoms


def subject_from(text: str | None, fallback: str) -> str:
    """First sentence or line of the text, whitespace folded, cut at a word boundary with an ellipsis."""
    if not text or not text.strip():
        return fallback
    first_line = next((line for line in text.strip().splitlines() if line.strip()), "")
    folded = _WS.sub(" ", first_line).strip()
    sentence = re.split(r"(?<=[.!?])\s", folded, maxsplit=1)[0]
    candidate = sentence if len(sentence) >= 20 else folded
    return shorten(candidate, SUBJECT_MAX)


def shorten(text: str, limit: int) -> str:
    folded = _WS.sub(" ", text).strip()
    if len(folded) <= limit:
        return folded
    cut = folded[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def activity_title(kind: ActivityKind, text: str, customer_name: str | None) -> str:
    """The author is visible in the title: 'Customer (Ada Lovelace): My invoice is wrong'."""
    author = {
        "customer": f"Customer ({customer_name})" if customer_name else "Customer",
        "ai": "AI assistant",
        "agent": "Agent in the chat",
        "handoff": "Handoff to a human",
        "note": "AI field auto-fill",
    }[kind]
    return f"{author}: {shorten(text, TITLE_PREVIEW)}"


def activity_body(text: str, conversation_url: str | None) -> str:
    if not conversation_url:
        return text
    return f"{text}\n\nConversation: {conversation_url}"
