"""Liveness, readiness and Prometheus metrics endpoints."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine

from app.crm_connection.service import ConnectionService
from app.db.engine import ping
from app.db.health import HealthQueries
from app.db.tables import utcnow
from app.observability.metrics import Metrics

logger = logging.getLogger(__name__)


class HealthController(Controller):
    tags = ["health"]

    @get("/health", media_type=MediaType.JSON, summary="Liveness: the process is up.")
    async def health(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        media_type=MediaType.JSON,
        summary="Readiness: database reachable, Creatio connection state.",
    )
    async def ready(
        self, engine: NamedDependency[AsyncEngine], connection: NamedDependency[ConnectionService]
    ) -> Response[dict[str, Any]]:
        database = "ok"
        try:
            await ping(engine)
        except Exception as exc:  # any driver error means "not ready"
            logger.warning("database not reachable", extra={"error": type(exc).__name__})
            database = "unreachable"
        conn = connection.state()
        token = conn.token
        creatio: dict[str, Any] = {
            "configured": conn.configured,
            "verified_at": conn.verified_at.isoformat() if conn.verified_at else None,
            "token": None
            if token is None
            else {
                "has_token": token.has_token,
                "expires_in_seconds": token.expires_in_seconds,
                "token_requests": token.token_requests,
                "last_error": token.last_error,
            },
        }
        ready = database == "ok"
        body = {"status": "ready" if ready else "not ready", "database": database, "creatio": creatio}
        return Response(body, status_code=200 if ready else 503)

    @get("/metrics", media_type="text/plain; version=0.0.4", summary="Prometheus metrics.")
    async def metrics(
        self,
        metrics: NamedDependency[Metrics],
        connection: NamedDependency[ConnectionService],
        health_queries: NamedDependency[HealthQueries],
    ) -> bytes:
        conn = connection.state()
        metrics.creatio_connected.set(1 if conn.configured else 0)
        if conn.token is not None:
            metrics.creatio_token_requests.set(conn.token.token_requests)
        await _read_queue_gauges(metrics, health_queries)
        return metrics.render()


async def _read_queue_gauges(metrics: Metrics, queries: HealthQueries) -> None:
    """Job and delivery counts, read at each scrape; a database failure shows as casebridge_database_up 0."""
    now = utcnow()
    try:
        jobs = await queries.job_counts()
        oldest = await queries.oldest_due_job(now)
        deliveries = await queries.unfinished_deliveries()
    except Exception as exc:  # any driver error: the scrape still answers
        logger.warning("metrics: database not readable", extra={"error": type(exc).__name__})
        metrics.database_up.set(0)
        return
    metrics.database_up.set(1)
    metrics.jobs.clear()
    for count in jobs:
        metrics.jobs.labels(count.kind, count.state).set(count.count)
    metrics.oldest_due_job_age.set((now - oldest).total_seconds() if oldest else 0)
    metrics.deliveries.clear()
    for delivery_state in ("queued", "retrying", "failed"):
        metrics.deliveries.labels(delivery_state).set(deliveries.get(delivery_state, 0))
