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


def handoff_summary(customer_messages: Sequence[str]) -> str:
    """What the agent reads first: the customer's own words, shortened."""
    said = [m.strip() for m in customer_messages if m.strip() and not wants_human(m)] or list(
        customer_messages
    )
    text = " / ".join(said) if said else "no details given"
    if len(text) > 400:
        text = text[:397] + "..."
    return f"Customer asked for a human. What they said: {text}"
