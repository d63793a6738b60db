"""Guard for the admin API: `Authorization: Bearer <admin token>`, compared in constant time."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from app.web.services import services_from_state


def require_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    expected = services_from_state(connection.app.state).admin_token
    scheme, _sep, presented = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        raise NotAuthorizedException(
            detail="Admin API: send 'Authorization: Bearer <admin token>' (printed at start, or "
            "CASEBRIDGE_ADMIN_TOKEN)."
        )
