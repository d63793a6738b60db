"""A deterministic OpenAI-compatible chat-completions fake: answers from a script, on loopback or in-process.

Each request gets the next scripted answer, in the form the request asked for:

* `{"arguments": {...}}`: with `tools`, one tool call to the tool the request named (`arguments` as a JSON
  string, like the real API); with `response_format` (json_schema or json_object), the JSON as the message
  content; with neither (instructor's md_json), the JSON in a ```json block;
* `{"refusal": "..."}`: no content, the `refusal` field set (OpenAI's structured-output refusal);
* `{"truncated": {...}}`: the answer cut in the middle, `finish_reason` "length" (the output limit);
* `{"status": 500, "message": "..."}`: an error answer.

The `Provider` says what the server supports, like the kinds of OpenAI-compatible servers: OPENAI (all),
NO_TOOLS (an Ollama model without tool support: a request with `tools` gets Ollama's 400 "<model> does not
support tools", ollama/ollama#5793), JSON_ONLY (`response_format` json_object only: tools and json_schema
refused with a 400), PROSE (a chatty local model: ignores `tools` and `response_format` and answers in
prose around a ```json block). JSON_ONLY and PROSE are composites of what local servers and models are
reported to do, not a copy of one named server; OPENAI refuses json_object when no message says "JSON",
as OpenAI's JSON mode documents. Usage figures are derived from the request and answer sizes, so they are
the same on every run.

    python -m tests.support.openai_server --port 18081 --script answers.json [--provider no_tools]
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


@dataclass(frozen=True)
class Provider:
    name: str
    tools: bool = True
    json_schema: bool = True
    json_object: bool = True
    prose: bool = False  # answers in prose around a ```json block, whatever was asked
    # OpenAI refuses json_object unless a message says "JSON" (platform.openai.com, "JSON mode")
    json_word_required: bool = False


OPENAI = Provider("openai", json_word_required=True)
NO_TOOLS = Provider("no_tools", tools=False)
JSON_ONLY = Provider("json_only", tools=False, json_schema=False)
PROSE = Provider("prose", tools=False, json_schema=False, json_object=False, prose=True)
PROVIDERS = {p.name: p for p in (OPENAI, NO_TOOLS, JSON_ONLY, PROSE)}


@dataclass
class FakeOpenAI:
    script: list[dict[str, Any]]
    provider: Provider = OPENAI
    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def respond(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            number = len(self.requests)
            step = self.script[number - 1] if number <= len(self.script) else None
        unsupported = self._unsupported(body)
        if unsupported is not None:
            return 400, _error(unsupported, "api_error")
        if step is None:
            return 500, _error(f"the fake has no answer scripted for request {number}")
        if "status" in step:
            return int(step["status"]), _error(step.get("message", "scripted failure"))
        return 200, completion(body, step, number, self.provider)

    def _unsupported(self, body: dict[str, Any]) -> str | None:
        """The 400 a server gives for a request form it does not support (a prose model ignores them)."""
        if self.provider.prose:
            return None
        if body.get("tools") and not self.provider.tools:
            return f"{body['model']} does not support tools"
        kind = (body.get("response_format") or {}).get("type")
        if (kind == "json_schema" and not self.provider.json_schema) or (
            kind == "json_object" and not self.provider.json_object
        ):
            return f"response_format type {kind} is not supported"
        said = " ".join(str(m.get("content") or "") for m in body.get("messages", [])).lower()
        if kind == "json_object" and self.provider.json_word_required and "json" not in said:
            return (
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                "'json_object'."
            )
        return None


def completion(body: dict[str, Any], step: dict[str, Any], number: int, provider: Provider) -> dict[str, Any]:
    """A chat completion answering `body` with a scripted step (arguments, refusal or truncated)."""
    arguments = step.get("arguments", step.get("truncated"))
    encoded = json.dumps(arguments, ensure_ascii=False) if arguments is not None else ""
    if "truncated" in step:
        encoded = encoded[: len(encoded) // 2]
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    finish_reason = "length" if "truncated" in step else "stop"
    if "refusal" in step:
        message["refusal"] = step["refusal"]
    elif provider.prose:
        message["content"] = f"Sure! Here are the case fields:\n```json\n{encoded}\n```\nHope this helps."
    elif body.get("tools"):
        tool = body["tools"][0]["function"]["name"]
        call = {"id": f"call_{number}", "type": "function", "function": {"name": tool, "arguments": encoded}}
        message["tool_calls"] = [call]
        finish_reason = "length" if "truncated" in step else "tool_calls"
    elif body.get("response_format"):
        message["content"] = encoded
    else:
        message["content"] = f"```json\n{encoded}\n```"
    prompt_chars = sum(len(str(m.get("content") or "")) for m in body["messages"])
    answer_chars = len(encoded or str(step.get("refusal", "")))
    prompt_tokens, completion_tokens = prompt_chars // 4 + 20, answer_chars // 4 + 5
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None, "message": message}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(message: str, kind: str = "server_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


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
    parser.add_argument("--provider", choices=sorted(PROVIDERS), default=OPENAI.name)
    args = parser.parse_args()
    script = json.loads(args.script.read_text(encoding="utf-8"))
    server = serve(FakeOpenAI(script, PROVIDERS[args.provider]), args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()
