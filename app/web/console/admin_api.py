"""Admin JSON API added with the console: the health snapshot and the Creatio pick lists (bearer token)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ClientException

from app.crm_connection.service import ConnectionService
from app.web.admin_auth import require_admin
from app.web.console.health_page import HEALTH, HealthView


class ConsoleAdminApiController(Controller):
    path = "/api/v1/admin"
    guards = [require_admin]
    tags = ["admin: operations"]

    @get(
        "/health",
        dependencies=HEALTH,
        summary="Queue depth, dead letters, Creatio token state, webhook last seen, reconciliation cursor.",
    )
    async def health(self, health: NamedDependency[HealthView]) -> HealthView:
        return health

    @get(
        "/creatio/pick-lists",
        summary="Case owners (users' contacts), groups and case statuses by name, via the saved connection.",
        tags=["admin: connection"],
    )
    async def pick_lists(self, connection: NamedDependency[ConnectionService]) -> dict[str, Any]:
        result = await connection.saved_pick_lists()
        if result.lists is None:
            raise ClientException(status_code=409, detail=f"Cannot read them: {result.problem}.")
        return asdict(result.lists)
