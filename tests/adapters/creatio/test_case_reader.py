"""The case reader against the in-process sandbox: the auto-filled columns come with every case read, in
the same request, and a mapped column Creatio does not have never stops the reads."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from litestar import Litestar

from app.adapters.creatio import CreatioClient, CreatioInstance
from app.adapters.creatio.case_reader import CreatioCaseReader
from app.domain.creatio_ids import CaseOriginIds, CasePriorityIds
from app.sandbox.ids import SandboxIds
from app.sandbox.repository import create_entity
from tests.support.casebridge import SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_URL, store_of


def reader(sandbox_http: httpx.AsyncClient, columns: list[str]) -> CreatioCaseReader:
    instance = CreatioInstance.from_input(
        SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_SECRET, allow_insecure_loopback=True
    )
    return CreatioCaseReader(CreatioClient(instance, sandbox_http), 600, columns)


def chat_case(sandbox_app: Litestar) -> UUID:
    body = {
        "Subject": "Dashboard down",
        "OriginId": str(CaseOriginIds.CHAT),
        "PriorityId": str(CasePriorityIds.CRITICAL),
        "UsrOrderNumber": "AB-123456",
    }
    row = create_entity(store_of(sandbox_app), "Case", body, SandboxIds.TECH_CONTACT)
    return UUID(str(row["Id"]))


def case_gets(sandbox_app: Litestar) -> int:
    return store_of(sandbox_app).stats.odata[("GET", "Case")]


async def test_a_case_read_and_the_case_scan_bring_the_auto_filled_columns(
    sandbox_app: Litestar, sandbox_http: httpx.AsyncClient
) -> None:
    case_id = chat_case(sandbox_app)
    read = reader(sandbox_http, ["PriorityId", "UsrOrderNumber"])
    before = case_gets(sandbox_app)

    case = await read.read_case(case_id)
    assert case is not None
    assert {k: str(v) for k, v in case.fields.items()} == {
        "PriorityId": str(CasePriorityIds.CRITICAL),
        "UsrOrderNumber": "AB-123456",
    }
    [change] = await read.changed_cases(datetime.now(UTC) - timedelta(hours=1), top=10, skip=0)
    assert change.id == case_id
    assert change.fields == case.fields
    assert case_gets(sandbox_app) == before + 2  # one request each


async def test_a_column_creatio_lacks_is_left_out_and_the_reads_go_on(
    sandbox_app: Litestar, sandbox_http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    case_id = chat_case(sandbox_app)
    read = reader(sandbox_http, ["PriorityId", "UsrTypo"])

    with caplog.at_level(logging.WARNING):
        case = await read.read_case(case_id)
    assert case is not None
    assert case.number
    assert case.fields == {}
    assert "Creatio refused the auto-filled columns" in caplog.text
    before = case_gets(sandbox_app)
    assert [c.id for c in await read.changed_cases(datetime.now(UTC) - timedelta(hours=1), top=10, skip=0)]
    assert case_gets(sandbox_app) == before + 1  # not asked for again
