"""The chat platform's conversation events (design §3.1), validated field by field."""

from __future__ import annotations

from typing import Annotated, Literal

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
