"""`create_sandbox_app`: wires the store, identity, OData and control endpoints into one Litestar app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from app.sandbox.config import SandboxConfig
from app.sandbox.control import ControlController
from app.sandbox.control_cases import CasesController
from app.sandbox.identity import discovery_endpoint, revocation_endpoint, token_endpoint
from app.sandbox.odata_routes import odata_handler
from app.sandbox.store import SandboxStore


def create_sandbox_app(
    config: SandboxConfig | None = None, *, http_client: httpx.AsyncClient | None = None
) -> Litestar:
    """A new sandbox app with its own store (`app.state.sandbox`); `http_client` sends webhook callbacks."""
    store = SandboxStore(config or SandboxConfig(), http_client)

    def provide_store() -> SandboxStore:
        return store

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await store.aclose()

    return Litestar(
        route_handlers=[
            token_endpoint,
            revocation_endpoint,
            discovery_endpoint,
            odata_handler(),
            ControlController,
            CasesController,
        ],
        dependencies={"sandbox": Provide(provide_store, sync_to_thread=False)},
        state=State({"sandbox": store}),
        lifespan=[lifespan],
        logging_config=None,
        openapi_config=None,
    )
