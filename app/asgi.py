"""create_app: the one place that wires settings, storage, adapters and HTTP handlers together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from app.bootstrap.runtime import Adapters, build_runtime, start_runner
from app.observability.metrics import Metrics
from app.settings import Settings
from app.web.api.creatio_webhook import CreatioWebhookAdminController, CreatioWebhookController
from app.web.api.crm_connection import ConnectionController
from app.web.api.deliveries import DeliveriesController
from app.web.api.dev_chat_inbox import DevChatInboxController
from app.web.api.events import document_events_route, receive_event
from app.web.api.field_mappings import FieldMappingsController
from app.web.api.health import HealthController
from app.web.api.operations import OperationsController
from app.web.console import console_handlers, template_config
from app.web.errors import EXCEPTION_HANDLERS
from app.web.request_log import RequestLogMiddleware
from app.web.services import Services

__all__ = ["Adapters", "create_app"]


def create_app(settings: Settings | None = None, adapters: Adapters | None = None) -> Litestar:
    settings = settings or Settings()
    adapters = adapters or Adapters()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            runtime = await build_runtime(settings, adapters, stack)
            if settings.workers > 0:
                start_runner(runtime, stack)
            app.state.services = Services(runtime=runtime, metrics=metrics)
            yield

    app = Litestar(
        route_handlers=[
            HealthController,
            ConnectionController,
            receive_event,
            OperationsController,
            FieldMappingsController,
            CreatioWebhookController,
            CreatioWebhookAdminController,
            DeliveriesController,
            *([DevChatInboxController] if settings.dev_chat_inbox else []),
            *console_handlers(settings),
        ],
        lifespan=[lifespan],
        middleware=[RequestLogMiddleware(metrics)],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=template_config(),
        openapi_config=OpenAPIConfig(title="Casebridge", version="0.1.0", path="/schema"),
        logging_config=None,
        request_max_body_size=1_048_576,
        debug=False,
    )
    document_events_route(app)
    return app
