"""Demo pages for the Creatio sandbox (`casebridge dev`): a chat widget and a sandbox agent console."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Template
from litestar.router import Router
from litestar.types import ControllerRouterHandler

from app.web.console.context import page
from app.web.demo.agent_page import DemoAgentController
from app.web.demo.chat_events import DemoEventRefused
from app.web.demo.chat_page import DemoChatController
from app.web.sandbox_link import SandboxUnavailable


def _demo_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The sandbox or the intake refused: say so on a page instead of a bare 500."""
    message = f"The demo could not do that: {exc}."
    if request.headers.get("accept", "").startswith("application/json"):
        return Response({"status_code": 502, "detail": message}, status_code=502)
    template: Template = page(request, "demo_problem.html", status_code=502, message=message)
    return template


def demo_handlers() -> list[ControllerRouterHandler]:
    """The demo pages (app/web/routes.py serves them behind the console login when the sandbox is set)."""
    return [
        Router(
            path="/",
            route_handlers=[DemoChatController, DemoAgentController],
            exception_handlers={SandboxUnavailable: _demo_problem, DemoEventRefused: _demo_problem},
        )
    ]
