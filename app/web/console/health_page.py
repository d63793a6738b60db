"""Health: queue depth, dead letters, last Creatio error, token state, webhook seen, reconciliation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from app.web.console.context import page
from app.web.console.health_view import health_snapshot
from app.web.services import services_from_state


class HealthPageController(Controller):
    path = "/console/health"
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        services = services_from_state(request.app.state)
        return page(request, "health.html", h=await health_snapshot(services))
