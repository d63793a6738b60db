"""create_app: the one place that wires settings, storage, adapters and HTTP handlers together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from app.bootstrap.runtime import Adapters, Runtime, build_runtime, start_runner
from app.chat_platforms.service import ChatPlatformService
from app.db.admin import AdminQueries, DeliveryAdmin
from app.db.health import HealthQueries
from app.db.stores.autofill_audit import AutofillAuditStore
from app.db.stores.jobs import JobQueue
from app.observability.metrics import Metrics
from app.ports.chat_platforms import ChatPlatformRegistry
from app.settings import Settings
from app.web.api.creatio_webhook import base_url
from app.web.api.events import document_events_route
from app.web.console.templating import template_config
from app.web.crm_to_chat_status import Reconciliation
from app.web.dev_chat_inbox import DevChatInbox
from app.web.errors import EXCEPTION_HANDLERS
from app.web.nul_refusal import RefuseNulMiddleware
from app.web.request_log import RequestLogMiddleware
from app.web.routes import route_handlers
from app.web.sandbox_link import SandboxControl
from app.web.services import WebServices, dependencies
from app.web.session import SessionSigner

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
            app.state.runtime = runtime  # for `casebridge dev` and tests; handlers get `services`
            app.state.services = web_services(runtime, metrics)
            yield

    app = Litestar(
        route_handlers=route_handlers(settings),
        dependencies=dependencies(),
        lifespan=[lifespan],
        middleware=[RequestLogMiddleware(metrics), RefuseNulMiddleware()],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=template_config(),
        openapi_config=OpenAPIConfig(title="Casebridge", version="0.1.0", path="/schema"),
        logging_config=None,
        request_max_body_size=1_048_576,
        debug=False,
    )
    document_events_route(app)
    return app


def web_services(runtime: Runtime, metrics: Metrics) -> WebServices:
    """What web is given of the runtime: narrow services, each typed below the composition root."""
    settings, sessions, crm_to_chat = runtime.settings, runtime.sessions, runtime.crm_to_chat
    admin_token = runtime.secrets["admin_token"]
    previous = settings.chat_signing_secret_previous
    signing = (runtime.secrets["chat_signing_secret"], *([previous.get_secret_value()] if previous else []))
    sandbox = None
    if settings.sandbox_url and runtime.creatio_http is not None:  # the demo: `casebridge dev`
        sandbox = SandboxControl(runtime.creatio_http, settings.sandbox_url)
    return WebServices(
        settings=settings,
        metrics=metrics,
        engine=runtime.engine,
        sessions=sessions,
        connection=runtime.connection,
        intake=runtime.intake,
        jobs=JobQueue(runtime.transactions),
        wake_workers=runtime.runner.wake,
        admin_queries=AdminQueries(sessions),
        delivery_admin=DeliveryAdmin(sessions),
        health_queries=HealthQueries(sessions),
        autofill_audit=AutofillAuditStore(sessions),
        autofill=runtime.autofill,
        webhook_tokens=crm_to_chat.tokens if crm_to_chat else None,
        chat_configured=bool(crm_to_chat and crm_to_chat.chat_configured),
        reconciliation=Reconciliation(
            crm_to_chat.reconcile_store if crm_to_chat else None,
            running=crm_to_chat.reconciling if crm_to_chat else _off,
            interval_seconds=settings.reconcile_seconds,
        ),
        sandbox=sandbox,
        dev_chat_inbox=DevChatInbox(),
        admin_token=admin_token,
        chat_signing_secrets=signing,
        chat_outbound_secret=crm_to_chat.outbound_secret if crm_to_chat else None,
        console_signer=SessionSigner(admin_token),
        chat_platforms=ChatPlatformRegistry(
            runtime.chat_platforms.platforms if runtime.chat_platforms else {}
        ),
        chat_connectors=runtime.chat_platforms.connectors if runtime.chat_platforms else None,
        chat_platform_service=_chat_platform_service(runtime),
    )


async def _off() -> bool:
    return False


def _chat_platform_service(runtime: Runtime) -> ChatPlatformService | None:
    chat = runtime.chat_platforms
    if chat is None:
        return None
    return ChatPlatformService(
        chat.connectors, ChatPlatformRegistry(chat.platforms), base_url(runtime.settings)
    )
