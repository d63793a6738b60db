import logging
from collections.abc import Iterator

import pytest

from app.observability.logs import _NOISY_LOGGERS as NOISY_LOGGERS


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """The commands run in-process here and configure logging as they do in a shell: undone after each."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in NOISY_LOGGERS})
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)
