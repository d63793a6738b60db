"""Notes when Creatio's webhook last called this process (for the health page), by route and status."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.db.tables import utcnow
from app.web.console.context import webhook_sightings

WEBHOOK_PREFIX = "/webhooks/creatio"


class WebhookSightingsMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not scope.get("path", "").startswith(WEBHOOK_PREFIX) or scope.get("method") != "POST":
            await next_app(scope, receive, send)
            return
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_wrapper)
        finally:
            seen = webhook_sightings(scope["litestar_app"].state)
            if 200 <= status < 300:
                seen.last_accepted_at = utcnow()
            else:
                seen.last_refused_at, seen.last_refused_status = utcnow(), status
