"""Counts, times and logs each HTTP request by its route template: tokens in paths never reach logs."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.metrics import Metrics

logger = logging.getLogger("casebridge.http")
SLOW_SECONDS = 1.0


def _level(status: int, elapsed: float) -> int:
    """Failures and slow requests at INFO (server errors at WARNING); the routine rest at DEBUG. At
    thousands of events a second a line each is noise and a measurable share of intake's CPU
    (docs/performance.md, 'Intake'); /metrics counts and times every request by route and status."""
    if status >= 500:
        return logging.WARNING
    if status >= 400 or elapsed >= SLOW_SECONDS:
        return logging.INFO
    return logging.DEBUG


class RequestLogMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._counters: dict[tuple[str, str, str], Any] = {}  # labelled children, looked up once each
        self._latencies: dict[str, Any] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = str(scope.get("path_template") or "unmatched")
            method = str(scope.get("method", ""))
            self._count(method, route, str(status)).inc()
            self._latency(route).observe(elapsed)
            level = _level(status, elapsed)
            if logger.isEnabledFor(level):
                extra = {"method": method, "route": route, "status": status, "ms": round(elapsed * 1000, 1)}
                logger.log(level, "request", extra=extra)

    def _count(self, method: str, route: str, status: str) -> Any:
        key = (method, route, status)
        if key not in self._counters:
            self._counters[key] = self._metrics.http_requests.labels(method, route, status)
        return self._counters[key]

    def _latency(self, route: str) -> Any:
        if route not in self._latencies:
            self._latencies[route] = self._metrics.http_latency.labels(route)
        return self._latencies[route]
