"""`casebridge serve` as a real process: the request head is bounded before the app sees it, and forwarded
headers count only from a configured proxy (else any local client picks its address and escapes the
admin-token throttle)."""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.settings import Settings
from app.web.auth_throttle import MAX_FAILURES
from app.web.server import server_config
from tests.support.casebridge import ADMIN_TOKEN
from tests.support.processes import casebridge_process

Served = tuple[str, subprocess.Popen[bytes]]
MiB = 1 << 20


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Default settings: 16 KiB of request head, 100 header fields, no trusted proxy."""
    data = tmp_path_factory.mktemp("serve")
    with casebridge_process(data, data / "serve.log", {"CASEBRIDGE_ADMIN_TOKEN": ADMIN_TOKEN}) as server:
        yield server


def exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes and read the answer until the server closes; b"" if it reset the connection."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        with contextlib.suppress(OSError):  # the server may close while the request is still being sent
            sock.sendall(request)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
        return answer


def head(*fields: bytes) -> bytes:
    return b"GET /health HTTP/1.1\r\nHost: casebridge\r\n" + b"".join(f + b"\r\n" for f in fields)


def peak_rss_bytes(process: subprocess.Popen[bytes]) -> int:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_an_oversized_header_is_refused_unread_and_the_server_serves_on(served: Served) -> None:
    url, process = served
    assert httpx.get(f"{url}/health").status_code == 200
    before = peak_rss_bytes(process)

    answer = exchange(url, head(b"X-Big: " + b"a" * (16 * MiB)) + b"\r\n")

    assert answer == b"" or answer.startswith((b"HTTP/1.1 431 ", b"HTTP/1.1 400 "))
    assert peak_rss_bytes(process) - before < 4 * MiB  # without the bound: over twice the header
    assert httpx.get(f"{url}/health").status_code == 200


@pytest.mark.parametrize(
    "request_head",
    [
        head(b"X-Big: " + b"a" * 17_000) + b"\r\n",  # arriving in one piece
        head(*(b"X-Field-%d: x" % n for n in range(100))) + b"\r\n",  # 101 with Host
        b"GET /" + b"a" * 17_000 + b" HTTP/1.1\r\nHost: casebridge\r\n\r\n",  # the request line
    ],
    ids=["header-bytes", "header-count", "request-line"],
)
def test_a_head_over_a_limit_is_answered_431(served: Served, request_head: bytes) -> None:
    url, _ = served
    answer = exchange(url, request_head)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"connection: close" in answer
    assert httpx.get(f"{url}/health").status_code == 200


def test_heads_within_the_limits_and_large_bodies_are_served(served: Served) -> None:
    url, _ = served
    fields = {f"X-Field-{n}": "x" * 100 for n in range(90)}  # about 10 KiB in 91 fields with Host
    assert httpx.get(f"{url}/health", headers=fields).status_code == 200
    body = httpx.post(f"{url}/api/v1/events", content=b"{" + b" " * 100_000 + b"}")
    assert body.status_code != 431  # the body is not part of the head (401: unsigned)


def wrong_token(url: str, forwarded_for: str | None = None) -> int:
    headers = {"Authorization": "Bearer wrong-token"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.get(f"{url}/api/v1/admin/jobs", headers=headers).status_code


def test_without_a_trusted_proxy_x_forwarded_for_does_not_escape_the_throttle(served: Served) -> None:
    """The only test here that guesses the admin token: the lockout of 127.0.0.1 it causes is its own."""
    url, _ = served
    statuses = [wrong_token(url, f"203.0.113.{n}") for n in range(MAX_FAILURES + 2)]
    assert statuses == [401] * MAX_FAILURES + [429, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(tmp_path: Path) -> None:
    env = {"CASEBRIDGE_ADMIN_TOKEN": ADMIN_TOKEN, "CASEBRIDGE_TRUSTED_PROXIES": "127.0.0.1"}
    with casebridge_process(tmp_path, tmp_path / "serve.log", env) as (url, _):
        statuses = [wrong_token(url, "203.0.113.7") for _ in range(MAX_FAILURES + 1)]
        assert statuses == [401] * MAX_FAILURES + [429]
        assert wrong_token(url, "203.0.113.8") == 401  # another client behind the proxy
        assert wrong_token(url) == 401  # the proxy's own address


def test_uvicorns_forwarded_allow_ips_is_not_read_and_a_warning_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with caplog.at_level(logging.WARNING, logger="casebridge.http"):
        config = server_config(object(), Settings(trusted_proxies=""))
    assert config.proxy_headers is False
    assert "CASEBRIDGE_TRUSTED_PROXIES" in caplog.text
