"""Chatwoot's webhook signature: `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw
body>")>` with `X-Chatwoot-Timestamp: <unix seconds>`; `X-Chatwoot-Delivery` names the delivery (emulator
README: app/dev/chatwoot/README.md cites the sources)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from app.ports.chat_platforms import WebhookRefused

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
DELIVERY_HEADER = "X-Chatwoot-Delivery"
TOLERANCE_SECONDS = 300
_PREFIX = "sha256="
_HEX = frozenset("0123456789abcdef")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value Chatwoot sends for `body` at `timestamp`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return _PREFIX + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def verify(headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float) -> None:
    """Raise WebhookRefused unless the signature matches one of `secrets` within 5 minutes of `now`."""
    if not secrets:
        raise WebhookRefused(
            "this Chatwoot connector has no webhook secret: paste the webhook's secret into Settings > "
            "Chat platforms > Chatwoot"
        )
    given = headers.get(SIGNATURE_HEADER.lower())
    stamp = headers.get(TIMESTAMP_HEADER.lower())
    if not given:
        raise WebhookRefused(f"missing {SIGNATURE_HEADER} header: give the Chatwoot webhook a secret")
    if not stamp or not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise WebhookRefused(f"missing or malformed {TIMESTAMP_HEADER} header: expected unix seconds")
    timestamp = int(stamp)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRefused(
            f"{TIMESTAMP_HEADER} is {int(now - timestamp)} s away from our clock (tolerance "
            f"{TOLERANCE_SECONDS} s): a replayed delivery, or check the Chatwoot server's clock"
        )
    candidate = given.strip().lower()
    if not candidate.startswith(_PREFIX) or not _HEX.issuperset(candidate[len(_PREFIX) :]):
        raise WebhookRefused(f"malformed {SIGNATURE_HEADER} header: expected 'sha256=<hex hmac>'")
    for secret in secrets:
        if hmac.compare_digest(signature(secret, timestamp, body), candidate):
            return
    raise WebhookRefused(
        f"{SIGNATURE_HEADER} does not match the body: the webhook secret in Casebridge differs from the "
        "Chatwoot webhook's secret"
    )
