"""Unexpected failures are logged with their traceback; bodies nested past the parser's depth are a 400."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.db.admin import AdminQueries
from app.web.services import WebServices
from tests.support.events import message, signed

Client = AsyncTestClient[Litestar]


async def test_an_unexpected_failure_is_a_500_with_its_traceback_in_the_log(
    app_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(AdminQueries, "jobs", broken)
    with caplog.at_level(logging.ERROR, logger="app.web.errors"):
        response = await app_client.get("/api/v1/admin/jobs")
    assert response.status_code == 500
    assert response.json() == {"status_code": 500, "detail": "Internal Server Error"}
    assert "the disk is on fire" not in response.text
    [record] = [r for r in caplog.records if r.name == "app.web.errors"]
    where = (record.getMessage(), getattr(record, "path", None), getattr(record, "method", None))
    assert where == ("request failed", "/api/v1/admin/jobs", "GET")
    assert record.exc_info is not None
    assert "the disk is on fire" in str(record.exc_info[1])


async def test_a_failure_in_event_intake_is_logged_too(
    intake_client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    services: WebServices = intake_client.app.state.services

    async def broken(*_: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.intake, "record", broken)
    body, headers = signed(message("conv_1", "m1", "hi"))
    with caplog.at_level(logging.ERROR, logger="app.web.errors"):
        response = await intake_client.post("/api/v1/events", content=body, headers=headers)
    assert response.status_code == 500
    assert any(r.name == "app.web.errors" and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("path", ["/api/v1/admin/connection/test", "/api/v1/field-mappings/preview"])
async def test_a_body_nested_past_the_parser_depth_is_a_400(app_client: Client, path: str) -> None:
    body = b"[" * 1000 + b"]" * 1000
    response = await app_client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
