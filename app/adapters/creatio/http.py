"""The shared httpx client factory (spreading requests over several one-connection pools), the OData
headers and JSON encoding of request bodies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from app.adapters.creatio.odata import format_utc
from app.adapters.creatio.payloads import odata_number

USER_AGENT = "Casebridge-Creatio-Adapter/0.1"
JSON_CONTENT_TYPE = "application/json; charset=utf-8; IEEE754Compatible=true"
ACCEPT_JSON = "application/json"
_QUERY_SAFE = "$'(),/:@!*"


def build_http_client(*, timeout_seconds: float = 15.0, max_connections: int = 20) -> httpx.AsyncClient:
    """One AsyncClient to share across Creatio clients: bounded timeouts and pool, no redirects."""
    if timeout_seconds <= 0 or max_connections < 1:
        raise ValueError("timeout_seconds must be > 0 and max_connections >= 1")
    timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0), pool=timeout_seconds)
    return httpx.AsyncClient(
        timeout=timeout,
        transport=SpreadTransport(max_connections, keepalive_expiry=30.0),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def odata_headers(token: str, *, has_body: bool) -> dict[str, str]:
    """Headers for one OData request: Accept, Bearer auth and, with a body, the JSON content type."""
    headers = {"Accept": ACCEPT_JSON, "Authorization": f"Bearer {token}"}
    if has_body:
        headers["Content-Type"] = JSON_CONTENT_TYPE
    return headers


def query_string(params: Mapping[str, str]) -> str:
    """`$a=x&$b=y` with %20 for spaces and OData punctuation ($ ' / , : ( )) kept readable."""
    return "&".join(
        f"{quote(key, safe='$')}={quote(value, safe=_QUERY_SAFE)}" for key, value in params.items()
    )


def encode_json(body: Mapping[str, Any] | Any) -> bytes:
    """UTF-8 JSON; UUIDs as strings, aware datetimes as UTC 'Z' strings, Decimals as fixed-point strings."""
    return json.dumps(
        body, default=_json_default, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


def _json_default(value: object) -> str:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("Datetime values sent to Creatio must be timezone-aware (use UTC)")
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return odata_number(value)
    raise TypeError(f"Cannot send a {type(value).__name__} value to Creatio as JSON")


class SpreadTransport(httpx.AsyncBaseTransport):
    def __init__(self, pools: int, *, keepalive_expiry: float = 30.0) -> None:
        if pools < 1:
            raise ValueError("pools must be >= 1")
        limits = httpx.Limits(
            max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive_expiry
        )
        tls = httpx.create_ssl_context()  # one for all: each context loads the whole CA bundle again
        self._pools = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(pools)]
        self._in_flight = [0] * pools

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._in_flight[index] -= 1

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        # The connection stays busy until the body is read and closed, not when the headers arrive.
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()
