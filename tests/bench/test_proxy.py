"""The small reverse proxy of the local deploy topology (bench/proxy.py): round-robin, a backend that
refuses connections is skipped, X-Forwarded-For is added, 502 when no backend answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bench.proxy import Proxy, read_message
from bench.rawhttp import RawConnection
from tests.support.processes import free_port


@asynccontextmanager
async def backend(name: str, port: int, seen: list[str]) -> AsyncIterator[None]:
    """Answers every request with its own name; records the X-Forwarded-For it got. On leaving, its
    connections close too, as those of a killed process do."""
    writers: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while (request := await read_message(reader)) is not None:
            seen.append(request.header("x-forwarded-for") or "")
            body = f"{name}:{request.body.decode()}".encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port)
    async with server:
        yield
        for writer in writers:
            writer.close()
    await asyncio.sleep(0.05)  # the proxy sees its pooled connections closed


@asynccontextmanager
async def proxy(port: int, backends: list[int]) -> AsyncIterator[Proxy]:
    p = Proxy([f"http://127.0.0.1:{b}" for b in backends])
    server = await asyncio.start_server(p.serve_client, "127.0.0.1", port)
    async with server:
        yield p


async def post(url: str, body: bytes) -> tuple[int, bytes]:
    http = await RawConnection.open(url)
    try:
        return await http.post("/api/v1/events", body, {"Content-Type": "application/json"})
    finally:
        await http.close()


async def test_round_robin_skips_a_backend_that_is_down_and_answers_502_when_none_is_up() -> None:
    one, two, front = free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{front}"
    seen: list[str] = []
    async with proxy(front, [one, two]) as p, backend("one", one, seen):
        async with backend("two", two, seen):
            answers = [await post(url, b"x") for _ in range(4)]
            assert sorted(body for _, body in answers) == [b"one:x", b"one:x", b"two:x", b"two:x"]
        after = [await post(url, b"y") for _ in range(3)]  # "two" is gone: refused, skipped
        assert after == [(200, b"one:y")] * 3
        assert set(seen) == {"127.0.0.1"}
    async with proxy(front, [one, two]) as p:
        status, _ = await post(url, b"z")
        assert status == 502
        assert p.answered_502 == 1
