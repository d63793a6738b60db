"""Structured JSON logs on stderr; extra fields whose names suggest secrets are masked."""

from __future__ import annotations

import atexit
import copy
import functools
import json
import logging
import logging.handlers
import queue
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_SECRET_KEY = re.compile(r"secret|token|password|authorization|api_key|apikey|cookie", re.IGNORECASE)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_NOISY_LOGGERS = ("httpx", "httpcore", "openai", "instructor", "alembic", "aiosqlite", "asyncio")
MASK = "***"


def redact_text(text: str) -> str:
    return _BEARER.sub(r"\1" + MASK, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith(("_", "color_")):
                entry[key] = MASK if _is_secret_name(key) else value
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        elif record.exc_text:  # formatted before it was queued (see _QueueHandler)
            entry["exception"] = redact_text(record.exc_text)
        return json.dumps(entry, default=str, ensure_ascii=False)


@functools.lru_cache(maxsize=1024)
def _is_secret_name(key: str) -> bool:
    return _SECRET_KEY.search(key) is not None


class _FlushMarks(logging.Filter):
    """Lets `flush_logs` know when the writer thread has reached its mark (written, the mark is not)."""

    def filter(self, record: logging.LogRecord) -> bool:
        reached: threading.Event | None = getattr(record, "flush_mark", None)
        if reached is None:
            return True
        reached.set()
        return False


_writing: queue.SimpleQueue[logging.LogRecord] | None = None  # the writer thread's queue, once configured


def flush_logs(timeout: float = 2.0) -> None:
    """Block until every record logged so far is written (e.g. before printing to the same terminal)."""
    if _writing is None:
        return
    reached = threading.Event()
    _writing.put(logging.makeLogRecord({"flush_mark": reached, "levelno": logging.CRITICAL}))
    reached.wait(timeout)


class _QueueHandler(logging.handlers.QueueHandler):
    """Hands records to the writer thread as they are: the stock handler would flatten the message,
    extra fields and traceback into one string, and this keeps them for the JSON formatter."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record


def configure_logging(level: str = "INFO") -> Callable[[], None]:
    """Route all logging through one JSON handler; quiet libraries that would log URLs and bodies.

    Records are formatted and written by a thread of their own: a write to stderr (a pipe, a file) never
    blocks the event loop, and the loop does not spend its time on JSON (a large share of intake's request
    handling when profiled under the intake benchmark: docs/performance.md, 'Intake'). The queue is
    drained when the process exits, or by the returned function."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_FlushMarks())
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    global _writing
    _writing = records
    listener = logging.handlers.QueueListener(records, handler, respect_handler_level=True)
    listener.start()
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            listener.stop()

    atexit.register(stop)
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, _QueueHandler):  # configured twice in one process (tests, dev server)
            old.close()
    root.handlers[:] = [_QueueHandler(records)]
    root.setLevel(level.upper())
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return stop
