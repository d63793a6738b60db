"""The conversations of a chaos run: what the chat platform sends (out of order and repeated on purpose)
and what the sandbox must hold afterwards.

Every message text carries a marker, `[<conversation id>#m<index>]`, so the check can tell from the
sandbox's own data which conversation and which message an activity is, without asking Casebridge.

Three kinds of conversation, by number (`n % 10`):
- 3: the AI resolves it: 4 messages and the resolution, no handoff (in handoff-only mode: no case at all);
- 7: handed off and left open: 6 messages and the handoff, no resolution;
- the others: 6 messages, the handoff, the resolution.

Sending order (`n % 4`): 1 swaps the second and third messages; 2 sends the resolution before the last
message and the handoff (which are older than it, so the conversation stays resolved). Every sixth
conversation (`n % 6 == 0`) repeats two events, as a chat platform's retry would: the first message
again after the fourth, and the handoff (or the last event) twice in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.events import AI_LINES, CUSTOMER_LINES

EMAIL_DOMAIN = "chaos.example"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MARKER = re.compile(r"\[([A-Za-z0-9_-]+)#m(\d+)\]")


@dataclass(frozen=True)
class SentMessage:
    marker: str  # "<conversation id>#m<index>"
    author: str
    sent_at: datetime


@dataclass(frozen=True)
class Expected:
    """What one conversation must look like in Creatio once everything is synced."""

    conversation_id: str
    email: str
    messages: tuple[SentMessage, ...]  # in sent order
    handoff_summary: str | None
    resolved: bool

    def wants_case(self, handoff_only: bool) -> bool:
        return self.handoff_summary is not None or not handoff_only


@dataclass(frozen=True)
class Script:
    expected: Expected
    events: tuple[dict[str, Any], ...]  # in sending order, repeats included

    @property
    def distinct_events(self) -> int:
        return len({e["id"] for e in self.events})


def marker(conversation_id: str, index: int) -> str:
    return f"{conversation_id}#m{index}"


def conversation_id(run_id: str, n: int) -> str:
    return f"{run_id}-{n:05d}"


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def script(run_id: str, n: int) -> Script:
    conv = conversation_id(run_id, n)
    email = f"{conv}@{EMAIL_DOMAIN}"
    conversation = {
        "id": conv,
        "channel": "web",
        "url": f"https://chat.example/inbox/{conv}",
        "customer": {"name": f"Customer {conv}", "email": email, "phone": None},
    }
    ai_resolved, left_open = n % 10 == 3, n % 10 == 7
    count = 4 if ai_resolved else 6
    sent: list[SentMessage] = []
    messages: list[dict[str, Any]] = []
    for i in range(count):
        author, lines = ("customer", CUSTOMER_LINES) if i % 2 == 0 else ("ai", AI_LINES)
        when = _at(n + i * 20)
        sent.append(SentMessage(marker(conv, i), author, when))
        text = f"{lines[i // 2].format(n=n)} [{marker(conv, i)}]"
        messages.append(
            {
                "id": f"evt_{conv}_m{i}",
                "type": "message.created",
                "occurred_at": _iso(when),
                "conversation": conversation,
                "message": {"id": f"m{i}", "author": author, "text": text, "sent_at": _iso(when)},
            }
        )
    summary = None
    handoff: dict[str, Any] | None = None
    if not ai_resolved:
        summary = f"Customer {n} was billed for the Pro plan (order AB-{n:06d}) and asks for a refund."
        handoff = {
            "id": f"evt_{conv}_handoff",
            "type": "handoff.requested",
            "occurred_at": _iso(_at(n + 130)),
            "conversation": conversation,
            "handoff": {"summary": summary, "reason": "refund needs an agent", "language": "en"},
        }
    resolution: dict[str, Any] | None = None
    if not left_open:
        resolution = {
            "id": f"evt_{conv}_resolved",
            "type": "conversation.resolved",
            "occurred_at": _iso(_at(n + 600)),
            "conversation": conversation,
            "resolution": {"by": "ai" if ai_resolved else "agent", "note": "done"},
        }
    events = _sending_order(n, messages, handoff, resolution)
    expected = Expected(conv, email, tuple(sent), summary, resolution is not None)
    return Script(expected, tuple(events))


def _sending_order(
    n: int, messages: list[dict[str, Any]], handoff: dict[str, Any] | None, resolution: dict[str, Any] | None
) -> list[dict[str, Any]]:
    messages = list(messages)
    if n % 4 == 1:
        messages[1], messages[2] = messages[2], messages[1]
    tail = [e for e in (handoff, resolution) if e is not None]
    if n % 4 == 2 and resolution is not None:
        events = [*messages[:-1], resolution, messages[-1], *[e for e in tail if e is not resolution]]
    else:
        events = [*messages, *tail]
    if n % 6 == 0:
        events.insert(4, messages[0])  # the first message again, after the fourth event
        again = handoff or events[-1]
        events.insert(events.index(again) + 1, again)
    return events


def scripts(run_id: str, conversations: int) -> list[Script]:
    return [script(run_id, n) for n in range(conversations)]
