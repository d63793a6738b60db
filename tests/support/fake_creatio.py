"""In-process fake Creatio for adapter tests: a token endpoint plus scripted OData answers."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.adapters.creatio import CreatioInstance

INSTANCE = "https://acme.creatio.com"
TOKEN_URL = "https://acme-is.creatio.com/connect/token"
ODATA = f"{INSTANCE}/0/odata"
CLIENT_ID = "casebridge-client-id"
SECRET = "Sup3r-S3cret-Client-Value"
TOKEN_PREFIX = "eyJhbGciOiJSUzI1NiJ9.fake-access-token-"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def connection(identity_url: str | None = None) -> CreatioInstance:
    """A connection as saved after Test & Save: its OData root known (.NET Framework)."""
    return CreatioInstance(INSTANCE, CLIENT_ID, SECRET, identity_url, odata_root=ODATA)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    all_headers = {"content-type": "application/json; odata.metadata=minimal"} | (headers or {})
    return httpx.Response(status, content=json.dumps(payload).encode(), headers=all_headers)


def creatio_error(
    status: int,
    *,
    internal: str | None = None,
    inner: str | None = None,
    message: str = "An error has occurred.",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Creatio's nested OData error body (creatio-api.md section 2.7)."""
    innererror: dict[str, Any] = {"message": inner or "", "type": "", "stacktrace": ""}
    if internal is not None:
        innererror["internalexception"] = {"message": internal, "type": "", "stacktrace": ""}
    return json_response(
        status, {"error": {"code": "", "message": message, "innererror": innererror}}, headers
    )


def html_page(status: int = 200) -> httpx.Response:
    body = b"<!DOCTYPE html><html><head><title>Creatio</title></head><body>Login</body></html>"
    return httpx.Response(status, content=body, headers={"content-type": "text/html; charset=utf-8"})


def no_odata(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected OData request {request.method} {request.url}")


class FakeCreatio:
    """Routes token requests to `token_handler` and everything else to `odata` (both replaceable)."""

    def __init__(self) -> None:
        self.token_requests: list[httpx.Request] = []
        self.odata_requests: list[httpx.Request] = []
        self.tokens_issued: list[str] = []
        self.expires_in: Any = 3600
        self.token_delay = 0.0
        self.token_handler: Handler = self.issue_token
        self.odata: Handler = no_odata

    def issue_token(self, request: httpx.Request) -> httpx.Response:
        token = f"{TOKEN_PREFIX}{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        payload = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer", "scope": "x"}
        return json_response(200, payload)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            self.token_requests.append(request)
            await asyncio.sleep(self.token_delay)
            handler = self.token_handler
        else:
            self.odata_requests.append(request)
            handler = self.odata
        result = handler(request)
        return await result if inspect.isawaitable(result) else result

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def bearer(self, index: int) -> str:
        """The Authorization header of the index-th OData request."""
        return self.odata_requests[index].headers["authorization"]
