"""The console's health page and its data: queue depth, jobs waiting for their next try, dead letters,
the latest Creatio failure on any path, token state, webhook seen, reconciliation (the admin API serves
the same data as JSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Template
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crm_connection.service import ConnectionService
from app.db.admin import AdminQueries
from app.db.engine import ping
from app.db.health import HealthQueries, LastError, WaitingJob
from app.db.stores.chat_connectors import ChatConnectorStore
from app.db.stores.webhook_token import WebhookSightings, WebhookTokenStore
from app.ports.jobs import JobKind
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


class WaitingJobView(BaseModel):
    id: int
    kind: str
    attempts: int
    max_attempts: int
    run_after: datetime  # its next try
    due_in_seconds: float  # 0 when due now (it runs as soon as a worker is free)
    last_error: str | None


class CreatioFailureView(BaseModel):
    """The latest failure talking to Creatio, whichever path met it."""

    path: str
    error: str
    at: datetime | None
    job_id: int | None = None
    job_state: str | None = None  # the job's state now: `done` when it succeeded since


CREATIO_JOB_PATHS = {JobKind.SYNC_CONVERSATION: "Chat to Creatio", JobKind.CRM_TO_CHAT: "Creatio to chat"}
WAITING_SHOWN = 20


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
    waiting_jobs: list[WaitingJobView]
    creatio_failure: CreatioFailureView | None
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
    waiting, now = await health_queries.waiting_jobs(WAITING_SHOWN), datetime.now(UTC)
    token, reconcile = _token(connection), await reconciliation.view()
    creatio_job = await health_queries.last_job_error(CREATIO_JOB_PATHS)
    return HealthView(
        database=await _database(engine),
        queue=QueueView(**totals, by_kind=by_kind),
        dead_letters=[DeadJobView.model_validate(job, from_attributes=True) for job in dead],
        failed_deliveries=await health_queries.failed_deliveries(),
        last_job_error=vars(last) if last else None,
        waiting_jobs=[_waiting(job, now) for job in waiting],
        creatio_failure=_latest_creatio_failure(creatio_job, reconcile, token),
        creatio=token,
        webhook=WebhookSeenView.model_validate(seen, from_attributes=True),
        chat_configured=chat_configured,
        chat_connectors=[f"{c.platform} {c.id}" for c in await chat_connectors.all()]
        if chat_connectors
        else [],
        reconcile=reconcile,
    )


def _waiting(job: WaitingJob, now: datetime) -> WaitingJobView:
    due_in = max(0.0, (_aware(job.run_after) - now).total_seconds())
    return WaitingJobView(**vars(job), due_in_seconds=due_in)


def _latest_creatio_failure(
    job: LastError | None, reconcile: ReconcileView, token: TokenView
) -> CreatioFailureView | None:
    """The later of the latest Creatio job error and the reconciliation's; else the token's (a token
    failure that no job has met yet)."""
    found = []
    if job is not None:
        path = CREATIO_JOB_PATHS[JobKind(job.kind)]
        found.append(
            CreatioFailureView(path=path, error=job.error, at=job.at, job_id=job.job_id, job_state=job.state)
        )
    if reconcile.last_error and reconcile.last_run_at:
        found.append(
            CreatioFailureView(
                path="The reconciliation", error=reconcile.last_error, at=reconcile.last_run_at
            )
        )
    if found:
        return max(found, key=lambda failure: _aware(failure.at))
    if token.last_error:
        return CreatioFailureView(path="Token request", error=token.last_error, at=None)
    return None


def _aware(at: datetime | None) -> datetime:
    """SQLite hands back naive UTC timestamps, PostgreSQL aware ones: compare them alike."""
    if at is None:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


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
