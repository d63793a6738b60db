"""Encryption of secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class SecretDecryptionError(Exception):
    """A stored secret cannot be decrypted: the secret key changed or the value is corrupt."""


class SecretBox:
    """Encrypts and decrypts short strings with one key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ValueError(
                "CASEBRIDGE_SECRET_KEY must be a Fernet key: 32 url-safe base64-encoded bytes "
                "(generate one with `casebridge generate-key`)"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretDecryptionError(
                "a stored secret cannot be decrypted: CASEBRIDGE_SECRET_KEY differs from the key it was "
                "saved with; restore that key or enter the client secret again"
            ) from exc
