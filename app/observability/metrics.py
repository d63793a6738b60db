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

        self.database_up = Gauge(
            "casebridge_database_up",
            "1 when the counts below could be read from the database at this scrape.",
            registry=self.registry,
        )
        self.jobs = Gauge(
            "casebridge_jobs",
            "Jobs waiting (queued), running, or dead-lettered (dead), by kind.",
            ["kind", "state"],
            registry=self.registry,
        )
        self.oldest_due_job_age = Gauge(
            "casebridge_oldest_due_job_age_seconds",
            "How long the longest-waiting runnable job has been due (0 when none waits): sync lag.",
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "casebridge_deliveries",
            "Agent replies and status changes not yet delivered to the chat platform, by state.",
            ["state"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
