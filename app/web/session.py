"""Console sessions: a signed cookie (HMAC keyed by the admin token) and its per-session CSRF token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE_NAME = "casebridge_console"
SESSION_SECONDS = 12 * 3600
ANONYMOUS_SECONDS = 3600  # the pre-login session that only protects the login form


@dataclass(frozen=True)
class ConsoleSession:
    nonce: str
    admin: bool
    expires_at: int


class SessionSigner:
    """Signs and checks session cookies. Rotating the admin token invalidates every session."""

    def __init__(self, admin_token: str) -> None:
        self._key = hashlib.sha256(b"casebridge-console-session\0" + admin_token.encode()).digest()
        self._admin_token = admin_token
        self._revoked: dict[str, int] = {}  # nonce -> expiry, logged out in this process (best effort)

    def token_matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.strip().encode(), self._admin_token.encode())

    def new(self, *, admin: bool, now: float | None = None) -> ConsoleSession:
        lifetime = SESSION_SECONDS if admin else ANONYMOUS_SECONDS
        issued = int(time.time() if now is None else now)
        return ConsoleSession(secrets.token_urlsafe(18), admin, issued + lifetime)

    def encode(self, session: ConsoleSession) -> str:
        payload = json.dumps({"n": session.nonce, "a": session.admin, "e": session.expires_at}).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._sign(body)}"

    def decode(self, cookie: str | None, now: float | None = None) -> ConsoleSession | None:
        """The session in a cookie, or None when it is missing, forged, expired or logged out."""
        if not cookie or "." not in cookie:
            return None
        body, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            session = ConsoleSession(str(data["n"]), bool(data["a"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.expires_at < (time.time() if now is None else now) or session.nonce in self._revoked:
            return None
        return session

    def revoke(self, session: ConsoleSession, now: float | None = None) -> None:
        moment = time.time() if now is None else now
        self._revoked = {n: e for n, e in self._revoked.items() if e >= moment}  # forget expired ones
        self._revoked[session.nonce] = session.expires_at

    def csrf_token(self, session: ConsoleSession) -> str:
        return self._sign(f"csrf:{session.nonce}")

    def csrf_matches(self, session: ConsoleSession, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(
            str(presented).encode(), self.csrf_token(session).encode()
        )

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
