"""`python -m bench.proxy --port 19001 --backend http://127.0.0.1:19000 --backend http://127.0.0.1:19002`:
a tiny HTTP/1.1 reverse proxy, round-robin over the backends, for trying the deploy/ topology (two
`serve` instances behind a proxy) as plain processes where no container engine runs.

It does what the deploy/ proxies (Caddy, nginx) are configured to do, no more: a backend that refuses
the connection is skipped (and left alone for a second); a request already sent to a backend that then
fails is answered 502 and never re-sent elsewhere (a POST is not idempotent: the client posts again);
`X-Forwarded-For` carries the client's address. Bodies must have a Content-Length (Casebridge's answers
and the chat platform's events do); anything chunked is refused with 501. Loopback only, not for
production.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"}
IDLE_SECONDS = 2.0  # uvicorn closes idle keep-alive connections after 5 s; never reuse one near that
DOWN_SECONDS = 1.0
MAX_HEAD = 64 * 1024


class BadRequest(Exception):
    status = 400


class Unsupported(BadRequest):
    status = 501


@dataclass
class Message:
    start_line: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def encode(self, extra: Sequence[tuple[str, str]] = ()) -> bytes:
        kept = [
            (k, v) for k, v in self.headers if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"
        ]
        lines = [self.start_line, *[f"{k}: {v}" for k, v in [*kept, *extra]]]
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


async def read_message(reader: asyncio.StreamReader, *, response_to_head: bool = False) -> Message | None:
    """One request or response; None when the peer closed the connection before sending anything."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise BadRequest("connection closed inside the head") from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequest("head too large") from exc
    start_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines if line)]
    message = Message(start_line, headers)
    if (message.header("transfer-encoding") or "").lower() not in ("", "identity"):
        raise Unsupported("chunked bodies are not supported")
    length = message.header("content-length")
    if length is not None and not response_to_head:
        message.body = await reader.readexactly(int(length))
    return message


@dataclass
class Backend:
    host: str
    port: int
    down_until: float = 0.0
    idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            used_at, reader, writer = self.idle.pop()
            if time.monotonic() - used_at < IDLE_SECONDS and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)


class Proxy:
    def __init__(self, backends: list[str]) -> None:
        self._backends = [_backend(url) for url in backends]
        self._turn = itertools.cycle(self._backends)
        self.answered_502 = 0

    async def serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = (writer.get_extra_info("peername") or ("unknown",))[0]
        try:
            while (request := await read_message(reader)) is not None:
                response = await self._forward(request, peer)
                closing = (request.header("connection") or "").lower() == "close"
                writer.write(response.encode([("Connection", "close")] if closing else ()))
                await writer.drain()
                if closing:
                    break
        except BadRequest as exc:
            writer.write(_answer(exc.status, str(exc)))
        except ValueError as exc:  # an unreadable Content-Length
            writer.write(_answer(400, str(exc)))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _forward(self, request: Message, peer: str) -> Message:
        forwarded = [("X-Forwarded-For", peer), ("X-Forwarded-Proto", "http")]
        for _ in range(len(self._backends)):
            backend = next(self._turn)
            if backend.down_until > time.monotonic():
                continue
            try:
                reader, writer = await backend.connection()
            except OSError:
                backend.down_until = time.monotonic() + DOWN_SECONDS  # refused: nothing sent, try the next
                continue
            try:
                writer.write(request.encode(forwarded))
                await writer.drain()
                head_only = request.start_line.startswith("HEAD ")
                response = await read_message(reader, response_to_head=head_only)
                if response is None:
                    raise ConnectionResetError("the backend closed the connection")
            except (OSError, asyncio.IncompleteReadError, BadRequest):
                writer.close()
                self.answered_502 += 1
                return _message(502, "the backend failed while handling the request")
            if (response.header("connection") or "").lower() == "close":
                writer.close()
            else:
                backend.idle.append((time.monotonic(), reader, writer))
            return response
        self.answered_502 += 1
        return _message(502, "no backend is reachable")


def _backend(url: str) -> Backend:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        raise ValueError(f"a backend is http://host:port, not {url!r}")
    return Backend(parts.hostname, parts.port)


def _message(status: int, text: str) -> Message:
    reason = {400: "Bad Request", 501: "Not Implemented", 502: "Bad Gateway"}.get(status, "Error")
    return Message(f"HTTP/1.1 {status} {reason}", [("Content-Type", "text/plain")], text.encode())


def _answer(status: int, text: str) -> bytes:
    return _message(status, text).encode([("Connection", "close")])


async def serve(port: int, backends: list[str], host: str = "127.0.0.1") -> None:
    proxy = Proxy(backends)
    server = await asyncio.start_server(proxy.serve_client, host, port, limit=MAX_HEAD)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"proxy on http://{host}:{port} -> {', '.join(backends)}", flush=True)
    async with server:
        await stop.wait()
    print(f"proxy stopped; answered 502 {proxy.answered_502} times", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--backend", action="append", required=True, help="http://host:port (repeatable)")
    args = p.parse_args(argv)
    asyncio.run(serve(args.port, args.backend, args.host))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
