import io
import json
import logging
import sys
from collections.abc import Callable

import pytest

from app.observability.logs import JsonFormatter, configure_logging, flush_logs


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


def _configured(monkeypatch: pytest.MonkeyPatch) -> tuple[io.StringIO, Callable[[], None]]:
    """configure_logging at INFO writing to a string; the root logger is restored after the test."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return stream, configure_logging("INFO")


def test_configured_logging_writes_json_lines_from_its_own_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    stream, stop = _configured(monkeypatch)
    log = logging.getLogger("test.queued")
    log.info("case %s created", "SR1", extra={"conversation_id": "c1", "client_secret": "s3cr3t"})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("sync failed", extra={"job_id": 7})
    log.debug("not at INFO")
    stop()  # drains the queue
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["message"], first["conversation_id"], first["client_secret"]) == (
        "case SR1 created",
        "c1",
        "***",
    )
    assert second["job_id"] == 7
    assert "ValueError: boom" in second["exception"]


def test_flush_logs_returns_once_everything_logged_so_far_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    stream, stop = _configured(monkeypatch)
    try:
        for n in range(200):
            logging.getLogger("test.flush").info("line %d", n)
        flush_logs()
        lines = stream.getvalue().splitlines()
        assert [json.loads(line)["message"] for line in lines] == [f"line {n}" for n in range(200)]
    finally:
        stop()
