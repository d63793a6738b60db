"""SpreadTransport: each request takes the pool with the fewest in flight, until its body is read."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.adapters.creatio.http import SpreadTransport


class Pool(httpx.AsyncBaseTransport):
    """Stands in for one httpx pool: records which requests it got, answers when released."""

    def __init__(self, name: str, log: list[str], gate: asyncio.Event) -> None:
        self.name, self.log, self.gate = name, log, gate

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.log.append(self.name)
        await self.gate.wait()
        if request.url.path == "/fail":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, stream=httpx.ByteStream(b"{}"))


def spread(pools: int, gate: asyncio.Event) -> tuple[SpreadTransport, list[str]]:
    transport, log = SpreadTransport(pools), []
    transport._pools = [Pool(str(i), log, gate) for i in range(pools)]  # type: ignore[assignment]
    return transport, log


async def test_concurrent_requests_take_different_pools_and_release_them() -> None:
    gate = asyncio.Event()
    transport, log = spread(3, gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://creatio.test") as client:
        requests = [asyncio.create_task(client.get(f"/r{i}")) for i in range(4)]
        await asyncio.sleep(0.01)
        assert sorted(log[:3]) == ["0", "1", "2"]  # one each before any pool gets a second
        assert transport._in_flight == [2, 1, 1]  # the fourth waits on the least busy (the first)
        gate.set()
        assert [r.status_code for r in await asyncio.gather(*requests)] == [200] * 4
    assert transport._in_flight == [0, 0, 0]  # released once each body was read


async def test_a_failed_request_frees_its_pool() -> None:
    gate = asyncio.Event()
    gate.set()
    transport, _ = spread(2, gate)
    async with httpx.AsyncClient(transport=transport, base_url="http://creatio.test") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/fail")
        assert transport._in_flight == [0, 0]
        async with client.stream("GET", "/ok") as response:
            assert transport._in_flight == [1, 0]  # busy while the body is still open
            await response.aread()
    assert transport._in_flight == [0, 0]


def test_at_least_one_pool() -> None:
    with pytest.raises(ValueError, match="pools"):
        SpreadTransport(0)
