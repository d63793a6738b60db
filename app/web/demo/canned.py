"""The demo's pretend AI assistant: canned replies, and when to hand the conversation to a human."""

from __future__ import annotations

import re
from collections.abc import Sequence

HUMAN = re.compile(r"\b(human|person|agent|real (?:person|people)|someone|operator)\b", re.IGNORECASE)
REPLIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"invoice|bill|charge|refund|payment|price", re.IGNORECASE),
        "I'm sorry about the billing trouble. Could you tell me the invoice or order number?",
    ),
    (
        re.compile(r"log ?in|password|sign ?in|locked|access", re.IGNORECASE),
        "Sorry you can't get in. Have you tried resetting your password from the login page?",
    ),
    (
        re.compile(r"error|crash|down|broken|not working|500", re.IGNORECASE),
        "Thanks for reporting this. Does it happen for everyone on your team, or only for you?",
    ),
    (
        re.compile(r"order|deliver|shipping|package", re.IGNORECASE),
        "Let me help with your order. What is the order number (it looks like AB-123456)?",
    ),
)
DEFAULT_REPLY = (
    "Thanks! I'm the AI assistant: I can help with billing, access, errors and orders. "
    "If you'd rather talk to a person, press \u201cTalk to a human\u201d."
)
HANDOFF_REPLY = "Of course. I'm handing this conversation to our support team: an agent will reply here."


def wants_human(text: str) -> bool:
    return bool(HUMAN.search(text))


def ai_reply(text: str) -> str:
    for pattern, reply in REPLIES:
        if pattern.search(text):
            return reply
    return DEFAULT_REPLY


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SUMMARY_CHARS = 400


def handoff_summary(customer_messages: Sequence[str]) -> str:
    """What the agent reads first: the customer's own words, what they said last first (the message that
    asked for a human often carries the detail, e.g. the order number), without the asking itself."""
    said = [text for text in map(_without_asking_for_a_human, customer_messages) if text]
    if not said:
        return "Customer asked for a human. No details given."
    latest = _shortened(said[-1], SUMMARY_CHARS)
    text = f"Customer asked for a human. They said last: {latest}"
    if len(said) > 1:
        room = SUMMARY_CHARS - len(latest)
        text += f" Before that: {_shortened(' / '.join(said[:-1]), max(room, 60))}"
    return text


def _without_asking_for_a_human(message: str) -> str:
    kept = [s for s in SENTENCE_END.split(message.strip()) if s and not wants_human(s)]
    return " ".join(kept)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
