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
from collections.abc import Iterator
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
    for number in range(MAX_SLOTS):
        fd = _lock(locks / f"{number}.lock", create=True)
        if fd is None:
            continue
        stack.callback(_release, fd)
        prefix = _prefix(data_dir, number)
        return WorkerSlot(prefix, f"{prefix}{uuid.uuid4().hex[:8]}")
    return None


@contextlib.contextmanager
def vacant_slots(data_dir: Path) -> Iterator[list[str]]:
    """The prefixes of the slots that were used but that no live process holds now: their last holders
    died, and jobs still leased under their names are orphans. Each is locked until the block ends, so
    that a process starting meanwhile cannot take one and claim jobs under its name while they are
    queued again. A restarted process may get another slot than its predecessor's (the lowest free
    one, when several processes share the data directory): this finds the predecessor's all the same."""
    locks = data_dir / "worker-slots"
    held: list[int] = []
    prefixes: list[str] = []
    try:
        for number in range(MAX_SLOTS):
            path = locks / f"{number}.lock"
            if not path.exists():
                continue
            fd = _lock(path, create=False)
            if fd is not None:
                held.append(fd)
                prefixes.append(_prefix(data_dir, number))
        yield prefixes
    finally:
        for fd in held:
            _release(fd)


def _prefix(data_dir: Path, number: int) -> str:
    # The host and the data directory name the slot: another machine, or another deployment on this
    # one, never shares its jobs' lease names.
    place = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:8]
    return f"{socket.gethostname()}:{place}-{number}:"


def _lock(path: Path, *, create: bool) -> int | None:
    """An exclusive lock on the file, or None when another open file holds it (or it vanished)."""
    try:
        fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
