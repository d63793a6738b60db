"""Errors the pipeline's ports raise; the job runner decides from them whether and when to retry."""

from __future__ import annotations


class PipelineError(Exception):
    """Base: `message` is safe to show to an admin (no secrets, no customer text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemporaryFailure(PipelineError):
    """The other side is down, slow or throttling; retry with backoff, at least `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Throttled(TemporaryFailure):
    """The other side asked Casebridge to slow down (429): wait as told without spending an attempt, since
    being throttled says nothing about whether the job can succeed."""


class AuthenticationFailure(TemporaryFailure):
    """Credentials were refused; an admin must fix them, so retry slowly until the attempts run out."""


class NotConnected(PipelineError):
    """The external system is not configured yet; wait without spending attempts."""


class PermanentFailure(PipelineError):
    """The other side rejected the request; retrying unchanged cannot help. Dead-letter for an admin."""
