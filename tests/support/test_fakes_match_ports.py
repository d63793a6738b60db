"""The in-memory fakes have every method of the port they stand in for, with the port's signature."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from app.ports import chat_platforms, external, jobs, stores
from app.ports.chat_platforms import ChatConnectorSource, ChatPlatform
from app.ports.external import (
    AutofillPort,
    CaseReaderPort,
    CaseReaderSource,
    CaseValuesObserver,
    ChatPort,
    CrmPort,
    CurrentCrm,
)
from app.ports.jobs import JobQueuePort
from app.ports.stores import (
    AgentEditsStorePort,
    AutofillAuditPort,
    ConversationStorePort,
    DeliveryStorePort,
    ReconcileStorePort,
)
from tests.support.in_memory import (
    InMemoryAutofillAudit,
    InMemoryCaseReader,
    InMemoryCaseReaders,
    InMemoryChat,
    InMemoryChatConnectors,
    InMemoryConnection,
    InMemoryConversationStore,
    InMemoryCreatio,
    InMemoryCrm,
    InMemoryDatabase,
    InMemoryDeliveryStore,
    InMemoryJobQueue,
    InMemoryReconcileStore,
    RecordingChatPlatform,
    RecordingObserver,
    ScriptedAutofill,
)

FAKES: dict[type, type] = {
    CrmPort: InMemoryCrm,
    CaseReaderPort: InMemoryCaseReader,
    CurrentCrm: InMemoryConnection,
    CaseReaderSource: InMemoryCaseReaders,
    ChatPort: InMemoryChat,
    AutofillPort: ScriptedAutofill,
    ConversationStorePort: InMemoryConversationStore,
    DeliveryStorePort: InMemoryDeliveryStore,
    ReconcileStorePort: InMemoryReconcileStore,
    AutofillAuditPort: InMemoryAutofillAudit,
    JobQueuePort: InMemoryJobQueue,
    CaseValuesObserver: RecordingObserver,
    AgentEditsStorePort: InMemoryAutofillAudit,
    ChatPlatform: RecordingChatPlatform,
    ChatConnectorSource: InMemoryChatConnectors,
}


def test_fakes_are_assignable_to_their_ports() -> None:
    """Written for a type checker (mypy on this file reports a fake that drifts from its port)."""
    db, creatio = InMemoryDatabase(), InMemoryCreatio()
    connection = InMemoryConnection(creatio)
    crm: CrmPort = InMemoryCrm(creatio)
    reader: CaseReaderPort = InMemoryCaseReader(creatio)
    crm_source: CurrentCrm = connection
    reader_source: CaseReaderSource = InMemoryCaseReaders(connection)
    chat: ChatPort = InMemoryChat()
    autofill: AutofillPort = ScriptedAutofill()
    conversations: ConversationStorePort = InMemoryConversationStore(db)
    deliveries: DeliveryStorePort = InMemoryDeliveryStore(db)
    reconcile_store: ReconcileStorePort = InMemoryReconcileStore(db)
    audit: AutofillAuditPort = InMemoryAutofillAudit(db)
    queue: JobQueuePort = InMemoryJobQueue(db)
    observer: CaseValuesObserver = RecordingObserver()
    edits: AgentEditsStorePort = InMemoryAutofillAudit(db)
    platform: ChatPlatform = RecordingChatPlatform()
    connectors: ChatConnectorSource = InMemoryChatConnectors()
    built: list[Any] = [crm, reader, crm_source, reader_source, chat, autofill]
    built += [conversations, deliveries, reconcile_store, audit, queue, observer, edits, platform, connectors]
    assert [type(fake) for fake in built] == list(FAKES.values())


def test_every_port_has_a_fake() -> None:
    ports = {
        value
        for module in (external, stores, jobs, chat_platforms)
        for value in vars(module).values()
        if inspect.isclass(value)
        and getattr(value, "_is_protocol", False)
        and value.__module__ == module.__name__
    }
    assert ports == set(FAKES)


def _methods(port: type) -> dict[str, Any]:
    return {
        name: member for name, member in vars(port).items() if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize(("port", "fake"), FAKES.items(), ids=[port.__name__ for port in FAKES])
def test_each_fake_method_has_its_ports_signature(port: type, fake: type) -> None:
    """Names, kinds, defaults and (postponed, so textual) annotations; async where the port is async."""
    assert _methods(port), port
    for name, declared in _methods(port).items():
        implemented = getattr(fake, name, None)
        assert implemented is not None, f"{fake.__name__} has no {name}"
        assert inspect.iscoroutinefunction(implemented) == inspect.iscoroutinefunction(declared), name
        wanted, got = inspect.signature(declared), inspect.signature(implemented)
        assert [(p.name, p.kind, p.default, p.annotation) for p in got.parameters.values()] == [
            (p.name, p.kind, p.default, p.annotation) for p in wanted.parameters.values()
        ], f"{fake.__name__}.{name}"
        assert got.return_annotation == wanted.return_annotation, f"{fake.__name__}.{name}"
