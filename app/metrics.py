"""Prometheus metrics in a registry owned by one app instance (no process-wide globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "casebridge_http_requests_total",
            "HTTP requests served, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "casebridge_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.creatio_connected = Gauge(
            "casebridge_creatio_connection_configured",
            "1 when a Creatio connection is saved.",
            registry=self.registry,
        )
        self.creatio_token_requests = Gauge(
            "casebridge_creatio_token_requests",
            "OAuth token requests made by the live Creatio client since it was built.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
