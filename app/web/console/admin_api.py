"""Admin JSON API added with the console: the health snapshot and the Creatio pick lists (bearer token)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ClientException

from app.web.admin_auth import require_admin
from app.web.console.health_view import HealthView, health_snapshot
from app.web.services import services_from_state


class ConsoleAdminApiController(Controller):
    path = "/api/v1/admin"
    guards = [require_admin]
    tags = ["admin: operations"]

    @get(
        "/health",
        summary="Queue depth, dead letters, Creatio token state, webhook last seen, reconciliation cursor.",
    )
    async def health(self, state: State) -> HealthView:
        return await health_snapshot(services_from_state(state))

    @get(
        "/creatio/pick-lists",
        summary="Case owners (users' contacts), groups and case statuses by name, via the saved connection.",
        tags=["admin: connection"],
    )
    async def pick_lists(self, state: State) -> dict[str, Any]:
        result = await services_from_state(state).connection.saved_pick_lists()
        if result.lists is None:
            raise ClientException(status_code=409, detail=f"Cannot read them: {result.problem}.")
        return asdict(result.lists)
