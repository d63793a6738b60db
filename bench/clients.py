"""httpx clients for load: one client (one keep-alive connection) per simulated sender.

httpx's pool gets slow with many connections in one client (measured on the 2-core machine: 64
connections in one AsyncClient gave ~180 req/s with the load generator at 100% CPU; 64 clients of one
connection each gave ~1,700 req/s), so every sender gets its own client. They share one SSL context,
which httpx would otherwise build (slowly) per client even for http:// URLs.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def sender_client(base_url: str, timeout: float = 30.0) -> httpx.AsyncClient:
    """A client with a single keep-alive connection."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, verify=_ssl_context(), limits=httpx.Limits(max_connections=1)
    )
