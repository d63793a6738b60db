"""Access-token cache: early refresh, single-flight fetching, and a secret-free state for /ready."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from app.adapters.creatio.connection import CreatioConnection
from app.adapters.creatio.errors import CreatioAuthError, CreatioError
from app.adapters.creatio.identity import request_token

logger = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class TokenState:
    """What /ready may show about authentication. Never contains the token or the secret."""

    token_endpoint: str
    has_token: bool
    expires_at: datetime | None
    expires_in_seconds: float | None
    token_requests: int
    last_error: str | None
    last_error_reason: str | None


class TokenCache:
    """Holds one access token per connection and fetches a new one at most once at a time."""

    def __init__(
        self,
        connection: CreatioConnection,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connection = connection
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._flight: asyncio.Task[str] | None = None
        self._requests = 0
        self._last_error: CreatioAuthError | None = None

    def __repr__(self) -> str:
        return f"TokenCache(token_endpoint={self._connection.token_endpoint!r}, requests={self._requests})"

    async def get(self) -> str:
        """A token that stays valid for at least the refresh margin; fetched only when needed."""
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        return await self._join_flight()

    async def refresh(self, stale: str | None = None) -> str:
        """Force a new token, unless the cached one already differs from `stale` (someone refreshed)."""
        token = self._token
        if stale is not None and token is not None and token != stale and self._clock() < self._refresh_at:
            return token
        return await self._join_flight()

    @property
    def state(self) -> TokenState:
        """A snapshot for health checks."""
        now = self._clock()
        valid = self._token is not None and now < self._expires_at
        remaining = self._expires_at - now if self._token is not None else None
        error = self._last_error
        return TokenState(
            token_endpoint=self._connection.token_endpoint,
            has_token=valid,
            expires_at=datetime.now(UTC) + timedelta(seconds=remaining) if remaining is not None else None,
            expires_in_seconds=remaining,
            token_requests=self._requests,
            last_error=error.message if error else None,
            last_error_reason=error.reason if error else None,
        )

    async def _join_flight(self) -> str:
        """Start a fetch unless one is running; every caller waits for the same outcome."""
        if self._flight is None:
            self._flight = asyncio.create_task(self._fetch(), name="creatio-token-fetch")
            self._flight.add_done_callback(_consume_result)
        return await asyncio.shield(self._flight)

    async def _fetch(self) -> str:
        self._requests += 1
        started = self._clock()
        endpoint = self._connection.token_endpoint
        try:
            grant = await request_token(self._http, self._connection)
        except CreatioAuthError as exc:
            self._last_error = exc
            logger.warning("Creatio token request to %s failed (%s): %s", endpoint, exc.reason, exc.message)
            raise
        finally:
            self._flight = None
        margin = min(REFRESH_MARGIN_SECONDS, grant.expires_in / 2)
        self._token = grant.access_token
        self._expires_at = started + grant.expires_in
        self._refresh_at = self._expires_at - margin
        self._last_error = None
        logger.info("Creatio access token obtained from %s (valid %.0f s)", endpoint, grant.expires_in)
        return grant.access_token


def _consume_result(task: asyncio.Task[str]) -> None:
    """Mark a failed fetch as retrieved, so a fetch nobody waits for anymore does not warn."""
    if not task.cancelled() and isinstance(task.exception(), CreatioError):
        logger.debug("Creatio token fetch finished with an error")
