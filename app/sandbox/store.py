"""The sandbox's state object (`app.state.sandbox`): rows, tokens, faults, webhooks, stats and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx

from app.sandbox.config import SandboxConfig
from app.sandbox.faults import FaultInjector
from app.sandbox.ids import SandboxIds
from app.sandbox.process import WebhookDispatcher, WebhookSettings
from app.sandbox.schema import ENTITY_SETS, EntityDef
from app.sandbox.seed import AGENTS, seed_rows
from app.sandbox.stats import RequestStats
from app.sandbox.tables import Row, Tables
from app.sandbox.tokens import TokenRegistry
from app.sandbox.values import empty_value, from_json

SEED_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def blank_row(entity: EntityDef, now: datetime, user_contact: UUID) -> Row:
    """A row with every column unset, audit columns filled and a fresh Id."""
    row = {column.name: empty_value(column.edm) for column in entity.columns}
    row.update(Id=uuid4(), CreatedOn=now, ModifiedOn=now, CreatedById=user_contact, ModifiedById=user_contact)
    return row


class SandboxStore:
    """All mutable sandbox state; one per app, nothing global. Replace `clock` to control time in tests."""

    technical_user_contact_id: UUID = SandboxIds.TECH_CONTACT
    technical_user_id: UUID = SandboxIds.TECH_USER
    agent_contact_ids: tuple[UUID, ...] = tuple(agent[0] for agent in AGENTS)

    def __init__(self, config: SandboxConfig, http_client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.tables = Tables()
        self.stats = RequestStats()
        self.tokens = TokenRegistry(self.now)
        self.faults = FaultInjector(config.faults.model_copy(), self.stats)
        settings = WebhookSettings(
            url=config.webhook_url,
            headers=dict(config.webhook_headers),
            timeout_seconds=config.webhook_timeout_seconds,
            retries=config.webhook_retries,
            retry_delay_seconds=config.webhook_retry_delay_seconds,
        )
        self.webhooks = WebhookDispatcher(settings, self.stats, self.now, http_client)
        self.reset()

    def now(self) -> datetime:
        return self.clock()

    def reset(self) -> None:
        """Back to the seed data; clears stats and recorded webhook calls (tokens and faults stay)."""
        self.tables.clear()
        for entity_set, rows in seed_rows().items():
            self.insert_rows(entity_set, rows, now=SEED_TIME, user_contact=SandboxIds.SUPERVISOR_CONTACT)
        self.stats.reset()
        self.webhooks.calls.clear()

    def insert_rows(
        self,
        entity_set: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        now: datetime | None = None,
        user_contact: UUID | None = None,
    ) -> list[UUID]:
        """Insert rows directly (no defaults, rules or checks beyond types); values may be JSON or typed."""
        entity = ENTITY_SETS[entity_set]
        when = now or self.now()
        user = user_contact or self.technical_user_contact_id
        ids: list[UUID] = []
        for values in rows:
            unknown = set(values) - set(entity.by_name)
            if unknown:
                raise ValueError(f"{entity_set} has no column(s) {sorted(unknown)}")
            row = blank_row(entity, when, user)
            row.update({name: from_json(entity.by_name[name].edm, v) for name, v in values.items()})
            self.tables.insert(entity_set, row)
            ids.append(row["Id"])
        return ids

    def rows(self, entity_set: str) -> list[Row]:
        return self.tables.rows(entity_set)

    def get(self, entity_set: str, row_id: UUID | str) -> Row | None:
        return self.tables.get(entity_set, row_id if isinstance(row_id, UUID) else UUID(row_id))

    def contact_for_user(self, user_id: UUID) -> UUID:
        """The Contact of a SysAdminUnit user (the technical user's contact if unknown)."""
        user = self.tables.get("SysAdminUnit", user_id)
        return user["ContactId"] if user else self.technical_user_contact_id

    async def aclose(self) -> None:
        await self.webhooks.aclose()
