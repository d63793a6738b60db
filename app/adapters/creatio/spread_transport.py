"""An httpx transport that spreads requests over several one-connection pools.

httpcore assigns each request by scanning every pooled connection, and each idle one costs a readiness
poll (a syscall): with one pool of 16 keep-alive connections that scan took about a tenth of the sync's CPU
(py-spy, bench/e2e.py). Pools of one connection each, picked by fewest requests in flight, scan one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx


class SpreadTransport(httpx.AsyncBaseTransport):
    def __init__(self, pools: int, *, keepalive_expiry: float = 30.0) -> None:
        if pools < 1:
            raise ValueError("pools must be >= 1")
        limits = httpx.Limits(
            max_connections=1, max_keepalive_connections=1, keepalive_expiry=keepalive_expiry
        )
        tls = httpx.create_ssl_context()  # one for all: loading the CA bundle takes ~20 ms each
        self._pools = [httpx.AsyncHTTPTransport(verify=tls, limits=limits) for _ in range(pools)]
        self._in_flight = [0] * pools

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._in_flight[index] -= 1

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        # The connection stays busy until the body is read and closed, not when the headers arrive.
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()
