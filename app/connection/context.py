"""What every connection check receives, and the shared way to report an unexpected Creatio error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.adapters.creatio import CreatioClient, CreatioError
from app.connection.model import ConnectionSettings
from app.connection.report import ConnectionCheck


@dataclass(frozen=True)
class CheckContext:
    client: CreatioClient
    settings: ConnectionSettings


CheckFn = Callable[[CheckContext], Awaitable[ConnectionCheck]]


def unexpected_failure(name: str, exc: CreatioError) -> ConnectionCheck:
    return ConnectionCheck(
        name=name,
        status="failed",
        message=exc.message,
        hint="Try again; if it persists, check that Creatio is up and reachable from this server.",
    )
