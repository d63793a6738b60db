"""Fault injection: latency, 5xx, 429 with Retry-After and hanging requests, drawn from a seedable RNG."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.sandbox.config import FaultProfile
from app.sandbox.stats import RequestStats

FaultKind = Literal["none", "5xx", "429", "timeout"]


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request; `kind` "timeout" means hang `delay` seconds, then answer normally.
    `answer_at` (event-loop time): the answer is held until then."""

    kind: FaultKind
    status: int = 0
    retry_after: int = 0
    delay: float = 0.0
    after_processing: bool = False
    answer_at: float = 0.0


class FaultInjector:
    """Holds the current profile and RNG; `decide` draws one outcome per request, in arrival order."""

    def __init__(self, profile: FaultProfile, stats: RequestStats) -> None:
        self._stats = stats
        self.profile = profile
        self._rng = random.Random(profile.seed)  # noqa: S311 - fault draws, not crypto

    def update(self, changes: dict[str, Any]) -> FaultProfile:
        """Merge changes into the profile (validated); a `seed` in `changes` restarts the RNG."""
        merged = self.profile.model_dump() | changes
        self.profile = FaultProfile.model_validate(merged)
        if "seed" in changes:
            self._rng = random.Random(self.profile.seed)  # noqa: S311
        return self.profile

    def applies(self, *, token_endpoint: bool) -> bool:
        return not token_endpoint or self.profile.apply_to_token_endpoint

    async def before_request(self) -> FaultDecision:
        """Draw the request's fault (counted in stats) as it arrives; a hanging request hangs here,
        before it is processed. The latency runs from the arrival (`hold_until_due` waits out the rest
        once the answer is ready), so the sandbox's own processing is inside it, as in a remote
        server's response time."""
        profile = self.profile
        delay_ms = profile.latency_ms
        if profile.latency_jitter_ms:
            delay_ms += self._rng.randint(0, profile.latency_jitter_ms)
        if delay_ms:
            self._stats.faults["latency"] += 1
        decision = self._draw(profile)
        if decision.kind != "none":
            self._stats.faults[decision.kind] += 1
        answer_at = asyncio.get_running_loop().time() + delay_ms / 1000
        if decision.kind == "timeout":
            await asyncio.sleep(decision.delay)
        return replace(decision, answer_at=answer_at)

    @staticmethod
    async def hold_until_due(decision: FaultDecision) -> None:
        """Wait out what is left of the latency once the answer is ready."""
        left = decision.answer_at - asyncio.get_running_loop().time()
        if left > 0:
            await asyncio.sleep(left)

    def _draw(self, profile: FaultProfile) -> FaultDecision:
        rates = profile.timeout_rate + profile.error_rate + profile.rate_429
        if rates <= 0:
            return FaultDecision("none")
        roll = self._rng.random()
        if roll < profile.timeout_rate:
            return FaultDecision("timeout", delay=profile.timeout_seconds)
        roll -= profile.timeout_rate
        if roll < profile.error_rate:
            return FaultDecision(
                "5xx", status=profile.error_status, after_processing=profile.error_after_processing
            )
        roll -= profile.error_rate
        if roll < profile.rate_429:
            return FaultDecision("429", status=429, retry_after=profile.retry_after_seconds)
        return FaultDecision("none")
