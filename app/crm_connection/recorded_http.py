"""Creatio's answers as the self-test shows them: an httpx client that sends through the connection's own
client and records each answer (status and body), with every secret it saw go by redacted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

MAX_BODY_CHARS = 1500
REDACTED = "[redacted]"
_TOKEN_FIELDS = re.compile(r'("(?:access_token|refresh_token|id_token)"\s*:\s*")[^"]*(")')


@dataclass(frozen=True)
class Answer:
    """One request and Creatio's answer to it; `body` is already redacted and cut."""

    method: str
    url: str  # without the query string
    status: int
    body: str

    def describe(self) -> str:
        shown = self.body or "(empty body)"
        return f"HTTP {self.status} to {self.method} {self.url}: {shown}"


class AnswerRecorder:
    """Every answer of one self-test, in order. Secrets seen on the way (the client secret, every Bearer
    token sent, every access token issued) are kept only to be cut out of whatever is shown."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self.answers: list[Answer] = []
        self._secrets: set[str] = {s for s in secrets if s}

    def client(self, through: httpx.AsyncClient) -> httpx.AsyncClient:
        """A client with `through`'s headers and timeouts whose requests `through` sends (its transport,
        pools and test doubles); close it after use (`through` stays open)."""
        return httpx.AsyncClient(
            transport=_Through(through),
            headers=through.headers,
            timeout=through.timeout,
            follow_redirects=False,
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )

    def since(self, mark: int) -> list[Answer]:
        return self.answers[mark:]

    def redact(self, text: str) -> str:
        text = _TOKEN_FIELDS.sub(rf"\1{REDACTED}\2", text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    async def _on_request(self, request: httpx.Request) -> None:
        _scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if credentials.strip():
            self._secrets.add(credentials.strip())

    async def _on_response(self, response: httpx.Response) -> None:
        await response.aread()
        payload = _json(response.content)
        if isinstance(payload, dict) and isinstance(payload.get("access_token"), str):
            self._secrets.add(payload["access_token"])
        body = self.redact(_shown_body(response, payload))
        request = response.request
        url = str(request.url.copy_with(query=None))
        self.answers.append(Answer(request.method, url, response.status_code, body))


class _Through(httpx.AsyncBaseTransport):
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._http.send(request, stream=True, follow_redirects=False)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            extensions=response.extensions,
        )


def _json(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        return None


def _shown_body(response: httpx.Response, payload: Any) -> str:
    """The body as text, cut to MAX_BODY_CHARS; of a `$batch` answer only its failed sub-responses."""
    if isinstance(payload, dict) and isinstance(payload.get("responses"), list):
        failed = [
            {key: r[key] for key in ("id", "status", "body") if key in r}
            for r in payload["responses"]
            if isinstance(r, dict) and not _is_2xx(r.get("status"))
        ]
        if failed:
            payload = {"responses (failed only)": failed}
    text = (
        json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if payload is not None
        else response.content.decode("utf-8", "replace")
    )
    text = " ".join(text.split())
    if len(text) <= MAX_BODY_CHARS:
        return text
    return f"{text[:MAX_BODY_CHARS]}… ({len(text) - MAX_BODY_CHARS} more characters)"


def _is_2xx(status: Any) -> bool:
    return isinstance(status, int) and 200 <= status < 300
