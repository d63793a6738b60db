"""A minimal HTTP/1.1 keep-alive client for the intake load generator.

On a 2-core machine the load generator competes with the server for CPU, and one httpx client per
sender took far more of it; the generator's CPU is printed beside the server's (docs/performance.md,
'Intake'). This client writes a prebuilt request and reads the status line, headers and a
Content-Length body, nothing else: it only has to talk to Casebridge's own uvicorn on loopback, which
always answers with Content-Length.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit


class RawHttpError(Exception):
    """The server closed the connection or answered something this client does not read."""


class RawConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, base_url: str) -> RawConnection:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"only http://host:port URLs are supported, not {base_url!r}")
        port = parts.port or 80
        reader, writer = await asyncio.open_connection(parts.hostname, port)
        return cls(reader, writer, f"{parts.hostname}:{port}")

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST and read the whole answer: (status, body)."""
        lines = [f"POST {path} HTTP/1.1", f"Host: {self._host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError) as exc:
            raise RawHttpError(f"unreadable status line {status_line!r}") from exc
        length = next(
            (int(h.split(":", 1)[1]) for h in header_lines if h.lower().startswith("content-length:")), None
        )
        if length is None:
            raise RawHttpError("the answer has no Content-Length")
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
