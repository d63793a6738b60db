import io
import json
import logging

from app.logs import JsonFormatter


def _format(record_extra: dict[str, object], message: str = "hello") -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning(message, extra=record_extra)
    result: dict[str, object] = json.loads(stream.getvalue())
    return result


def test_json_line_with_extras() -> None:
    entry = _format({"instance_url": "https://x.creatio.com", "status": 200})
    assert entry["message"] == "hello"
    assert entry["level"] == "warning"
    assert entry["instance_url"] == "https://x.creatio.com"
    assert entry["status"] == 200


def test_secret_named_fields_and_bearer_tokens_are_masked() -> None:
    entry = _format(
        {"client_secret": "s3cr3t", "access_token": "abc", "Authorization": "Bearer abc"},
        message="sent Authorization: Bearer eyJhbGciOi.payload.sig",
    )
    assert entry["client_secret"] == "***"
    assert entry["access_token"] == "***"
    assert entry["Authorization"] == "***"
    assert "eyJhbGciOi" not in str(entry["message"])
