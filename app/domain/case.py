"""What Casebridge writes to the CRM: case drafts, changes, activities and the customer's identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

ActivityKind = Literal["customer", "ai", "agent", "handoff", "note"]


@dataclass(frozen=True)
class CustomerIdentity:
    name: str | None
    email: str | None
    phone: str | None

    @property
    def is_known(self) -> bool:
        return bool(self.email or self.phone)


@dataclass(frozen=True)
class ActivityDraft:
    id: UUID
    case_id: UUID
    kind: ActivityKind
    title: str
    body: str
    at: datetime
    contact_id: UUID | None = None


@dataclass(frozen=True)
class CaseDraft:
    id: UUID
    subject: str
    symptoms: str
    contact_id: UUID | None
    owner_id: UUID | None
    group_id: UUID | None
    fields: Mapping[str, Any] = field(default_factory=dict)  # extra columns, e.g. AI-filled PriorityId
    status_id: UUID | None = None  # only when the conversation is already resolved at creation


@dataclass(frozen=True)
class CaseChanges:
    owner_id: UUID | None = None
    group_id: UUID | None = None
    status_id: UUID | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    subject: str | None = None
    symptoms: str | None = None

    def is_empty(self) -> bool:
        written = (self.owner_id, self.group_id, self.status_id, self.fields)
        return not any(written) and self.subject is None and self.symptoms is None


@dataclass(frozen=True)
class CaseRef:
    id: UUID
    number: str | None
