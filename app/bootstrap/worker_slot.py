"""Which worker this process is, stably across restarts: the first free numbered slot under the data
directory, held by an exclusive file lock that the operating system releases when the process ends,
`kill -9` included. A process that gets a slot therefore knows that no live process holds it, and that
jobs still leased under the slot's name were left by a dead predecessor: it takes them back at once
instead of waiting for their leases to run out."""

from __future__ import annotations

import contextlib
import fcntl  # POSIX (Linux, macOS): what Casebridge runs on
import hashlib
import os
import socket
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

MAX_SLOTS = 64


@dataclass(frozen=True)
class WorkerSlot:
    prefix: str  # every worker id of this slot starts with it, whichever incarnation
    worker_id: str


def claim_worker_slot(data_dir: Path, stack: AsyncExitStack) -> WorkerSlot | None:
    """The first free slot, locked until `stack` closes (or the process ends); None if none is free."""
    locks = data_dir / "worker-slots"
    locks.mkdir(parents=True, exist_ok=True)
    # The host and the data directory name the slot: another machine, or another deployment on this
    # one, never shares its jobs' lease names.
    place = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:8]
    for number in range(MAX_SLOTS):
        fd = os.open(locks / f"{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        stack.callback(_release, fd)
        prefix = f"{socket.gethostname()}:{place}-{number}:"
        return WorkerSlot(prefix, f"{prefix}{uuid.uuid4().hex[:8]}")
    return None


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
