"""Errors the pipeline's ports raise; the job runner decides from them whether and when to retry."""

from __future__ import annotations

from typing import Literal

# What a missing record was to Casebridge: the case's owner, group or status, the customer's contact, the
# conversation's case, a CRM value Casebridge always writes (e.g. the Chat origin), an auto-filled column.
Reference = Literal["owner", "group", "status", "contact", "case", "constant", "field"]


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


class Deferred(TemporaryFailure):
    """The job must wait for other work under way (e.g. a reply being delivered to the chat platform): retry
    after `retry_after` without spending an attempt, since nothing failed."""


class Throttled(Deferred):
    """The other side asked Casebridge to slow down (429): wait as told without spending an attempt, since
    being throttled says nothing about whether the job can succeed."""


class AuthenticationFailure(TemporaryFailure):
    """Credentials were refused; an admin must fix them, so retry slowly until the attempts run out."""


class NotConnected(PipelineError):
    """The external system is not configured yet; wait without spending attempts."""


class PermanentFailure(PipelineError):
    """The other side rejected the request; retrying unchanged cannot help. Dead-letter for an admin."""


class MissingReference(PermanentFailure):
    """The CRM refused a write because a record it points at does not exist (e.g. the default owner was
    deleted after Test & Save). `reference`, `column` and `value` say which, when the adapter could tell."""

    def __init__(
        self,
        message: str,
        *,
        reference: Reference | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reference: Reference | None = reference
        self.column = column
        self.value = value
