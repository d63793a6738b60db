"""The chat platform's conversation events (design §3.1), validated field by field, and what each one does
to the conversation it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from app.domain.text_rules import IN_UTC, NO_NUL

Text = Annotated[str, Field(min_length=1, max_length=100_000), NO_NUL]
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
ShortText = Annotated[str, Field(max_length=500), NO_NUL]
Timestamp = Annotated[AwareDatetime, IN_UTC]


def internal_message_id(kind: str, key: str) -> str:
    """The id of a message Casebridge stores itself (the handoff summary, the auto-fill note). The space
    keeps it apart from every chat message id, which is printable ASCII without spaces (`Identifier`):
    with `handoff:<id>`, a chat message of that id silently took the handoff's place."""
    return f"{kind} {key}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class Customer(_Strict):
    name: ShortText | None = None
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), NO_NUL] | None = None
    phone: Annotated[str, Field(max_length=64, pattern=r"^\+?[0-9 ()./-]{3,}$")] | None = None


class ConversationInfo(_Strict):
    id: Identifier
    channel: ShortText | None = None
    url: AnyHttpUrl | None = None
    customer: Customer = Customer()


class MessageInfo(_Strict):
    id: Identifier
    author: Literal["customer", "ai"]
    text: Text
    sent_at: Timestamp


class HandoffInfo(_Strict):
    summary: Text
    reason: ShortText | None = None
    language: ShortText | None = None
    sentiment: ShortText | None = None


class ResolutionInfo(_Strict):
    by: ShortText
    note: Annotated[str, Field(max_length=10_000), NO_NUL] | None = None


class _EventBase(_Strict):
    id: Identifier
    occurred_at: Timestamp
    conversation: ConversationInfo


class MessageCreated(_EventBase):
    type: Literal["message.created"]
    message: MessageInfo


class HandoffRequested(_EventBase):
    type: Literal["handoff.requested"]
    handoff: HandoffInfo


class ConversationResolved(_EventBase):
    type: Literal["conversation.resolved"]
    resolution: ResolutionInfo


class ConversationReopened(_EventBase):
    type: Literal["conversation.reopened"]


ChatEvent = MessageCreated | HandoffRequested | ConversationResolved | ConversationReopened
TaggedChatEvent = Annotated[ChatEvent, Field(discriminator="type")]
CHAT_EVENT: TypeAdapter[ChatEvent] = TypeAdapter(TaggedChatEvent)


class AgentMessageInfo(_Strict):
    id: Identifier
    author: Literal["agent"] = "agent"
    text: Text
    sent_at: Timestamp


class AgentMessageCreated(_EventBase):
    """A human agent wrote in the chat platform itself (only chat connectors report it; Casebridge's own
    contract has no such event). Written on the case like the other messages, never sent back."""

    type: Literal["agent.message.created"]
    message: AgentMessageInfo


# Every event the intake stores: the contract's, and those only chat connectors produce.
ConversationEvent = ChatEvent | AgentMessageCreated


@dataclass(frozen=True)
class StoredText:
    """A message an event adds to its conversation."""

    external_id: str
    author: str
    text: str
    sent_at: datetime


@dataclass(frozen=True)
class EventEffect:
    message: StoredText | None = None
    changes: dict[str, Any] = field(default_factory=dict)  # conversation columns to set


def effect_of(event: ConversationEvent, status: str, status_changed_at: datetime | None) -> EventEffect:
    """What `event` does to a conversation now in `status` (since `status_changed_at`). Events may arrive
    out of order: the latest event time decides the status, and an older one leaves it as it is."""

    def status_change(new: str, at: datetime) -> dict[str, Any]:
        if status_changed_at is not None and at < status_changed_at:
            return {}
        return {"status": new, "status_changed_at": at}

    if isinstance(event, MessageCreated):
        m = event.message
        reopens = m.author == "customer" and status == "resolved"
        return EventEffect(
            StoredText(m.id, m.author, m.text, m.sent_at), status_change("open", m.sent_at) if reopens else {}
        )
    if isinstance(event, AgentMessageCreated):
        agent = event.message
        return EventEffect(StoredText(agent.id, agent.author, agent.text, agent.sent_at))
    if isinstance(event, HandoffRequested):
        summary, at = event.handoff.summary, event.occurred_at
        changes = {"handoff_summary": summary, "handoff_reason": event.handoff.reason, "handoff_at": at}
        message = StoredText(internal_message_id("handoff", event.id), "handoff", summary, at)
        return EventEffect(message, changes | status_change("handed_off", at))
    if isinstance(event, ConversationResolved):
        return EventEffect(changes=status_change("resolved", event.occurred_at))
    return EventEffect(changes=status_change("open", event.occurred_at))
