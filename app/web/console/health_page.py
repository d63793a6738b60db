"""Health: queue depth, dead letters, last Creatio error, token state, webhook seen, reconciliation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from app.web.console.context import page
from app.web.console.health_view import HEALTH, HealthView


class HealthPageController(Controller):
    path = "/console/health"
    include_in_schema = False
    dependencies = HEALTH

    @get("/")
    async def show(self, request: Request[Any, Any, Any], health: NamedDependency[HealthView]) -> Template:
        return page(request, "health.html", h=health)
