import pytest

from app.db.crypto import SecretBox, SecretDecryptionError


def test_round_trip_and_ciphertext_hides_plaintext() -> None:
    box = SecretBox(SecretBox.generate_key())
    token = box.encrypt("client-secret-123")
    assert "client-secret-123" not in token
    assert box.decrypt(token) == "client-secret-123"


def test_wrong_key_gives_actionable_error() -> None:
    token = SecretBox(SecretBox.generate_key()).encrypt("s")
    with pytest.raises(SecretDecryptionError, match="enter the client secret again"):
        SecretBox(SecretBox.generate_key()).decrypt(token)


def test_malformed_key_is_explained() -> None:
    with pytest.raises(ValueError, match="casebridge generate-key"):
        SecretBox("not-a-key")
