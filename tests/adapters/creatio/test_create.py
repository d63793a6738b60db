"""Idempotent create: read by Id after an ambiguous failure; a duplicate-Id answer counts as success."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from app.adapters.creatio import CreatioClient, CreatioPermanentError, CreatioRetryableError
from tests.support.fake_creatio import ODATA, FakeCreatio, creatio_error, json_response

CASE_ID = UUID("c0ffee00-1b0e-4c53-9e5e-6a3c2f0d9b11")
BODY = {"Id": CASE_ID, "Subject": "Invoice is wrong"}
SQLSERVER_DUP = (
    "Violation of PRIMARY KEY constraint 'PKCase'. Cannot insert duplicate key in object 'dbo.Case'. "
    f"The duplicate key value is ({CASE_ID})."
)
POSTGRES_DUP = 'duplicate key value violates unique constraint "PK_Case"'

Failure = Callable[[httpx.Request], httpx.Response]


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def connect_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


class CaseStore:
    """A tiny Case table: POST inserts (duplicate Id -> 500 like Creatio), GET Case(<id>) reads."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.fail_before_insert: list[Failure] = []
        self.fail_after_insert: list[Failure] = []
        self.duplicate_message = SQLSERVER_DUP
        self.created_status = 201

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            match = re.fullmatch(r"/0/odata/Case\(([0-9a-f-]{36})\)", request.url.path)
            assert match, request.url
            row = self.rows.get(match.group(1))
            return json_response(200, row) if row else creatio_error(404, internal="Not found")
        assert (request.method, request.url.path) == ("POST", "/0/odata/Case")
        if self.fail_before_insert:
            return self.fail_before_insert.pop(0)(request)
        body = json.loads(request.content)
        if body["Id"] in self.rows:
            return creatio_error(500, internal=self.duplicate_message)
        self.rows[body["Id"]] = {**body, "Number": f"SR{len(self.rows) + 1:08d}"}
        if self.fail_after_insert:
            return self.fail_after_insert.pop(0)(request)
        if self.created_status == 204:
            return httpx.Response(204)
        entity = {"@odata.context": f"{ODATA}/$metadata#Case/$entity", **self.rows[body["Id"]]}
        return json_response(201, entity, {"location": f"{ODATA}/Case({body['Id']})"})


@pytest.fixture
def store(fake: FakeCreatio) -> CaseStore:
    table = CaseStore()
    fake.odata = table
    return table


def methods(fake: FakeCreatio) -> list[str]:
    return [r.method for r in fake.odata_requests]


async def test_create_posts_once_and_returns_the_stored_entity(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    created = await client.create("Case", BODY)
    assert created == {"Id": str(CASE_ID), "Subject": "Invoice is wrong", "Number": "SR00000001"}
    [request] = fake.odata_requests
    assert str(request.url) == f"{ODATA}/Case"
    assert request.headers["content-type"] == "application/json; charset=utf-8; IEEE754Compatible=true"
    assert json.loads(request.content) == {"Id": str(CASE_ID), "Subject": "Invoice is wrong"}


async def test_after_a_timeout_the_retry_reads_by_id_and_does_not_post_again(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    store.fail_after_insert.append(read_timeout)
    with pytest.raises(CreatioRetryableError) as info:
        await client.create("Case", BODY)
    assert info.value.ambiguous is True
    created = await client.create("Case", BODY)
    assert created["Number"] == "SR00000001"
    assert methods(fake) == ["POST", "GET"]
    assert str(fake.odata_requests[1].url) == f"{ODATA}/Case({CASE_ID})"
    assert len(store.rows) == 1


async def test_after_a_timeout_that_created_nothing_the_retry_posts(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    store.fail_before_insert.append(read_timeout)
    with pytest.raises(CreatioRetryableError):
        await client.create("Case", BODY)
    await client.create("Case", BODY)
    assert methods(fake) == ["POST", "GET", "POST"]
    assert len(store.rows) == 1


async def test_after_a_5xx_the_retry_reads_first(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    store.fail_after_insert.append(lambda r: creatio_error(503, internal="Service unavailable"))
    with pytest.raises(CreatioRetryableError):
        await client.create("Case", BODY)
    await client.create("Case", BODY)
    assert methods(fake) == ["POST", "GET"]


async def test_after_a_connect_error_the_retry_posts_directly(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    store.fail_before_insert.append(connect_error)
    with pytest.raises(CreatioRetryableError) as info:
        await client.create("Case", BODY)
    assert info.value.ambiguous is False
    await client.create("Case", BODY)
    assert methods(fake) == ["POST", "POST"]


@pytest.mark.parametrize("message", [SQLSERVER_DUP, POSTGRES_DUP])
async def test_a_duplicate_id_answer_counts_as_success(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient, message: str
) -> None:
    store.duplicate_message = message
    store.rows[str(CASE_ID)] = {"Id": str(CASE_ID), "Subject": "Invoice is wrong", "Number": "SR00000007"}
    created = await client.create("Case", BODY)  # e.g. a new process retrying a job
    assert created["Number"] == "SR00000007"
    assert methods(fake) == ["POST", "GET"]


async def test_a_duplicate_on_another_unique_key_is_a_permanent_error(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = lambda r: (
        creatio_error(500, internal=POSTGRES_DUP.replace("PK_Case", "IUNumber"))
        if r.method == "POST"
        else creatio_error(404, internal="Not found")
    )
    with pytest.raises(CreatioPermanentError) as info:
        await client.create("Case", BODY)
    assert info.value.status == 500
    assert info.value.creatio_message == 'duplicate key value violates unique constraint "IUNumber"'
    assert "already exists on another record" in info.value.message
    assert methods(fake) == ["POST", "GET"]


async def test_check_existing_reads_before_posting(
    fake: FakeCreatio, store: CaseStore, client: CreatioClient
) -> None:
    store.rows[str(CASE_ID)] = {"Id": str(CASE_ID), "Number": "SR00000003"}
    assert (await client.create("Case", BODY, check_existing=True))["Number"] == "SR00000003"
    assert methods(fake) == ["GET"]


async def test_a_204_create_is_read_back(fake: FakeCreatio, store: CaseStore, client: CreatioClient) -> None:
    store.created_status = 204
    assert (await client.create("Case", BODY))["Number"] == "SR00000001"
    assert methods(fake) == ["POST", "GET"]


async def test_a_permanent_failure_is_raised_and_not_remembered(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = lambda r: creatio_error(400, internal="The property 'Foo' does not exist on type 'Case'.")
    for _ in range(2):
        with pytest.raises(CreatioPermanentError):
            await client.create("Case", {**BODY, "Foo": 1})
    assert methods(fake) == ["POST", "POST"]


@pytest.mark.parametrize("body", [{"Subject": "x"}, {"Id": "not-a-guid"}, {"Id": None}])
async def test_create_requires_a_client_generated_id(client: CreatioClient, body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="client-generated UUID"):
        await client.create("Case", body)
