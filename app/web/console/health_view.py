"""The health snapshot shared by the console page and `GET /api/v1/admin/health`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.db.admin import AdminQueries
from app.db.engine import ping
from app.db.health import HealthQueries
from app.db.stores.webhook_token import WebhookSightings
from app.web.reconcile_view import ReconcileView, read_reconcile_view
from app.web.services import Services


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
    chat_configured: bool
    reconcile: ReconcileView


async def health_snapshot(services: Services) -> HealthView:
    queries = HealthQueries(services.sessions)
    counts = await queries.job_counts()
    by_kind: dict[str, dict[str, int]] = {}
    for count in counts:
        by_kind.setdefault(count.kind, {})[count.state] = count.count
    totals = {s: sum(c.count for c in counts if c.state == s) for s in ("queued", "running", "dead")}
    dead = await AdminQueries(services.sessions).jobs(state="dead", limit=20, offset=0)
    last = await queries.last_job_error()
    crm_to_chat = services.runtime.crm_to_chat
    seen = await crm_to_chat.tokens.sightings() if crm_to_chat is not None else WebhookSightings()
    return HealthView(
        database=await _database(services),
        queue=QueueView(**totals, by_kind=by_kind),
        dead_letters=[DeadJobView.model_validate(job, from_attributes=True) for job in dead],
        failed_deliveries=await queries.failed_deliveries(),
        last_job_error=vars(last) if last else None,
        creatio=_token(services),
        webhook=WebhookSeenView.model_validate(seen, from_attributes=True),
        chat_configured=bool(services.runtime.crm_to_chat and services.runtime.crm_to_chat.chat_configured),
        reconcile=await _reconcile(services),
    )


async def _database(services: Services) -> str:
    try:
        await ping(services.engine)
    except Exception:  # any driver error means "unreachable"
        return "unreachable"
    return "ok"


def _token(services: Services) -> TokenView:
    conn = services.connection.state()
    token = conn.token
    return TokenView(
        configured=conn.configured,
        verified_at=conn.verified_at,
        has_token=bool(token and token.has_token),
        expires_in_seconds=token.expires_in_seconds if token else None,
        token_requests=token.token_requests if token else 0,
        last_error=token.last_error if token else None,
    )


async def _reconcile(services: Services) -> ReconcileView:
    return await read_reconcile_view(services.runtime.crm_to_chat, services.settings)
