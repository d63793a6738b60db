"""What HTTP answers the errors of the layers below get, in one place: handlers let them rise.

Errors a request can cause are answered with their status and a message that says what to do. Console
pages that show such an error next to the form that caused it catch it themselves (presentation, not
mapping). A failure no handler expected is a bare 500: Litestar would log nothing (`logging_config=None`),
so the traceback is logged here (never the body: it may hold customer data).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import NotFoundException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.crm_connection.service import ConnectionInputError
from app.db.crypto import SecretDecryptionError
from app.db.stores.webhook_token import WebhookTokenUnreadable
from app.domain.signature import SignatureError
from app.extraction.transcript_input import TranscriptInputError
from app.web.console.context import not_found

logger = logging.getLogger(__name__)
AnyRequest = Request[Any, Any, Any]


def _answer(status: int, detail: str) -> Response[dict[str, Any]]:
    return Response({"status_code": status, "detail": detail}, status_code=status)


def unusable_input(
    _: AnyRequest, exc: ConnectionInputError | TranscriptInputError
) -> Response[dict[str, Any]]:
    """400: the message names the field to fix."""
    return _answer(400, str(exc))


def bad_signature(_: AnyRequest, exc: SignatureError) -> Response[dict[str, Any]]:
    """401: missing, malformed, stale or wrong; the message says which (never the secret)."""
    return _answer(401, str(exc))


def unreadable_secret(_: AnyRequest, exc: SecretDecryptionError) -> Response[dict[str, Any]]:
    """409: the value is stored, but this secret key cannot decrypt it."""
    if isinstance(exc, WebhookTokenUnreadable):
        return _answer(409, f"{exc}. Or rotate the webhook token (POST .../rotate).")
    return _answer(409, f"{exc}.")


def server_error(request: AnyRequest, exc: Exception) -> Response[dict[str, Any]]:
    logger.error("request failed", exc_info=exc, extra={"method": request.method, "path": request.url.path})
    return Response(
        {"status_code": 500, "detail": "Internal Server Error"}, status_code=HTTP_500_INTERNAL_SERVER_ERROR
    )


def too_deeply_nested(request: AnyRequest, exc: RecursionError) -> Response[dict[str, Any]]:
    """msgspec refuses JSON nested deeper than Python's recursion limit with a RecursionError while it
    decodes a request body: the client's mistake. Any other RecursionError is a bug of ours."""
    if "deserializing" not in str(exc):
        return server_error(request, exc)
    detail = "The JSON body is nested too deeply to read: send the documented shape."
    return Response({"status_code": 400, "detail": detail}, status_code=400)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ConnectionInputError: unusable_input,
    TranscriptInputError: unusable_input,
    SignatureError: bad_signature,
    SecretDecryptionError: unreadable_secret,
    HTTP_500_INTERNAL_SERVER_ERROR: server_error,
    RecursionError: too_deeply_nested,
    NotFoundException: not_found,  # console URLs get the console's page
}
