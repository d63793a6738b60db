"""A NUL (`%00`) in a URL names nothing: no stored value holds one (events refuse it, text read from Creatio
has it removed) and PostgreSQL cannot even compare text with one, so a path or query parameter carrying it
would fail deep in a query. Refused before any handler: 404 for the path, 400 for the query string."""

from __future__ import annotations

import json

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Receive, Scope, Send

QUERY_DETAIL = "The query string holds a NUL character (%00), which no stored value has: remove it."


def _answer(status: int, detail: str) -> ASGIResponse:
    body = json.dumps({"status_code": status, "detail": detail}).encode()
    return ASGIResponse(body=body, status_code=status, media_type="application/json")


class RefuseNulMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if "\x00" in scope["path"]:
            await _answer(404, "Not Found")(scope, receive, send)
        elif b"%00" in scope.get("query_string", b""):
            await _answer(400, QUERY_DETAIL)(scope, receive, send)
        else:
            await next_app(scope, receive, send)
