"""Record/replay plumbing for the Creatio adapter cassettes.

Recording runs the real `CreatioClient` over real HTTP against the sandbox (a `python -m app.sandbox`
subprocess on a free loopback port). Before an interaction is saved, and before a live request is matched
against a saved one, the same scrubbing applies:

* the loopback origin (`http://127.0.0.1:<port>`) becomes `https://creatio.test`, in request URIs and in
  response bodies and headers (`Location`, `@odata.context`, `$batch` sub-response headers);
* only an allow-list of request headers is kept (no `Authorization`, `Host`, cookies);
* the token request's `client_secret` becomes `XXXXXXXX` (the cassette secret) or `XXXXXXXX-OTHER`
  (any other value, so a wrong-secret request never matches a right-secret one);
* `access_token`/`refresh_token`/`id_token` in responses become `***`, and anything JWT-shaped too;
* only an allow-list of response headers is kept (no `Date`, `Server`, `Set-Cookie`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from vcr.cassette import Cassette
from vcr.request import Request
from vcr.util import read_body

REPO_ROOT = Path(__file__).resolve().parents[3]
CASSETTE_ROOT = REPO_ROOT / "cassettes"
CASSETTE_DIR = CASSETTE_ROOT / "creatio"

REPLAY_ORIGIN = "https://creatio.test"
CLIENT_ID = "casebridge-cassettes"
CLIENT_SECRET = "cassette-only-secret-7d1e4b9a2f"  # given to the sandbox when recording; never in cassettes
WRONG_SECRET = "wrong-cassette-secret-3c5f81e0"
SCRUBBED_SECRET = "XXXXXXXX"  # written instead of CLIENT_SECRET
SCRUBBED_OTHER_SECRET = "XXXXXXXX-OTHER"
SCRUBBED_TOKEN = "***"
SANDBOX_SECRET_ENV = "CREATIO_SANDBOX_CLIENT_SECRET"

BODY_MATCHER = "scrubbed_body"
KEPT_REQUEST_HEADERS = frozenset({"accept", "content-type", "prefer", "user-agent"})
KEPT_RESPONSE_HEADERS = frozenset(
    {"content-type", "content-length", "location", "odata-version", "retry-after", "www-authenticate"}
)
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")

_LOOPBACK_ORIGIN = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def rewrite_origin(text: str) -> str:
    """Every loopback origin (the sandbox's) replaced by https://creatio.test."""
    return _LOOPBACK_ORIGIN.sub(REPLAY_ORIGIN, text)


def scrub_request_body(body: bytes) -> bytes:
    """A token-request form with its client_secret replaced; other bodies unchanged."""
    if b"client_secret=" not in body:
        return body
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return re.sub(rb"client_secret=[^&]*", f"client_secret={SCRUBBED_OTHER_SECRET}".encode(), body)
    scrubbed = [(key, _scrubbed_secret(value) if key == "client_secret" else value) for key, value in pairs]
    return urlencode(scrubbed).encode("ascii")


def _scrubbed_secret(value: str) -> str:
    return SCRUBBED_SECRET if value in (CLIENT_SECRET, SCRUBBED_SECRET) else SCRUBBED_OTHER_SECRET


def scrub_request(request: Request) -> Request:
    """vcr `before_record_request`: applied to a copy before saving and before matching a live request."""
    request.uri = rewrite_origin(request.uri)
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_REQUEST_HEADERS}
    body = read_body(request)
    if body:
        request.body = scrub_request_body(body)
    return request


def scrub_response_body(body: bytes) -> bytes:
    """Origins rewritten, token fields and JWT-shaped strings replaced by `***`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    text = rewrite_origin(text)
    with contextlib.suppress(ValueError):
        payload = json.loads(text)
        if isinstance(payload, dict) and any(field in payload for field in TOKEN_FIELDS):
            payload |= {field: SCRUBBED_TOKEN for field in TOKEN_FIELDS if field in payload}
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _JWT.sub(SCRUBBED_TOKEN, text).encode("utf-8")


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcr `before_record_response`: allow-listed headers with origins rewritten, scrubbed body."""
    body = response["body"]["string"]
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    scrubbed = scrub_response_body(raw)
    headers: dict[str, list[str]] = {}
    for name, values in response["headers"].items():
        if name.lower() not in KEPT_RESPONSE_HEADERS:
            continue
        headers[name] = (
            [str(len(scrubbed))] if name.lower() == "content-length" else [rewrite_origin(v) for v in values]
        )
    return {**response, "headers": headers, "body": {**response["body"], "string": scrubbed}}


def comparable_body(request: Request) -> tuple[str, Any]:
    """The request body after scrubbing: parsed JSON when it is JSON, bytes otherwise."""
    body = scrub_request_body(read_body(request) or b"")
    try:
        return ("json", json.loads(body))
    except ValueError:
        return ("bytes", body)


def scrubbed_body_matcher(r1: Request, r2: Request) -> None:
    """vcr matcher: bodies are equal once both are scrubbed (JSON compared as data, not text)."""
    left, right = comparable_body(r1), comparable_body(r2)
    assert left == right, f"bodies differ after scrubbing: {left!r} != {right!r}"


def vcr_config() -> dict[str, Any]:
    """The options of every Creatio cassette. No record_mode: the CLI's --record-mode decides."""
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", BODY_MATCHER],
        "filter_headers": ["authorization", "cookie"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


def assert_fully_played(cassette: Cassette, sent: int, answered: int) -> None:
    """Every request got an answer from the cassette, and every interaction in it was played once."""
    unplayed = [
        f"{request.method} {request.uri}"
        for index, request in enumerate(cassette.requests)
        if cassette.play_counts[index] == 0
    ]
    assert not unplayed, f"cassette {cassette._path} has interactions that were not played: {unplayed}"
    assert cassette.all_played
    assert sent == answered == cassette.play_count == len(cassette), (
        f"{sent} requests sent, {answered} answered, {cassette.play_count} played of {len(cassette)}: "
        "a request missing from the cassette was swallowed"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_sandbox(client_id: str, client_secret: str, *, timeout: float = 30.0) -> Iterator[str]:
    """`python -m app.sandbox` on a free loopback port; yields its origin and stops it afterwards."""
    port = free_port()
    env = {**os.environ, SANDBOX_SECRET_ENV: client_secret}
    command = [sys.executable, "-m", "app.sandbox", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--client-id", client_id, "--log-level", "warning"]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=output)
        try:
            _wait_until_listening(process, port, timeout, output)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, timeout: float, output: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            log = output.read().decode(errors="replace")
            raise RuntimeError(f"the sandbox exited with {process.returncode}:\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the sandbox did not listen on 127.0.0.1:{port} within {timeout} s")
