"""The console's health page and its data: queue depth, dead letters, last Creatio error, token state,
webhook seen, reconciliation (the admin API serves the same data as JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries
from app.db.engine import ping
from app.db.health import HealthQueries
from app.db.stores.chat_connectors import ChatConnectorStore
from app.db.stores.webhook_token import WebhookSightings, WebhookTokenStore
from app.web.console.context import page
from app.web.crm_to_chat_status import ReconcileView, Reconciliation


class QueueView(BaseModel):
    queued: int
    running: int
    dead: int
    by_kind: dict[str, dict[str, int]]


class DeadJobView(BaseModel):
    id: int
    kind: str
    attempts: int
    last_error: str | None
    updated_at: datetime


class TokenView(BaseModel):
    configured: bool
    verified_at: datetime | None
    has_token: bool
    expires_in_seconds: float | None
    token_requests: int
    last_error: str | None


class WebhookSeenView(BaseModel):
    last_accepted_at: datetime | None  # by any process
    last_refused_at: datetime | None
    last_refused_status: int | None


class HealthView(BaseModel):
    database: str
    queue: QueueView
    dead_letters: list[DeadJobView]
    failed_deliveries: int
    last_job_error: dict[str, Any] | None
    creatio: TokenView
    webhook: WebhookSeenView
    chat_configured: bool  # Casebridge's own contract: CASEBRIDGE_CHAT_WEBHOOK_URL
    chat_connectors: list[str]  # saved chat connectors, as "<platform> <connector id>"
    reconcile: ReconcileView


async def health_snapshot(
    engine: NamedDependency[AsyncEngine],
    connection: NamedDependency[ConnectionService],
    health_queries: NamedDependency[HealthQueries],
    admin_queries: NamedDependency[AdminQueries],
    webhook_tokens: NamedDependency[WebhookTokenStore | None],
    chat_configured: NamedDependency[bool],
    reconciliation: NamedDependency[Reconciliation],
    chat_connectors: NamedDependency[ChatConnectorStore | None],
) -> HealthView:
    counts = await health_queries.job_counts()
    by_kind: dict[str, dict[str, int]] = {}
    for count in counts:
        by_kind.setdefault(count.kind, {})[count.state] = count.count
    totals = {s: sum(c.count for c in counts if c.state == s) for s in ("queued", "running", "dead")}
    dead = await admin_queries.jobs(state="dead", limit=20, offset=0)
    last = await health_queries.last_job_error()
    seen = await webhook_tokens.sightings() if webhook_tokens is not None else WebhookSightings()
    return HealthView(
        database=await _database(engine),
        queue=QueueView(**totals, by_kind=by_kind),
        dead_letters=[DeadJobView.model_validate(job, from_attributes=True) for job in dead],
        failed_deliveries=await health_queries.failed_deliveries(),
        last_job_error=vars(last) if last else None,
        creatio=_token(connection),
        webhook=WebhookSeenView.model_validate(seen, from_attributes=True),
        chat_configured=chat_configured,
        chat_connectors=[f"{c.platform} {c.id}" for c in await chat_connectors.all()]
        if chat_connectors
        else [],
        reconcile=await reconciliation.view(),
    )


HEALTH = {"health": Provide(health_snapshot)}  # the controllers' dependency


async def _database(engine: AsyncEngine) -> str:
    try:
        await ping(engine)
    except Exception:  # any driver error means "unreachable"
        return "unreachable"
    return "ok"


def _token(connection: ConnectionService) -> TokenView:
    conn = connection.state()
    token = conn.token
    return TokenView(
        configured=conn.configured,
        verified_at=conn.verified_at,
        has_token=bool(token and token.has_token),
        expires_in_seconds=token.expires_in_seconds if token else None,
        token_requests=token.token_requests if token else 0,
        last_error=token.last_error if token else None,
    )


class HealthPageController(Controller):
    path = "/console/health"
    include_in_schema = False
    dependencies = HEALTH

    @get("/")
    async def show(self, request: Request[Any, Any, Any], health: NamedDependency[HealthView]) -> Template:
        return page(request, "health.html", h=health)
