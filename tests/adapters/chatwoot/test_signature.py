"""Chatwoot's webhook signature: sha256=HMAC over "<timestamp>.<body>", 5 minutes either way, rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.chatwoot.config import ChatwootSettings
from app.adapters.chatwoot.signature import signature, verify
from app.ports.chat_platforms import ConnectorConfig, WebhookRefused

BODY = b'{"event":"message_created","id":1}'
NOW = 1_800_000_000


def headers(value: str, stamp: int = NOW) -> dict[str, str]:
    return {"x-chatwoot-signature": value, "x-chatwoot-timestamp": str(stamp)}


def config(secrets: dict[str, str], rotated: datetime | None = None) -> ConnectorConfig:
    settings = {"base_url": "https://chatwoot.test", "account_id": 3}
    return ConnectorConfig("chatwoot", "chatwoot", settings, secrets, rotated)


def test_a_signature_made_with_the_secret_over_timestamp_and_body_passes() -> None:
    verify(headers(signature("s3cret", NOW, BODY)), BODY, ["s3cret"], NOW + 299)


@pytest.mark.parametrize(
    ("given", "body", "secrets", "now", "says"),
    [
        (headers(signature("other", NOW, BODY)), BODY, ["s3cret"], NOW, "does not match"),  # wrong secret
        (
            headers(signature("s3cret", NOW, BODY)),
            BODY + b" ",
            ["s3cret"],
            NOW,
            "does not match",
        ),  # forged body
        (
            headers(signature("s3cret", NOW, BODY)),
            BODY,
            ["s3cret"],
            NOW + 301,
            "away from our clock",
        ),  # stale
        (
            headers(signature("s3cret", NOW, BODY)),
            BODY,
            ["s3cret"],
            NOW - 301,
            "away from our clock",
        ),  # future
        (
            headers(signature("s3cret", NOW, BODY), NOW + 1),
            BODY,
            ["s3cret"],
            NOW,
            "does not match",
        ),  # restamped
        ({"x-chatwoot-timestamp": str(NOW)}, BODY, ["s3cret"], NOW, "missing X-Chatwoot-Signature"),
        ({"x-chatwoot-signature": "sha256=00"}, BODY, ["s3cret"], NOW, "X-Chatwoot-Timestamp"),
        (headers("md5=abc"), BODY, ["s3cret"], NOW, "malformed"),
        (headers(signature("s3cret", NOW, BODY)), BODY, [], NOW, "no webhook secret"),
    ],
)
def test_forged_stale_or_wrongly_signed_webhooks_are_refused_saying_why(
    given: dict[str, str], body: bytes, secrets: list[str], now: float, says: str
) -> None:
    with pytest.raises(WebhookRefused, match=says):
        verify(given, body, secrets, now)


def test_the_previous_secret_is_accepted_for_a_day_after_the_rotation_then_refused() -> None:
    secrets = {"webhook_secret": "new", "webhook_secret_previous": "old"}
    rotated = datetime(2026, 12, 1, tzinfo=UTC)
    within = ChatwootSettings.of(config(secrets, rotated), now=rotated + timedelta(hours=23))
    after = ChatwootSettings.of(config(secrets, rotated), now=rotated + timedelta(hours=25))
    old = headers(signature("old", NOW, BODY))
    verify(old, BODY, within.webhook_secrets, NOW)
    verify(headers(signature("new", NOW, BODY)), BODY, after.webhook_secrets, NOW)
    with pytest.raises(WebhookRefused, match="does not match"):
        verify(old, BODY, after.webhook_secrets, NOW)
