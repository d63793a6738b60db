"""Runs every Test & Save check in order; authentication and access failures stop the rest."""

from __future__ import annotations

import httpx

from app.adapters.creatio import CreatioClient, CreatioConnection
from app.connection.context import CheckContext
from app.connection.gate_checks import check_authentication, check_odata_access, normalise_urls
from app.connection.lookup_checks import LOOKUP_CHECKS
from app.connection.model import ConnectionSettings
from app.connection.report import ConnectionTestReport


def to_creatio_connection(settings: ConnectionSettings) -> CreatioConnection:
    return CreatioConnection(
        instance_url=settings.instance_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        identity_url=settings.identity_url,
    )


async def run_connection_test(
    settings: ConnectionSettings,
    http: httpx.AsyncClient,
    *,
    allow_insecure_loopback: bool,
    max_concurrency: int = 8,
) -> tuple[ConnectionTestReport, ConnectionSettings | None]:
    """Test a candidate connection; returns the report and the normalised settings when URLs are valid."""
    normalised, checks = normalise_urls(settings, allow_insecure_loopback=allow_insecure_loopback)
    if normalised is None:
        return ConnectionTestReport.from_checks(checks, token_endpoint=None), None
    connection = to_creatio_connection(normalised)
    ctx = CheckContext(CreatioClient(connection, http, max_concurrency=max_concurrency), normalised)
    for gate in (check_authentication, check_odata_access):
        result = await gate(ctx)
        checks.append(result)
        if result.status == "failed":
            return ConnectionTestReport.from_checks(checks, connection.token_endpoint), normalised
    for lookup_check in LOOKUP_CHECKS:
        checks.append(await lookup_check(ctx))
    return ConnectionTestReport.from_checks(checks, connection.token_endpoint), normalised
