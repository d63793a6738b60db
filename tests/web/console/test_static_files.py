"""Static files: a path no file can have (a NUL, a name too long, a path through a file) is a 404."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.web.console.templating import static_router
from tests.support.casebridge import Client

IMPOSSIBLE = {
    "nul": "/static/console.css%00.js",
    "only-nul": "/static/%00",
    "through-a-file": "/static/console.css/x",  # ENOTDIR
    "name-too-long": "/static/" + "a" * 300,  # ENAMETOOLONG
    "path-too-long": "/static/" + "a/" * 3000,
}


@pytest.mark.parametrize("path", IMPOSSIBLE.values(), ids=IMPOSSIBLE.keys())
async def test_the_static_router_answers_a_path_no_file_can_have_with_404(path: str) -> None:
    async with AsyncTestClient(app=Litestar(route_handlers=[static_router()])) as client:
        response = await client.get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("path", IMPOSSIBLE.values(), ids=IMPOSSIBLE.keys())
async def test_the_app_answers_404_without_login_and_logs_no_traceback(
    console: Client, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await console.get(path)
    assert response.status_code == 404
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


async def test_existing_files_are_still_served(console: Client) -> None:
    response = await console.get("/static/console.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
