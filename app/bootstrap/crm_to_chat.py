"""Builds the Creatio-to-chat direction: webhook token, reader, delivery, job handlers, reconciliation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import httpx

from app.adapters.chat.delivery import ChatDeliveryClient
from app.adapters.creatio.case_reader import CaseReaders, CurrentCreatio
from app.bootstrap.chat_platforms import ChatPlatforms
from app.bootstrap.secrets import resolve_secret
from app.db.crypto import SecretBox
from app.db.engine import SessionFactory
from app.db.stores.autofill_audit import AutofillAuditStore
from app.db.stores.deliveries import DeliveryStore
from app.db.stores.reconcile import ReconcileStore
from app.db.stores.webhook_token import WebhookTokenStore
from app.db.tables import utcnow
from app.pipeline.autofill.agent_edits import AgentEdits
from app.pipeline.crm_to_chat.check import CrmToChat, ReplyRules
from app.pipeline.crm_to_chat.delivery import ChatDeliveries
from app.pipeline.crm_to_chat.reconcile import INITIAL_LOOKBACK, ReconcileConfig, Reconciler
from app.pipeline.crm_to_chat.routing import ChatRouter
from app.pipeline.jobs import JobHandler, new_worker_id
from app.ports.jobs import JobKind
from app.settings import Settings


@dataclass
class CrmToChatSetup:
    tokens: WebhookTokenStore
    deliveries: DeliveryStore
    reconcile_store: ReconcileStore
    check: CrmToChat
    deliver: ChatDeliveries
    reconciler: Reconciler | None
    chat_configured: bool
    outbound_secret: str | None = field(default=None, repr=False)

    @property
    def handlers(self) -> dict[str, JobHandler]:
        return {JobKind.CRM_TO_CHAT: self.check.handle, JobKind.CHAT_DELIVERY: self.deliver.handle}

    async def reconciling(self) -> bool:
        """Whether the reconciliation runs now: on, and somewhere to deliver to."""
        return self.reconciler is not None and await self.reconciler.active()

    def start_reconcile(self, stack: AsyncExitStack, wake: Callable[[], None]) -> None:
        """Run the reconciliation loop in this process until the stack closes (if it is on)."""
        reconciler = self.reconciler
        if reconciler is None:
            return
        reconciler.wake = wake
        stop = asyncio.Event()
        task = asyncio.create_task(reconciler.run(stop), name="casebridge-reconcile")

        async def shutdown() -> None:
            stop.set()
            await task

        stack.push_async_callback(shutdown)


def outbound_secret(settings: Settings) -> str | None:
    """The delivery signing secret: required with a chat URL in production, generated in development."""
    configured = settings.chat_outbound_secret
    if configured is None and settings.chat_webhook_url is None and not settings.is_development:
        return None
    return resolve_secret(
        configured.get_secret_value() if configured else None,
        env_name="CASEBRIDGE_CHAT_OUTBOUND_SECRET",
        data_dir=settings.data_dir,
        file_name="chat-outbound-secret",
        development=settings.is_development,
    )


async def build_crm_to_chat(
    settings: Settings,
    sessions: SessionFactory,
    connection: CurrentCreatio,
    box: SecretBox,
    chat_http: httpx.AsyncClient | None,
    stack: AsyncExitStack,
    chat_platforms: ChatPlatforms,
    field_columns: Sequence[str] = (),
) -> CrmToChatSetup:
    """`field_columns`: the auto-filled Case columns, read with every case to learn agents' edits."""
    tokens = WebhookTokenStore(sessions, box)
    await tokens.ensure()
    secret = outbound_secret(settings)
    chat = _chat_client(settings, secret, chat_http, stack)
    router = ChatRouter(chat, chat_platforms.connectors, chat_platforms.platforms)
    readers = CaseReaders(connection, settings.lookup_cache_seconds, field_columns)
    observer = AgentEdits(AutofillAuditStore(sessions)) if field_columns else None
    rules = ReplyRules(settings.reply_activity_type_names, settings.creatio_integration_contact_id)
    deliveries, reconcile_store = DeliveryStore(sessions), ReconcileStore(sessions)
    reconciler = None
    if settings.reconcile_seconds > 0:
        config = ReconcileConfig(
            interval_seconds=settings.reconcile_seconds,
            lease_seconds=settings.job_timeout_seconds,  # a run holds it to the end: no heartbeat
            type_names=rules.type_names,
            integration_contact_id=rules.integration_contact_id,
        )
        # Off while there is nowhere to deliver to; a chat connector saved later (in any process) turns
        # it on within CASEBRIDGE_CONNECTION_REFRESH_SECONDS (app/db/stores/chat_connectors.py).
        active = None if chat is not None else chat_platforms.connectors.any_saved
        reconciler = Reconciler(
            reconcile_store, readers, config, owner=new_worker_id(), observer=observer, active=active
        )
    since = None
    if chat is not None:  # the same margin as the reconciliation's first look back
        since = await deliveries.chat_enabled_since(utcnow()) - INITIAL_LOOKBACK
    return CrmToChatSetup(
        tokens=tokens,
        deliveries=deliveries,
        reconcile_store=reconcile_store,
        check=CrmToChat(
            deliveries, readers, rules, enabled=chat is not None, replies_since=since, observer=observer
        ),
        deliver=ChatDeliveries(deliveries, router),
        reconciler=reconciler,
        chat_configured=chat is not None,
        outbound_secret=secret,
    )


def _chat_client(
    settings: Settings, secret: str | None, http: httpx.AsyncClient | None, stack: AsyncExitStack
) -> ChatDeliveryClient | None:
    if not settings.chat_webhook_url or not secret:
        return None
    if http is None:
        http = httpx.AsyncClient(follow_redirects=False)
        stack.push_async_callback(http.aclose)
    timeout = settings.chat_delivery_timeout_seconds
    return ChatDeliveryClient(http, settings.chat_webhook_url, secret, timeout_seconds=timeout)
