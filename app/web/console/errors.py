"""Console error pages: HTTP errors as readable pages, anything unexpected logged and shown as a 500."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from app.web.console.context import page

logger = logging.getLogger(__name__)


def console_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, exc.detail
    else:
        logger.exception("console page failed", extra={"path": request.url.path})
        status, detail = 500, "Something went wrong on this page; the server log has the details."
    if request.headers.get("accept", "").startswith("application/json"):
        return Response({"status_code": status, "detail": detail}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, detail=detail)
