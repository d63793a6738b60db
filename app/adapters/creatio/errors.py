"""Typed Creatio adapter exceptions, each carrying a human message that is safe to show."""

from __future__ import annotations

from typing import Literal

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


class CreatioAmbiguousNameError(CreatioError):
    """More than one lookup record has the requested Name, so no single Id can be chosen."""
