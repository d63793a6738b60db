"""Records tokens and latency of every request instructor makes, through its per-call hooks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from instructor.core.hooks import Hooks

from app.extraction.types import Attempt

REFUSED = "the model refused"
TRUNCATED = (
    "the answer was cut off at the model's output limit (finish_reason length): raise the server's "
    "max output tokens or context size, or use a model with a larger one"
)
_INPUT = re.compile(r"\s*\[type=[^\]]*\]")
# What an error text may quote of a credential: OpenAI's 401 quotes the key masked, a proxy may quote more.
_CREDENTIAL = re.compile(r"\b(sk-|Bearer\s+)[^\s'\",;]{4,}", re.IGNORECASE)


def error_text(error: Exception, secret: str = "") -> str:
    """`<type>: <message>` cut to 200 characters, with the API key and anything shaped like one removed:
    it is stored in the audit and shown in the console."""
    text = str(error)
    if secret:
        text = text.replace(secret, "[redacted]")
    text = _CREDENTIAL.sub(r"\1[redacted]", text)
    return f"{type(error).__name__}: {text[:200]}"


class AttemptRecorder:
    """One per extraction: `completion:kwargs` starts an attempt, a response or error ends it."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter, *, secret: str = "") -> None:
        self._clock = clock
        self._secret = secret
        self._started: float | None = None
        self._attempts: list[Attempt] = []

    @property
    def attempts(self) -> tuple[Attempt, ...]:
        return tuple(self._attempts)

    def hooks(self) -> Hooks:
        hooks = Hooks()
        hooks.on("completion:kwargs", self._on_kwargs)
        hooks.on("completion:response", self._on_response)
        hooks.on("completion:error", self._on_error)
        hooks.on("parse:error", self._on_parse_error)
        return hooks

    def _on_kwargs(self, *args: Any, **kwargs: Any) -> None:
        self._started = self._clock()

    @property
    def refused(self) -> bool:
        """The last answer was a refusal: asking again would only spend tokens."""
        return bool(self._attempts) and (self._attempts[-1].error or "").startswith(REFUSED)

    def _on_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        self._attempts.append(
            Attempt(
                number=len(self._attempts) + 1,
                latency_ms=self._elapsed(),
                prompt_tokens=getattr(usage, "prompt_tokens", None),
                completion_tokens=getattr(usage, "completion_tokens", None),
                error=_unusable(response),
            )
        )

    def _on_error(self, error: Exception, **kwargs: Any) -> None:
        message = error_text(error, self._secret)
        self._attempts.append(
            Attempt(number=len(self._attempts) + 1, latency_ms=self._elapsed(), error=message)
        )

    def _on_parse_error(self, error: Exception, **kwargs: Any) -> None:
        """The answer of the last attempt did not validate: instructor re-asks with the error."""
        if self._attempts and self._attempts[-1].error is None:
            last = self._attempts[-1]
            self._attempts[-1] = Attempt(
                last.number, last.latency_ms, last.prompt_tokens, last.completion_tokens, error=summary(error)
            )

    def _elapsed(self) -> int:
        started = self._started if self._started is not None else self._clock()
        self._started = None
        return round((self._clock() - started) * 1000)


def _unusable(response: Any) -> str | None:
    """Why an answer cannot be used whatever it holds: a refusal, or cut off at the output limit."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return None
    refusal = getattr(choices[0].message, "refusal", None)
    if refusal:
        return f"{REFUSED}: {str(refusal)[:200]}"
    if choices[0].finish_reason == "length":
        return TRUNCATED
    return None


def summary(error: Exception) -> str:
    """A validation error in one line, without the rejected input (it may quote the customer)."""
    lines = [line.strip() for line in str(error).splitlines() if not line.strip().startswith("For further")]
    return _INPUT.sub("", " ".join(lines))[:300]
