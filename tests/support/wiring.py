"""The in-memory fakes wired the way app/bootstrap wires the real adapters and stores (runtime.py for the
chat-to-CRM sync and the job runner, crm_to_chat.py for the check, the deliveries and the reconciliation)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.pipeline.chat_to_crm.sync import ConversationSync
from app.pipeline.crm_to_chat.check import CrmToChat, ReplyRules
from app.pipeline.crm_to_chat.delivery import ChatDeliveries
from app.pipeline.crm_to_chat.reconcile import ReconcileConfig, Reconciler
from app.pipeline.jobs import JobHandler, JobRunner, RetryPolicy, RunnerConfig
from app.ports.external import SyncSettings
from app.ports.jobs import JobKind
from tests.support.in_memory import (
    FIRST_LINE,
    STATUS_RESOLVED,
    InMemoryCaseReaders,
    InMemoryChat,
    InMemoryConnection,
    InMemoryConversationStore,
    InMemoryCreatio,
    InMemoryDatabase,
    InMemoryDeliveryStore,
    InMemoryJobQueue,
    InMemoryReconcileStore,
    ScriptedAutofill,
)

# As the e2e tests' connection (tests/support/casebridge.py: connected_settings).
DEFAULT_SETTINGS = SyncSettings(default_group_id=FIRST_LINE, resolved_status_id=STATUS_RESOLVED)


@dataclass
class InMemoryApp:
    db: InMemoryDatabase
    creatio: InMemoryCreatio
    chat: InMemoryChat
    connection: InMemoryConnection
    autofill: ScriptedAutofill
    queue: InMemoryJobQueue
    sync: ConversationSync
    check: CrmToChat
    deliver: ChatDeliveries
    reconciler: Reconciler
    runner: JobRunner

    def receive(self, *events: Mapping[str, Any]) -> None:
        """Chat events accepted by the intake, in order (each enqueues its conversation's sync)."""
        for event in events:
            assert self.db.receive(event) == "accepted", event["id"]

    async def drain(self) -> None:
        """Run every job that is due, and those they enqueue, to the end (as casebridge.drain)."""
        await self.runner.run_until_idle(max_seconds=5)

    async def drain_later(self, seconds: float = 600) -> None:
        """Let `seconds` pass (retries fall due), then drain."""
        self.db.let_time_pass(seconds)
        await self.drain()


def build_app(
    settings: SyncSettings = DEFAULT_SETTINGS,
    *,
    rules: ReplyRules | None = None,
    chat_enabled: bool = True,
    replies_since: datetime | None = None,
    autofill: ScriptedAutofill | None = None,
) -> InMemoryApp:
    """`chat_enabled=False` is an installation without CASEBRIDGE_CHAT_WEBHOOK_URL."""
    db, creatio, chat = InMemoryDatabase(), InMemoryCreatio(), InMemoryChat()
    connection = InMemoryConnection(creatio, settings)
    readers = InMemoryCaseReaders(connection)
    autofill = autofill or ScriptedAutofill()
    sync = ConversationSync(InMemoryConversationStore(db), connection, autofill)

    rules = rules or ReplyRules(("Email",), creatio.integration_contact_id)
    deliveries = InMemoryDeliveryStore(db)
    check = CrmToChat(deliveries, readers, rules, enabled=chat_enabled, replies_since=replies_since)
    deliver = ChatDeliveries(deliveries, chat if chat_enabled else None)
    config = ReconcileConfig(
        interval_seconds=60, type_names=rules.type_names, integration_contact_id=rules.integration_contact_id
    )
    reconciler = Reconciler(InMemoryReconcileStore(db), readers, config, owner="reconciler-1")

    handlers: dict[str, JobHandler] = {
        JobKind.SYNC_CONVERSATION: sync.handle,
        JobKind.CRM_TO_CHAT: check.handle,
        JobKind.CHAT_DELIVERY: deliver.handle,
    }
    queue = InMemoryJobQueue(db)
    # The production retry policy (first retry after 0.5-1 s), seeded: tests let time pass to retry.
    policy = RetryPolicy(rng=random.Random(7))
    runner = JobRunner(queue, handlers, RunnerConfig(policy=policy), worker_id="worker-1")
    reconciler.wake = runner.wake
    return InMemoryApp(
        db, creatio, chat, connection, autofill, queue, sync, check, deliver, reconciler, runner
    )
