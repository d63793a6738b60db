"""Record/replay plumbing for the OpenAI cassettes (`cassettes/llm/<test>.yaml`).

Replay (the default, `--record-mode=none`): the client talks to https://llm.test/v1 and vcrpy answers from
the cassette; nothing is started. Recording (`make record-llm-cassettes`): against the real OpenAI API when
OPENAI_API_KEY is set, otherwise (and always for the tests that script a bad answer) against the in-repo
fake, `tests/fakes/openai_server.py`, served on a free loopback port. Before anything is saved or matched:

* the origin (api.openai.com or the loopback fake) becomes https://llm.test;
* only the content-type header is kept, so no `authorization` (no key) and no `x-stainless-*` noise;
* response headers are reduced to content-type (no cookies, request ids or organisation names).

Bodies are matched as JSON, with the pydantic version in `errors.pydantic.dev/<version>/` links (part of
a re-ask's message) ignored: a prompt, mapping or model change fails until re-recorded on purpose.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

from vcr.request import Request
from vcr.util import read_body

from tests.fakes.openai_server import FakeOpenAI, serve

REPLAY_ORIGIN = "https://llm.test"
REPLAY_BASE_URL = f"{REPLAY_ORIGIN}/v1"
OPENAI_BASE_URL = "https://api.openai.com/v1"
MODEL = "gpt-4o-mini"
KEPT_HEADERS = frozenset({"content-type"})
_ORIGIN = re.compile(r"^https?://(?:127\.0\.0\.1|localhost|api\.openai\.com)(?::\d+)?")
_PYDANTIC_DOCS = re.compile(r"errors\.pydantic\.dev/[0-9.]+/")


def scrub_request(request: Request) -> Request:
    request.uri = _ORIGIN.sub(REPLAY_ORIGIN, request.uri)
    request.headers = {k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS}
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = {k: v for k, v in response["headers"].items() if k.lower() in KEPT_HEADERS}
    return {**response, "headers": headers}


def _normalised(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _normalised(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalised(v) for v in node]
    return _PYDANTIC_DOCS.sub("errors.pydantic.dev/*/", node) if isinstance(node, str) else node


def json_body_matcher(r1: Request, r2: Request) -> None:
    """vcr matcher: the JSON bodies are equal as data (pydantic doc-link versions aside)."""
    left, right = (_normalised(json.loads(read_body(r) or b"null")) for r in (r1, r2))
    assert left == right, "request bodies differ: re-record with `make record-llm-cassettes` if on purpose"


def vcr_config() -> dict[str, Any]:
    return {
        "match_on": ["method", "scheme", "host", "port", "path", "query", "llm_json_body"],
        "filter_headers": ["authorization"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_fake(answers: list[dict[str, Any]]) -> Iterator[tuple[str, FakeOpenAI]]:
    """The fake on a free loopback port, in a thread; yields its base URL and the fake."""
    fake = FakeOpenAI(answers)
    server = serve(fake, free_port())
    thread = threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
