"""The admin-token throttle: a window of failures per address, cleared by success, bounded in memory."""

from __future__ import annotations

import pytest

from app.web import auth_throttle
from app.web.auth_throttle import AdminTokenThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lockout_ends_when_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = AdminTokenThrottle(max_failures=3, window_seconds=60, clock=clock)
    for step in range(3):
        assert throttle.wait_seconds("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
        clock.now += 10 if step < 2 else 0

    assert throttle.wait_seconds("10.0.0.1") == 40  # the first failure (t=1000) leaves at t=1060
    assert throttle.wait_seconds("10.0.0.2") == 0  # another address is not affected
    clock.now += 40
    assert throttle.wait_seconds("10.0.0.1") == 0


def test_a_right_token_clears_the_record() -> None:
    throttle = AdminTokenThrottle(max_failures=2, window_seconds=60, clock=Clock())
    throttle.failed("a")
    throttle.succeeded("a")
    throttle.failed("a")
    assert throttle.wait_seconds("a") == 0


def test_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth_throttle, "MAX_TRACKED_CLIENTS", 5)
    throttle = AdminTokenThrottle(max_failures=1, window_seconds=60, clock=Clock())
    for n in range(20):
        throttle.failed(f"client-{n}")
        throttle.wait_seconds(f"never-failed-{n}")  # asking does not create a record

    assert throttle.wait_seconds("client-19") > 0
    assert throttle.wait_seconds("client-0") == 0  # the oldest records were dropped
    assert len(throttle._failures) == 5
