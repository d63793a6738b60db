"""Guard for the admin API: `Authorization: Bearer <admin token>`, compared in constant time, with
repeated wrong tokens from one address throttled (app/web/auth_throttle.py)."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler

from app.web.services import client_address, services_of


def require_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    services = services_of(connection.app.state)
    throttle = services.admin_token_throttle
    client = client_address(connection.scope.get("client"))
    wait = throttle.wait_seconds(client)
    if wait:
        raise TooManyRequestsException(detail=throttle.refusal(wait), headers={"Retry-After": str(wait)})
    scheme, _sep, presented = connection.headers.get("authorization", "").partition(" ")
    expected = services.admin_token
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        throttle.failed(client)
        raise NotAuthorizedException(
            detail="Admin API: send 'Authorization: Bearer <admin token>' (printed at start, or "
            "CASEBRIDGE_ADMIN_TOKEN)."
        )
    throttle.succeeded(client)
