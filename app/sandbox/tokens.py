"""Issued access tokens: JWT-shaped, HMAC-signed with a per-process key, expiring and revocable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID


@dataclass(frozen=True)
class TokenInfo:
    client_id: str
    user_id: UUID  # the technical user's SysAdminUnit row
    expires_at: datetime


def scope_for(client_id: str) -> str:
    """The stable `ApplicationAccess_<32hex>` scope of a client."""
    return "ApplicationAccess_" + uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-client:{client_id}").hex


class TokenRegistry:
    """Tokens the sandbox has issued; a token is valid only while known, unexpired and unrevoked."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._tokens: dict[str, TokenInfo] = {}

    def issue(self, client_id: str, user_id: UUID, lifetime_seconds: int) -> str:
        now = self._clock()
        info = TokenInfo(client_id, user_id, now + timedelta(seconds=lifetime_seconds))
        claims = {
            "iss": "creatio.com",
            "aud": scope_for(client_id),
            "scope": [scope_for(client_id)],
            "client_id": client_id,
            "prop:SysAdminUnitId": str(user_id),
            "prop:Type": "ApplicationAccess",
            "iat": int(now.timestamp()),
            "exp": int(info.expires_at.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        token = self._sign({"alg": "HS256", "typ": "at+jwt"}, claims)
        self._purge(now)
        self._tokens[token] = info
        return token

    def validate(self, token: str) -> TokenInfo | None:
        """The token's info if it is valid now, else None."""
        info = self._tokens.get(token)
        if info is None or info.expires_at <= self._clock():
            return None
        return info

    def revoke(self, token: str) -> bool:
        return self._tokens.pop(token, None) is not None

    def revoke_all(self) -> int:
        count = len(self._tokens)
        self._tokens.clear()
        return count

    def active_count(self) -> int:
        now = self._clock()
        return sum(1 for info in self._tokens.values() if info.expires_at > now)

    def _purge(self, now: datetime) -> None:
        for token in [t for t, info in self._tokens.items() if info.expires_at <= now]:
            del self._tokens[token]

    def _sign(self, header: dict[str, str], claims: dict[str, object]) -> str:
        def part(data: object) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        signing_input = f"{part(header)}.{part(claims)}"
        digest = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"
