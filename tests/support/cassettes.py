"""Record/replay plumbing for the cassettes under `cassettes/`: the Creatio adapter's (`creatio/`) and the
OpenAI path's (`llm/`).

Replay (the default, `--record-mode=none`) talks to a fixed test origin and vcrpy answers from the
cassette; nothing is started, and every interaction must be played exactly once. Before an interaction is
saved, and before a live request is matched against a saved one, both kinds are scrubbed the same way: the
origin becomes the test origin, only an allow-list of headers is kept, and bodies are compared as data by
the kind's own matcher.

Creatio (`https://creatio.test`, `make record-cassettes`): recording runs the real `CreatioClient` over
real HTTP against the sandbox (a `python -m app.sandbox` subprocess on a free loopback port). Scrubbing:

* the loopback origin becomes `https://creatio.test`, in request URIs and in response bodies and headers
  (`Location`, `@odata.context`, `$batch` sub-response headers);
* request headers kept: accept, content-type, prefer, user-agent (no `Authorization`, `Host`, cookies);
* the token request's `client_secret` becomes `XXXXXXXX` (the cassette secret) or `XXXXXXXX-OTHER`
  (any other value, so a wrong-secret request never matches a right-secret one);
* `access_token`/`refresh_token`/`id_token` in responses become `***`, and anything JWT-shaped too;
* response headers kept: content-type, content-length, location, odata-version, retry-after,
  www-authenticate (no `Date`, `Server`, `Set-Cookie`).

LLM (`https://llm.test/v1`, `make record-llm-cassettes`): recording goes to the real OpenAI API when
OPENAI_API_KEY is set, otherwise (and always for the tests that script a bad answer) to the in-repo fake,
`tests/support/openai_server.py`, on a free loopback port. Scrubbing: the origin (api.openai.com or the
fake) becomes `https://llm.test`; only content-type is kept, in requests (no key, no `x-stainless-*`) and
responses (no cookies, request ids or organisation names). Bodies are matched as JSON with the pydantic
version in `errors.pydantic.dev/<version>/` links (part of a re-ask's message) ignored: a prompt, mapping
or model change fails until re-recorded on purpose.
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
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import httpx
from vcr import VCR
from vcr.cassette import Cassette
from vcr.request import Request
from vcr.util import read_body

from tests.support.openai_server import OPENAI, FakeOpenAI, Provider, serve
from tests.support.processes import free_port, stop

if TYPE_CHECKING:
    import openai

    from app.adapters.llm import LlmConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
CASSETTE_ROOT = REPO_ROOT / "cassettes"
CREATIO_CASSETTE_DIR = CASSETTE_ROOT / "creatio"
LLM_CASSETTE_DIR = CASSETTE_ROOT / "llm"

CREATIO_ORIGIN = "https://creatio.test"
CLIENT_ID = "casebridge-cassettes"
CLIENT_SECRET = "cassette-only-secret-7d1e4b9a2f"  # given to the sandbox when recording; never in cassettes
WRONG_SECRET = "wrong-cassette-secret-3c5f81e0"
SCRUBBED_SECRET = "XXXXXXXX"  # written instead of CLIENT_SECRET
SCRUBBED_OTHER_SECRET = "XXXXXXXX-OTHER"
SCRUBBED_TOKEN = "***"
SANDBOX_SECRET_ENV = "CREATIO_SANDBOX_CLIENT_SECRET"
CREATIO_BODY_MATCHER = "scrubbed_body"
CREATIO_REQUEST_HEADERS = frozenset({"accept", "content-type", "prefer", "user-agent"})
CREATIO_RESPONSE_HEADERS = frozenset(
    {"content-type", "content-length", "location", "odata-version", "retry-after", "www-authenticate"}
)
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")

LLM_ORIGIN = "https://llm.test"
LLM_BASE_URL = f"{LLM_ORIGIN}/v1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
LLM_MODEL = "gpt-4o-mini"
LLM_BODY_MATCHER = "llm_json_body"
LLM_HEADERS = frozenset({"content-type"})  # kept in requests and responses alike

_LOOPBACK_ORIGIN = re.compile(r"https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_LLM_ORIGIN = re.compile(r"^https?://(?:127\.0\.0\.1|localhost|api\.openai\.com)(?::\d+)?")
_PYDANTIC_DOCS = re.compile(r"errors\.pydantic\.dev/[0-9.]+/")

V = TypeVar("V")


# What both kinds share.


def _vcr_config(
    matcher: str,
    scrub_request: Callable[[Request], Request],
    scrub_response: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """The options of a cassette. No record_mode: the CLI's --record-mode decides."""
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", matcher],
        "filter_headers": ["authorization", "cookie"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


def register_matchers(vcr: VCR) -> None:
    """Both kinds' body matchers, under the names their vcr_config matches on."""
    vcr.register_matcher(CREATIO_BODY_MATCHER, creatio_body_matcher)
    vcr.register_matcher(LLM_BODY_MATCHER, llm_body_matcher)


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


def _kept(headers: Mapping[str, V], allowed: frozenset[str]) -> dict[str, V]:
    return {name: value for name, value in headers.items() if name.lower() in allowed}


# Creatio.


def creatio_vcr_config() -> dict[str, Any]:
    return _vcr_config(CREATIO_BODY_MATCHER, scrub_creatio_request, scrub_creatio_response)


def _rewrite_origin(text: str) -> str:
    """Every loopback origin (the sandbox's) replaced by https://creatio.test."""
    return _LOOPBACK_ORIGIN.sub(CREATIO_ORIGIN, text)


def scrub_creatio_request_body(body: bytes) -> bytes:
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


def scrub_creatio_request(request: Request) -> Request:
    """vcr `before_record_request`: applied to a copy before saving and before matching a live request."""
    request.uri = _rewrite_origin(request.uri)
    request.headers = _kept(request.headers, CREATIO_REQUEST_HEADERS)
    body = read_body(request)
    if body:
        request.body = scrub_creatio_request_body(body)
    return request


def scrub_creatio_response_body(body: bytes) -> bytes:
    """Origins rewritten, token fields and JWT-shaped strings replaced by `***`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    text = _rewrite_origin(text)
    with contextlib.suppress(ValueError):
        payload = json.loads(text)
        if isinstance(payload, dict) and any(field in payload for field in TOKEN_FIELDS):
            payload |= {field: SCRUBBED_TOKEN for field in TOKEN_FIELDS if field in payload}
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return _JWT.sub(SCRUBBED_TOKEN, text).encode("utf-8")


def scrub_creatio_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcr `before_record_response`: allow-listed headers with origins rewritten, scrubbed body."""
    body = response["body"]["string"]
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    scrubbed = scrub_creatio_response_body(raw)
    headers = {
        name: [str(len(scrubbed))]
        if name.lower() == "content-length"
        else [_rewrite_origin(v) for v in values]
        for name, values in _kept(response["headers"], CREATIO_RESPONSE_HEADERS).items()
    }
    return {**response, "headers": headers, "body": {**response["body"], "string": scrubbed}}


def _comparable_body(request: Request) -> tuple[str, Any]:
    """The request body after scrubbing: parsed JSON when it is JSON, bytes otherwise."""
    body = scrub_creatio_request_body(read_body(request) or b"")
    try:
        return ("json", json.loads(body))
    except ValueError:
        return ("bytes", body)


def creatio_body_matcher(r1: Request, r2: Request) -> None:
    """vcr matcher: bodies are equal once both are scrubbed (JSON compared as data, not text)."""
    left, right = _comparable_body(r1), _comparable_body(r2)
    assert left == right, f"bodies differ after scrubbing: {left!r} != {right!r}"


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
            stop(process)


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


# LLM.


def llm_vcr_config() -> dict[str, Any]:
    return _vcr_config(LLM_BODY_MATCHER, scrub_llm_request, scrub_llm_response)


def scrub_llm_request(request: Request) -> Request:
    request.uri = _LLM_ORIGIN.sub(LLM_ORIGIN, request.uri)
    request.headers = _kept(request.headers, LLM_HEADERS)
    return request


def scrub_llm_response(response: dict[str, Any]) -> dict[str, Any]:
    return {**response, "headers": _kept(response["headers"], LLM_HEADERS)}


def _normalised(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _normalised(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalised(v) for v in node]
    return _PYDANTIC_DOCS.sub("errors.pydantic.dev/*/", node) if isinstance(node, str) else node


def llm_body_matcher(r1: Request, r2: Request) -> None:
    """vcr matcher: the JSON bodies are equal as data (pydantic doc-link versions aside)."""
    left, right = (_normalised(json.loads(read_body(r) or b"null")) for r in (r1, r2))
    assert left == right, "request bodies differ: re-record with `make record-llm-cassettes` if on purpose"


@contextlib.contextmanager
def running_fake_openai(
    answers: list[dict[str, Any]], provider: Provider = OPENAI
) -> Iterator[tuple[str, FakeOpenAI]]:
    """The fake on a free loopback port, in a thread; yields its base URL and the fake."""
    fake = FakeOpenAI(answers, provider)
    server = serve(fake, free_port())
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.asynccontextmanager
async def counted_openai(config: LlmConfig, cassette: Cassette | None) -> AsyncIterator[openai.AsyncOpenAI]:
    """The openai client for `config`, counting requests and answers; on replay (a cassette given), checks
    at the end that every request was answered from it and every interaction played once."""
    from app.adapters.llm import build_openai_client

    sent: list[str] = []
    answered: list[int] = []

    async def on_request(request: httpx.Request) -> None:
        sent.append(request.url.path)

    async def on_response(response: httpx.Response) -> None:
        answered.append(response.status_code)

    hooks = {"request": [on_request], "response": [on_response]}
    async with httpx.AsyncClient(event_hooks=hooks) as http, build_openai_client(config, http) as client:
        yield client
    if cassette is not None:
        assert_fully_played(cassette, len(sent), len(answered))
