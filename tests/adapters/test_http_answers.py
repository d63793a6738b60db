"""The outbound-HTTP rules both adapters share: reading Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.adapters.http_answers import MAX_RETRY_AFTER_SECONDS, parse_retry_after

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("12", 12.0),
        (" 7 ", 7.0),
        ("2.5", 2.5),
        ("-5", 0.0),
        ("999999", MAX_RETRY_AFTER_SECONDS),
        ("Sat, 28 Nov 2026 12:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 11:00:00 GMT", 0.0),  # a date in the past: no wait
        ("Mon, 28 Dec 2026 12:00:00 GMT", MAX_RETRY_AFTER_SECONDS),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected
