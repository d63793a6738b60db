"""The admin console: server-rendered pages behind an admin login (see `console_handlers`)."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect
from litestar.router import Router
from litestar.types import ControllerRouterHandler

from app.settings import Settings
from app.web.console.admin_api import ConsoleAdminApiController
from app.web.console.conversations_page import ConversationsController
from app.web.console.errors import console_error
from app.web.console.guard import add_security_headers, require_console_session
from app.web.console.health_page import HealthPageController
from app.web.console.login import LoginController
from app.web.console.mappings_page import MappingsController
from app.web.console.settings_page import SettingsController
from app.web.console.templating import static_router, template_config

__all__ = ["console_handlers", "template_config"]


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect("/console/")


def console_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    """Console pages (and the demo pages when the sandbox is configured), static files, `/`."""
    pages: list[ControllerRouterHandler] = [
        root,
        LoginController,
        SettingsController,
        ConversationsController,
        HealthPageController,
        MappingsController,
    ]
    if settings.sandbox_url:
        from app.web.demo import demo_handlers

        pages.extend(demo_handlers())
    console = Router(
        path="/",
        route_handlers=pages,
        before_request=require_console_session,
        after_request=add_security_headers,
        exception_handlers={Exception: console_error},
        include_in_schema=False,
    )
    return [console, static_router(), ConsoleAdminApiController]
