"""Logging in to the console and the CSRF token of its forms."""

from __future__ import annotations

import re

import httpx

from tests.support.casebridge import ADMIN_TOKEN, Client

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def login(client: Client, token: str = ADMIN_TOKEN) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"admin_token": token, "csrf_token": csrf_of(page.text), "next": "/console/health"},
        follow_redirects=False,
    )


async def form_token(client: Client, path: str = "/console/health") -> str:
    """The CSRF token of the current session, read from any console page."""
    return csrf_of((await client.get(path)).text)
