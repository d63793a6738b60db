"""OAuth 2.0 client-credentials tokens: one token request with every failure explained for an admin,
and the cache (the token endpoint found once, early refresh, single-flight fetching, a secret-free state
for /ready)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.adapters.creatio.discovery import TokenEndpoint, fallback_token_endpoint, find_token_endpoint
from app.adapters.creatio.errors import (
    CreatioAuthError,
    CreatioAuthUnavailableError,
    CreatioError,
    cap,
    is_html,
    read_json,
)
from app.adapters.creatio.instance import CreatioInstance
from app.adapters.http_answers import parse_retry_after

logger = logging.getLogger(__name__)
REFRESH_MARGIN_SECONDS = 60.0


@dataclass(frozen=True)
class TokenState:
    """What /ready may show about authentication. Never contains the token or the secret."""

    token_endpoint: str  # the one found, else where it would be without a discovery document
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
        instance: CreatioInstance,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._instance = instance
        self._http = http
        self._clock = clock
        self._endpoint: TokenEndpoint | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._flight: asyncio.Task[str] | None = None
        self._requests = 0
        self._last_error: CreatioAuthError | None = None

    def __repr__(self) -> str:
        return f"TokenCache(token_endpoint={self._endpoint_url()!r}, requests={self._requests})"

    async def endpoint(self) -> TokenEndpoint:
        """Where tokens are requested, found at the first call (cloud rule, discovery, fallback) and kept."""
        if self._endpoint is None:
            self._endpoint = await find_token_endpoint(self._http, self._instance)
        return self._endpoint

    def _endpoint_url(self) -> str:
        if self._endpoint is not None:
            return self._endpoint.url
        known = self._instance.token_endpoint or self._instance.cloud_token_endpoint
        return known or fallback_token_endpoint(self._instance)

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
            token_endpoint=self._endpoint_url(),
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
        endpoint = self._endpoint_url()
        try:
            endpoint = (await self.endpoint()).url
            grant = await request_token(self._http, self._instance, endpoint)
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


logger = logging.getLogger(__name__)
DEFAULT_EXPIRES_IN = 3600.0
_WHERE = (
    "Check the identity URL: Creatio cloud uses https://<site>-is.creatio.com; on-site installs use the "
    "Identity Service address (its discovery document names the token endpoint), or leave it empty for "
    "<instance>/0/connect/token."
)
_GRANT_CODES = frozenset({"unsupported_grant_type", "unauthorized_client"})


@dataclass(frozen=True)
class TokenGrant:
    """A freshly issued access token; the token itself is kept out of `repr`."""

    access_token: str = field(repr=False)
    expires_in: float


async def request_token(http: httpx.AsyncClient, instance: CreatioInstance, endpoint: str) -> TokenGrant:
    """POST the client-credentials grant to `endpoint`; raise CreatioAuthError on failure."""
    form = {
        "grant_type": "client_credentials",
        "client_id": instance.client_id,
        "client_secret": instance.client_secret,
    }
    try:
        response = await http.post(
            endpoint, data=form, headers={"Accept": "application/json"}, follow_redirects=False
        )
    except httpx.TransportError as exc:
        raise _unreachable(exc, endpoint) from exc
    return interpret_token_response(response, endpoint)


def interpret_token_response(response: httpx.Response, endpoint: str) -> TokenGrant:
    """A TokenGrant from a 200 JSON answer; otherwise the matching CreatioAuthError."""
    status = response.status_code
    said = f"POST {endpoint} answered {status}"
    if 300 <= status < 400:
        target = (response.headers.get("location") or "another address").split("?", 1)[0][:200]
        raise _wrong_url(f"{said} (a redirect to {target}), not a token.", status)
    if status in (404, 405):
        raise _wrong_url(f"{said}: there is no token endpoint at this address.", status)
    if status == 429 or status >= 500:
        raise CreatioAuthUnavailableError(
            f"{said}: the Creatio identity service is temporarily unavailable. Casebridge will retry.",
            reason="unavailable",
            status=status,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    payload = read_json(response)
    if not isinstance(payload, dict) and status == 401 and not is_html(response):
        payload = {}
    if not isinstance(payload, dict):
        page = (
            "an HTML page (probably the Creatio login page)"
            if is_html(response)
            else "something that is not JSON"
        )
        raise _wrong_url(f"{said} with {page} instead of a token.", status)
    if status == 200:
        return _grant_from(payload, said, status)
    raise _error_from(payload, said, status)


def _grant_from(payload: dict[str, Any], said: str, status: int) -> TokenGrant:
    token = payload.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise CreatioAuthError(
            f"{said} without an access_token. {_WHERE}", reason="invalid_response", status=status
        )
    token_type = payload.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise CreatioAuthError(
            f"{said} with an unsupported token type; Casebridge needs a Bearer token.",
            reason="invalid_response",
            status=status,
        )
    return TokenGrant(access_token=token.strip(), expires_in=_expires_in(payload.get("expires_in")))


def _expires_in(value: Any) -> float:
    """Seconds until expiry; Creatio's default (3600) when missing or unreadable."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        logger.warning("Creatio token answer has no usable expires_in; assuming %.0f s", DEFAULT_EXPIRES_IN)
        return DEFAULT_EXPIRES_IN
    return seconds if seconds > 0 else DEFAULT_EXPIRES_IN


def _error_from(payload: dict[str, Any], said: str, status: int) -> CreatioAuthError:
    code = payload.get("error") if isinstance(payload.get("error"), str) else None
    if code == "invalid_client" or (code is None and status == 401):
        return CreatioAuthError(
            f"{said} invalid_client: wrong client id or secret. Copy both again from System Designer > "
            "OAuth 2.0 integrated applications, and check that the app is Active.",
            reason="invalid_client",
            status=status,
        )
    if code in _GRANT_CODES:
        return CreatioAuthError(
            f"{said} {code}: the OAuth app in Creatio must use the Client Credentials grant type. "
            "Create it as 'Server-to-server (client credentials)' under OAuth 2.0 integrated applications.",
            reason="unsupported_grant_type",
            status=status,
        )
    description = payload.get("error_description")
    detail = f" ({cap(description, 200)})" if isinstance(description, str) and description else ""
    return CreatioAuthError(
        f"{said} with error '{cap(code or 'unknown', 60)}'{detail}. Check the OAuth app settings in Creatio "
        "and the identity URL.",
        reason="invalid_response",
        status=status,
    )


def _wrong_url(text: str, status: int) -> CreatioAuthError:
    return CreatioAuthError(f"{text} {_WHERE}", reason="wrong_identity_url", status=status)


def _unreachable(exc: httpx.TransportError, endpoint: str) -> CreatioAuthUnavailableError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    return CreatioAuthUnavailableError(
        f"Could not reach the Creatio identity service at {endpoint} ({kind}). Check the identity URL and "
        "that this server can reach that host (DNS, firewall, proxy).",
        reason="unreachable",
    )
