"""HMAC-SHA256 request signatures: `Casebridge-Signature: t=<unix seconds>,v1=<hex>` (the Stripe scheme).

Part of Casebridge's chat contract, like the events themselves (app/domain/events.py): the chat platform
signs the events it sends, Casebridge signs the deliveries it sends back."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

SIGNATURE_HEADER = "Casebridge-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The signature is missing, malformed, stale or wrong; the message says which, never the secret."""


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for `body`, signed now (or at `timestamp`)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={compute_signature(secret, ts, body)}"


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise SignatureError unless one v1 signature matches one of the secrets within the time window."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    timestamp, candidates = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise SignatureError(
            f"signature timestamp is {int(current - timestamp)} s away from our clock "
            f"(tolerance {tolerance_seconds} s): sign each request when sending it and check the sender's "
            "clock"
        )
    for secret in secrets:
        expected = compute_signature(secret, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return
    raise SignatureError("signature does not match the body: check the signing secret and sign the raw body")


def _parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and the v1 candidates. Only ASCII digits (at most 12: a Unix time in seconds) and
    ASCII hex are taken, so a header from anyone, however odd, ends in SignatureError and never reaches
    the arithmetic or the comparison with something they cannot handle."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        value = value.strip()
        if key == "t" and _is_ascii_digits(value) and len(value) <= _MAX_TIMESTAMP_DIGITS:
            timestamp = int(value)
        elif key == "v1" and _is_ascii_hex(value):
            candidates.append(value.lower())
    if timestamp is None or not candidates:
        raise SignatureError(
            f"malformed {SIGNATURE_HEADER} header: expected 't=<unix seconds>,v1=<hex hmac>'"
        )
    return timestamp, candidates


_MAX_TIMESTAMP_DIGITS = 12
_HEX = frozenset("0123456789abcdefABCDEF")


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _is_ascii_hex(value: str) -> bool:
    return bool(value) and len(value) <= 256 and _HEX.issuperset(value)
