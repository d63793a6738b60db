"""What the API answers, and what the log keeps, when a request fails in a way no handler expected.

Litestar answers such a failure with a bare 500 and, with `logging_config=None`, logs nothing: the
operator would see the status in the request log and no reason. Here the traceback is logged (never the
body: it may hold customer data) and the answer stays the generic one.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

logger = logging.getLogger(__name__)


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.error("request failed", exc_info=exc, extra={"method": request.method, "path": request.url.path})
    return Response(
        {"status_code": 500, "detail": "Internal Server Error"}, status_code=HTTP_500_INTERNAL_SERVER_ERROR
    )


def too_deeply_nested(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    """msgspec refuses JSON nested deeper than Python's recursion limit with a RecursionError while it
    decodes a request body: the client's mistake. Any other RecursionError is a bug of ours."""
    if "deserializing" not in str(exc):
        return server_error(request, exc)
    detail = "The JSON body is nested too deeply to read: send the documented shape."
    return Response({"status_code": 400, "detail": detail}, status_code=400)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTP_500_INTERNAL_SERVER_ERROR: server_error,
    RecursionError: too_deeply_nested,
}
