"""A deterministic OpenAI-compatible chat-completions fake: answers from a script, on loopback or in-process.

Each request gets the next scripted answer: `{"arguments": {...}}` becomes one tool call to the tool the
request asked for (its name echoed, `arguments` as a JSON string, like the real API);
`{"status": 500, "message": "..."}` becomes an error answer. Usage figures are derived from the request
and answer sizes, so they are the same on every run.

    python -m tests.support.openai_server --port 18081 --script answers.json
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

CREATED = 1764324000
PATH = "/v1/chat/completions"


@dataclass
class FakeOpenAI:
    script: list[dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def respond(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            number = len(self.requests)
            step = self.script[number - 1] if number <= len(self.script) else None
        if step is None:
            return 500, _error(f"the fake has no answer scripted for request {number}")
        if "arguments" not in step:
            return int(step.get("status", 500)), _error(step.get("message", "scripted failure"))
        return 200, completion(body, step["arguments"], number)


def completion(body: dict[str, Any], arguments: dict[str, Any], number: int) -> dict[str, Any]:
    tool = body["tools"][0]["function"]["name"]
    encoded = json.dumps(arguments, ensure_ascii=False)
    prompt_chars = sum(len(str(m.get("content") or "")) for m in body["messages"])
    prompt_tokens, completion_tokens = prompt_chars // 4 + 20, len(encoded) // 4 + 5
    message = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": [
            {"id": f"call_{number}", "type": "function", "function": {"name": tool, "arguments": encoded}}
        ],
    }
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": None, "message": message}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


def mock_transport(fake: FakeOpenAI) -> httpx.MockTransport:
    """The fake served in-process to an httpx client (no sockets)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.rstrip("/").endswith("/chat/completions"):
            status, payload = fake.respond(json.loads(request.content))
            return httpx.Response(status, json=payload)
        return httpx.Response(404, json=_error("not found"))

    return httpx.MockTransport(handle)


def serve(fake: FakeOpenAI, port: int) -> ThreadingHTTPServer:
    """The fake on http://127.0.0.1:<port>/v1 (call `serve_forever()` on the result)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length))
            status, payload = (
                fake.respond(body) if self.path.rstrip("/") == PATH else (404, _error("not found"))
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--script", type=Path, required=True, help="JSON list of scripted answers")
    args = parser.parse_args()
    server = serve(FakeOpenAI(json.loads(args.script.read_text(encoding="utf-8"))), args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
