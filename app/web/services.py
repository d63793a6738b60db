"""The per-app service container that handlers reach through the app state."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bootstrap.runtime import Runtime
from app.crm_connection.service import ConnectionService
from app.db.engine import SessionFactory
from app.observability.metrics import Metrics
from app.settings import Settings
from app.web.auth_throttle import AdminTokenThrottle


@dataclass
class Services:
    runtime: Runtime
    metrics: Metrics
    admin_token_throttle: AdminTokenThrottle = field(default_factory=AdminTokenThrottle)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.runtime.engine

    @property
    def sessions(self) -> SessionFactory:
        return self.runtime.sessions

    @property
    def connection(self) -> ConnectionService:
        return self.runtime.connection

    @property
    def admin_token(self) -> str:
        return self.runtime.secrets["admin_token"]

    @property
    def chat_signing_secrets(self) -> tuple[str, ...]:
        previous = self.settings.chat_signing_secret_previous
        current = self.runtime.secrets["chat_signing_secret"]
        return (current, previous.get_secret_value()) if previous else (current,)

    def wake_workers(self, after: float = 0.0) -> None:
        self.runtime.runner.wake(after)


def client_address(scope_client: tuple[str, int] | None) -> str:
    """The caller's address as the server sees it (behind a trusted proxy, from its forwarded header)."""
    return scope_client[0] if scope_client else "unknown"


def services_from_state(state: State) -> Services:
    services: Services = state.services
    return services
