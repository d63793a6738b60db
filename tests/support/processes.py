"""Real processes for end-to-end tests: the sandbox, `casebridge serve` and `casebridge worker`, on free
loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", *args], env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT
    )


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """`probe()` until it gives something true, polling every 0.1 s; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def sandbox_process(secret: str, log: Path, *extra: str) -> Iterator[str]:
    """A Creatio sandbox on a free port; yields its base URL."""
    port = free_port()
    args = ["app.sandbox", "--port", str(port), "--client-id", "casebridge-sandbox", *extra]
    process = start(args, {"CREATIO_SANDBOX_CLIENT_SECRET": secret}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/__sandbox/faults", process)
        yield url
    finally:
        stop(process)


@contextmanager
def casebridge_process(
    data_dir: Path, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`casebridge serve` on a free port (development secrets in `data_dir`, no workers, no Creatio);
    yields its base URL and the process."""
    port = free_port()
    base = {
        "CASEBRIDGE_ENVIRONMENT": "development",
        "CASEBRIDGE_DATA_DIR": str(data_dir),
        "CASEBRIDGE_FIELD_MAPPINGS_DIR": str(data_dir / "no-mappings"),
        "CASEBRIDGE_WORKERS": "0",
    }
    process = start(["app.cli", "serve", "--port", str(port)], base | dict(env or {}), log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{url}/health", process)
        yield url, process
    finally:
        stop(process)
