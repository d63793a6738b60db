"""The connector seam: what a chat platform connector is.

A connector joins Casebridge to one chat platform account. Its **inbound** part verifies the platform's
webhooks and translates them into Casebridge's conversation events (app/domain/events.py), which the same
intake, store and jobs as `POST /api/v1/events` take from there. Its **outbound** part delivers agent
replies and status changes (`ChatNotice`) through the platform's API, for the same delivery rows, retries
and states as Casebridge's own signed deliveries. Casebridge's own contract is the connector without an id
(`connector_id` None on a conversation): its inbound is `POST /api/v1/events`, its outbound the signed POST
to `CASEBRIDGE_CHAT_WEBHOOK_URL`. A new platform is one package under app/adapters/ implementing
`ChatPlatform`, registered in app/bootstrap/chat_platforms.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

from app.domain.crm_updates import ChatNotice, DeliveryOutcome
from app.domain.events import ConversationEvent

CheckState = Literal["passed", "warning", "failed", "skipped"]


@dataclass(frozen=True)
class ConnectorConfig:
    """One saved connector: its id (the last segment of its webhook URL), settings and secrets."""

    id: str
    platform: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str] = field(repr=False)
    secret_rotated_at: datetime | None = None
    verified_at: datetime | None = None  # when Test & Save last passed


class WebhookRefused(Exception):
    """The webhook's signature or timestamp is missing, wrong or stale (401); says which, never a secret."""


class InvalidWebhook(Exception):
    """The webhook's body is not what the platform sends (400); names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Translation:
    """What one webhook means: one conversation event, or the reason it is ignored (answered 200)."""

    event: ConversationEvent | None = None
    ignored: str | None = None
    # An outgoing message from the platform: dropped when it is one Casebridge posted (by the platform's id).
    platform_message_id: str | None = None
    # A handoff whose summary is to be made from the conversation's transcript (the event's is the fallback).
    summary_from_transcript: bool = False


@dataclass(frozen=True)
class CheckResult:
    """One check of a connector's Test & Save."""

    name: str
    state: CheckState
    message: str
    hint: str | None = None


class ChatPlatform(Protocol):
    """One chat platform: verify and translate its webhooks, deliver notices through its API, test a setup."""

    name: str  # the platform's segment of the webhook URL: /webhooks/<name>/<connector id>
    events_to_subscribe: tuple[str, ...]  # the webhook events the admin ticks in the platform

    def verify(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes, now: float) -> None:
        """Raise WebhookRefused unless the request is signed by the platform with the connector's secret."""
        ...

    def translate(self, config: ConnectorConfig, headers: Mapping[str, str], body: bytes) -> Translation:
        """The conversation event of a verified webhook; raises InvalidWebhook naming the field."""
        ...

    async def send(self, config: ConnectorConfig, delivery_id: UUID, notice: ChatNotice) -> DeliveryOutcome:
        """Deliver one notice through the platform's API; never raises for HTTP outcomes, it reports them."""
        ...

    async def test(self, config: ConnectorConfig) -> Sequence[CheckResult]:
        """Test & Save's checks of a connector (URL, credentials, account, ...), without saving anything."""
        ...


@dataclass(frozen=True)
class ChatPlatformRegistry:
    """The platforms Casebridge can connect, by name."""

    platforms: Mapping[str, ChatPlatform] = field(default_factory=dict)

    def get(self, name: str) -> ChatPlatform | None:
        return self.platforms.get(name)


class ChatConnectorSource(Protocol):
    """The saved connectors, as the outbound router needs them."""

    async def get(self, connector_id: str) -> ConnectorConfig | None: ...
