"""What Casebridge reads back from the CRM and tells the chat platform: case state, replies, notices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

NoticeKind = Literal["agent.replied", "conversation.resolved", "conversation.reopened"]


@dataclass(frozen=True)
class CaseStatusInfo:
    id: UUID
    name: str
    is_resolved: bool
    is_final: bool


@dataclass(frozen=True)
class CaseState:
    id: UUID
    number: str | None
    status: CaseStatusInfo | None
    modified_on: datetime | None
    # The auto-filled columns (column -> value as Creatio gives it), read in the same request.
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseValues:
    """What a case's auto-filled columns held when read (column -> value as Creatio gives it)."""

    case_id: UUID
    fields: Mapping[str, Any]
    modified_on: datetime | None  # the case's ModifiedOn: when an agent's change was saved, at the latest
    done: bool  # the case is resolved or closed: what it still holds, its agents kept


@dataclass(frozen=True)
class CrmActivity:
    """An activity on a case that may be an agent's reply."""

    id: UUID
    created_on: datetime
    created_by: UUID | None  # the Contact whose user created it
    author_id: UUID | None  # the agent's Contact: the sender, else the creator
    incoming: bool  # an incoming e-mail (from the customer): never a reply
    text: str


@dataclass(frozen=True)
class ActivityChange:
    """One row of the reconciliation's activity scan."""

    id: UUID
    case_id: UUID | None
    modified_on: datetime
    created_by: UUID | None


@dataclass(frozen=True)
class CaseChange:
    """One row of the reconciliation's case scan."""

    id: UUID
    status_id: UUID | None
    modified_on: datetime
    # The auto-filled columns (column -> value as Creatio gives it), read in the same request.
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChatNotice:
    """What one delivery tells the chat platform (design §3.2)."""

    kind: NoticeKind
    conversation_id: str  # the chat platform's conversation id
    occurred_at: datetime
    case_id: UUID
    case_number: str | None
    activity_id: UUID | None = None
    text: str | None = None
    author_name: str | None = None
    status_id: UUID | None = None
    status_name: str | None = None
    connector_id: str | None = None  # the chat connector of the conversation; None: Casebridge's own contract


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one POST to the chat platform went."""

    delivered: bool
    retryable: bool
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    platform_message_id: str | None = None  # the platform's id of the message posted (its echo is dropped)
