"""The services web is given, one Litestar dependency each: a handler names the ones it needs as parameters
(`connection: ConnectionService`, `admin_queries: AdminQueries`, ...) and gets them injected.

app/asgi.py builds `WebServices` from the bootstrap runtime when the app starts; web never sees the runtime.
Code Litestar does not inject into (guards, request hooks, exception handlers, the raw ASGI event intake)
reads the same object with `services_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from litestar.datastructures import State
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncEngine

from app.chat_platforms.service import ChatPlatformService
from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries, DeliveryAdmin
from app.db.engine import SessionFactory
from app.db.health import HealthQueries
from app.db.stores.autofill_audit import AutofillAuditStore
from app.db.stores.chat_connectors import ChatConnectorStore
from app.db.stores.intake import EventIntake
from app.db.stores.jobs import JobQueue
from app.db.stores.webhook_token import WebhookTokenStore
from app.observability.metrics import Metrics
from app.pipeline.autofill.fill import AutofillSetup
from app.ports.chat_platforms import ChatPlatformRegistry
from app.settings import Settings
from app.web.auth_throttle import AdminTokenThrottle
from app.web.crm_to_chat_status import Reconciliation, WebhookCallRecorder
from app.web.dev_chat_inbox import DevChatInbox
from app.web.sandbox_link import SandboxControl
from app.web.session import SessionSigner

WakeWorkers = Callable[[float], None]
"""Tells this process's job runner that work was queued, due in that many seconds (0: now)."""


@dataclass(frozen=True)
class WebServices:
    settings: Settings
    metrics: Metrics
    engine: AsyncEngine  # readiness: can the database be reached
    sessions: SessionFactory
    connection: ConnectionService  # the Creatio connection: Test & Save, pick lists, its state
    intake: EventIntake  # stores accepted chat events and their sync jobs
    jobs: JobQueue
    wake_workers: WakeWorkers
    admin_queries: AdminQueries
    delivery_admin: DeliveryAdmin
    health_queries: HealthQueries
    autofill_audit: AutofillAuditStore
    autofill: AutofillSetup | None
    webhook_tokens: WebhookTokenStore | None  # None: the Creatio-to-chat direction is not set up
    chat_configured: bool  # a chat platform URL to deliver agent replies to
    reconciliation: Reconciliation
    sandbox: SandboxControl | None  # the Creatio sandbox's control API (development only)
    dev_chat_inbox: DevChatInbox
    admin_token: str = field(repr=False)
    chat_signing_secrets: tuple[str, ...] = field(repr=False)  # inbound events: current, then previous
    chat_outbound_secret: str | None = field(repr=False)  # what deliveries are signed with
    console_signer: SessionSigner = field(repr=False)
    chat_platforms: ChatPlatformRegistry = field(default_factory=ChatPlatformRegistry)  # Chatwoot, ...
    chat_connectors: ChatConnectorStore | None = None  # the saved chat connectors
    chat_platform_service: ChatPlatformService | None = None  # chat connectors' Test & Save
    admin_token_throttle: AdminTokenThrottle = field(default_factory=AdminTokenThrottle)
    webhook_recorder: WebhookCallRecorder = field(default_factory=WebhookCallRecorder)


def services_of(state: State) -> WebServices:
    services: WebServices = state.services
    return services


def dependencies() -> dict[str, Provide]:
    """The app's dependencies: one provider per service, named as the `WebServices` field."""
    return {f.name: Provide(_provider(f.name), sync_to_thread=False) for f in fields(WebServices)}


def _provider(name: str) -> Callable[[State], Any]:
    def provide(state: State) -> Any:
        return getattr(services_of(state), name)

    provide.__name__ = f"provide_{name}"
    return provide


def client_address(scope_client: tuple[str, int] | None) -> str:
    """The caller's address: the connection's, or the X-Forwarded-For one when the connection comes from a
    proxy in CASEBRIDGE_TRUSTED_PROXIES (app/web/server.py; no proxy is trusted by default)."""
    return scope_client[0] if scope_client else "unknown"
