"""Typed Creatio adapter exceptions, each carrying a human message that is safe to show, and the
classification of OData answers and transport failures into them."""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx

from app.adapters.http_answers import TRANSIENT_4XX, parse_retry_after

AuthReason = Literal[
    "invalid_client",
    "unsupported_grant_type",
    "wrong_identity_url",
    "unreachable",
    "unavailable",
    "unauthorized",
    "invalid_response",
]
MAX_MESSAGE_CHARS = 600


def cap(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Collapse whitespace and cut `text` to `limit` characters (with an ellipsis)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class CreatioError(Exception):
    """Base class. `message` is written for an admin: what happened and what to check."""

    def __init__(self, message: str) -> None:
        self.message = cap(message, 2 * MAX_MESSAGE_CHARS)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidCreatioUrl(CreatioError, ValueError):
    """An instance or identity URL that cannot be used; the message says how to fix it."""


class CreatioAuthError(CreatioError):
    """Getting or using an access token failed; `reason` says which kind of problem it is."""

    def __init__(self, message: str, *, reason: AuthReason, status: int | None = None) -> None:
        super().__init__(message)
        self.reason: AuthReason = reason
        self.status = status


class CreatioRetryableError(CreatioError):
    """A transient failure (429, 5xx, timeout, network). Retry later, after `retry_after` s if set.

    `ambiguous` is True when the request may have reached Creatio (so a create may have happened).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        creatio_message: str | None = None,
        ambiguous: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.creatio_message = creatio_message
        self.ambiguous = ambiguous


class CreatioAuthUnavailableError(CreatioAuthError, CreatioRetryableError):
    """The identity service could not be reached or is down: an auth error that is worth retrying."""

    def __init__(
        self,
        message: str,
        *,
        reason: AuthReason,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        CreatioError.__init__(self, message)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.creatio_message = None
        self.ambiguous = False


class CreatioPermanentError(CreatioError):
    """Creatio refused the request (400/403/404/409/...); retrying the same request will not help."""

    def __init__(self, message: str, *, status: int, creatio_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.creatio_message = creatio_message


class CreatioReferenceError(CreatioPermanentError):
    """A 500 whose message is the database's foreign-key violation: a lookup value in the write points at a
    record that does not exist (or a delete hit a record others point at). Retrying cannot fix it."""


class CreatioAmbiguousNameError(CreatioError):
    """More than one lookup record has the requested Name, so no single Id can be chosen."""


RETRYABLE_STATUSES = TRANSIENT_4XX | {500, 502, 503, 504}
_DUPLICATE_MARKERS = ("duplicate key", "violation of primary key", "unique constraint")
# The database's own words, which Creatio passes on in its 500 (sources: app/sandbox/README.md).
_FOREIGN_KEY_MARKERS = (
    "conflicted with the foreign key constraint",  # SQL Server, INSERT or UPDATE (error 547)
    "conflicted with the reference constraint",  # SQL Server, DELETE (error 547)
    "violates foreign key constraint",  # PostgreSQL, SQLSTATE 23503
    "ora-02291",  # Oracle, parent key not found (assumed: older on-site installations)
    "ora-02292",  # Oracle, child record found
)
_RETRY_KIND = {408: "request timeout", 425: "too early", 429: "too many requests", 503: "service unavailable"}
_HINTS = {
    400: "Creatio could not process the request; check the field names and values sent.",
    403: "The integration's technical user lacks permission; grant it access to this object in Creatio.",
    404: "The record or entity set does not exist in Creatio.",
    405: "Creatio does not allow this operation on this address.",
    409: "The record was changed or conflicts with another record.",
    413: "The request is too large for Creatio.",
}


def read_json(response: httpx.Response) -> Any:
    """The parsed JSON body, or None when the body is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def creatio_message(payload: Any) -> str | None:
    """Creatio's most specific error text: internalexception, then innererror, then error.message."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if not isinstance(error, dict):
        return None
    inner = error.get("innererror")
    inner = inner if isinstance(inner, dict) else {}
    internal = inner.get("internalexception")
    internal = internal if isinstance(internal, dict) else {}
    for candidate in (internal.get("message"), inner.get("message"), error.get("message")):
        if isinstance(candidate, str) and candidate.strip():
            return cap(candidate)
    return None


def is_duplicate_key(payload: Any) -> bool:
    """True when an error body says the insert hit an existing primary key (or other unique key)."""
    text = json.dumps(payload).lower() if payload is not None else ""
    return any(marker in text for marker in _DUPLICATE_MARKERS)


def is_foreign_key_violation(payload: Any) -> bool:
    """True when an error body carries a database foreign-key violation."""
    text = json.dumps(payload).lower() if payload is not None else ""
    return any(marker in text for marker in _FOREIGN_KEY_MARKERS)


def is_html(response: httpx.Response) -> bool:
    """True when the answer is an HTML page (e.g. a login page) instead of JSON."""
    content_type = response.headers.get("content-type", "").lower()
    return "html" in content_type or response.content.lstrip()[:1] == b"<"


def error_for_status(status: int, headers: httpx.Headers, payload: Any, what: str) -> CreatioError:
    """The exception for a non-2xx OData status; `what` names the request, e.g. 'PATCH Case(...)'."""
    detail = creatio_message(payload)
    suffix = f" Creatio says: {detail}" if detail else ""
    if status == 401:
        return unauthorized_error(what)
    if status == 500 and is_foreign_key_violation(payload):
        return CreatioReferenceError(
            f"Creatio refused {what}: a lookup value in it points at a record that does not exist in Creatio "
            f"(a foreign-key violation; retrying cannot help).{suffix}",
            status=status,
            creatio_message=detail,
        )
    if status in RETRYABLE_STATUSES:
        retry_after = parse_retry_after(headers.get("retry-after"))
        wait = f" Retry after {retry_after:.0f} s." if retry_after is not None else ""
        return CreatioRetryableError(
            f"Creatio answered {status} to {what} ({_RETRY_KIND.get(status, 'a server error')}; retrying may "
            f"help).{wait}{suffix}",
            status=status,
            retry_after=retry_after,
            creatio_message=detail,
            ambiguous=status != 429,
        )
    if 300 <= status < 400:
        location = _safe_location(headers.get("location"))
        return CreatioPermanentError(
            f"Creatio redirected {what} ({status}) to {location}. Check the instance URL (https, exact host "
            "name, no extra path); a redirect to a login page means the token was not accepted.",
            status=status,
        )
    hint = _HINTS.get(status, "Creatio rejected the request.")
    return CreatioPermanentError(
        f"Creatio answered {status} to {what}. {hint}{suffix}", status=status, creatio_message=detail
    )


def unauthorized_error(what: str) -> CreatioAuthError:
    """The error for a 401 that a fresh token did not fix."""
    return CreatioAuthError(
        f"Creatio answered 401 Unauthorized to {what} even with a fresh access token. Check that the "
        "OAuth app is Active, that its technical user may access this object, and the entity set name "
        "(Creatio also answers 401 for an unknown entity set).",
        reason="unauthorized",
        status=401,
    )


def error_for_response(response: httpx.Response, what: str) -> CreatioError:
    """The exception for a non-2xx OData response."""
    return error_for_status(response.status_code, response.headers, read_json(response), what)


def error_for_transport(exc: httpx.TransportError, host: str, what: str) -> CreatioRetryableError:
    """A retryable error for a timeout or network failure; says whether the request may have arrived."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return CreatioRetryableError(
            f"Could not connect to {host} for {what}. Check the instance URL, DNS and that this server "
            "may reach Creatio (firewall, proxy).",
            ambiguous=False,
        )
    if isinstance(exc, httpx.PoolTimeout):
        return CreatioRetryableError(
            f"No free connection to {host} for {what}; too many requests are in flight.", ambiguous=False
        )
    if isinstance(exc, httpx.TimeoutException):
        return CreatioRetryableError(f"Creatio ({host}) did not answer {what} in time (timeout).")
    return CreatioRetryableError(f"The connection to {host} failed during {what} ({type(exc).__name__}).")


def _safe_location(location: str | None) -> str:
    """A redirect target without its query string or fragment (they may carry tokens)."""
    if not location:
        return "another address"
    return location.split("?", 1)[0].split("#", 1)[0][:200]
