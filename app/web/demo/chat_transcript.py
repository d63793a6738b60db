"""What the demo customer sees: their messages, the AI's, and what was delivered back from Creatio."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.db.admin import AdminQueries, DeliveryAdmin
from app.db.tables import ConversationRow

CHAT_AUTHORS = ("customer", "ai", "handoff")
SYSTEM_TEXT = {
    "handoff": "You asked for a human. An agent will reply here.",
    "conversation.resolved": "The support team marked this conversation as resolved.",
    "conversation.reopened": "The support team reopened this conversation.",
}


@dataclass(frozen=True)
class Bubble:
    kind: str  # customer | ai | agent | system
    who: str
    text: str
    at: datetime


@dataclass(frozen=True)
class ChatView:
    conversation: ConversationRow
    bubbles: list[Bubble]

    def to_json(self) -> dict[str, Any]:
        c = self.conversation
        return {
            "status": c.status,
            "case_number": c.case_number if c.case_created_at else None,
            "case_url": f"/demo/agent/cases/{c.case_id}" if c.case_created_at else None,
            "bubbles": [asdict(b) | {"at": b.at.isoformat()} for b in self.bubbles],
        }


async def chat_view(queries: AdminQueries, deliveries: DeliveryAdmin, row: ConversationRow) -> ChatView:
    """Only deliveries the chat platform accepted are shown: that is what a real widget would get."""
    detail = await queries.conversation(row.id)
    messages = detail.messages if detail else []
    customer = row.customer_name or "You"
    bubbles = [
        Bubble("system", "Casebridge demo", SYSTEM_TEXT["handoff"], m.sent_at)
        if m.author == "handoff"
        else Bubble(m.author, customer if m.author == "customer" else "AI assistant", m.text, m.sent_at)
        for m in messages
        if m.author in CHAT_AUTHORS  # not e.g. the auto-fill "note": that is only on the case
    ]
    for at, by in await queries.chat_resolutions(row.id):  # e.g. the widget's End chat
        text = "You ended the chat." if by == "customer" else f"The chat was closed ({by})."
        bubbles.append(Bubble("system", "Casebridge demo", text, at))
    for d in await deliveries.for_conversation(row.id):
        if d.state != "delivered":
            continue
        if d.kind == "agent.replied":
            bubbles.append(Bubble("agent", d.author_name or "Support agent", d.text or "", d.occurred_at))
        else:
            bubbles.append(Bubble("system", "Support team", SYSTEM_TEXT.get(d.kind, d.kind), d.occurred_at))
    bubbles.sort(key=lambda b: b.at)
    return ChatView(detail.summary.conversation if detail else row, bubbles)
