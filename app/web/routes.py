"""Every route of the app in one place: the API, the console pages (with the demo pages when the Creatio
sandbox is configured), static files, and the development chat inbox when it is on."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect
from litestar.router import Router
from litestar.types import ControllerRouterHandler

from app.settings import Settings
from app.web.api.chat_platform_webhooks import receive_platform_webhook
from app.web.api.chat_platforms import ChatPlatformsController
from app.web.api.creatio_webhook import CreatioWebhookAdminController, CreatioWebhookController
from app.web.api.crm_connection import ConnectionController
from app.web.api.deliveries import DeliveriesController
from app.web.api.dev_chat_inbox import DevChatInboxController
from app.web.api.events import receive_event
from app.web.api.field_mappings import FieldMappingsController
from app.web.api.health import HealthController
from app.web.api.operations import OperationsController
from app.web.console.admin_api import ConsoleAdminApiController
from app.web.console.chatwoot_page import ChatwootSettingsController
from app.web.console.context import console_error
from app.web.console.conversations_page import ConversationsController
from app.web.console.guard import add_security_headers, require_console_session
from app.web.console.health_page import HealthPageController
from app.web.console.login import LoginController
from app.web.console.mappings_page import MappingsController
from app.web.console.settings_index import settings_index
from app.web.console.settings_page import SettingsController
from app.web.console.templating import static_router
from app.web.demo import demo_handlers

API: list[ControllerRouterHandler] = [
    HealthController,
    ConnectionController,
    receive_event,
    OperationsController,
    FieldMappingsController,
    CreatioWebhookController,
    CreatioWebhookAdminController,
    DeliveriesController,
    receive_platform_webhook,
    ChatPlatformsController,
]
CONSOLE_PAGES: list[ControllerRouterHandler] = [
    LoginController,
    settings_index,
    SettingsController,
    ChatwootSettingsController,
    ConversationsController,
    HealthPageController,
    MappingsController,
]


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect("/console/")


def route_handlers(settings: Settings) -> list[ControllerRouterHandler]:
    pages = [root, *CONSOLE_PAGES, *(demo_handlers() if settings.sandbox_url else [])]
    console = Router(
        path="/",
        route_handlers=pages,
        before_request=require_console_session,
        after_request=add_security_headers,
        exception_handlers={Exception: console_error},
        include_in_schema=False,
    )
    dev = [DevChatInboxController] if settings.dev_chat_inbox else []
    return [*API, *dev, console, static_router(), ConsoleAdminApiController]
