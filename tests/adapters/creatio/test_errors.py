"""Classification of OData answers and transport failures into typed errors with human messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from uuid import UUID

import httpx
import pytest

from app.adapters.creatio import (
    CreatioClient,
    CreatioError,
    CreatioPermanentError,
    CreatioRetryableError,
)
from app.adapters.creatio.crm import translated_errors
from app.ports.errors import TemporaryFailure, Throttled
from tests.support.fake_creatio import FakeCreatio, creatio_error, json_response

CASE_ID = UUID("5f3ad5cc-1b0e-4c53-9e5e-6a3c2f0d9b11")


async def failing_list(fake: FakeCreatio, client: CreatioClient, response: httpx.Response) -> CreatioError:
    fake.odata = lambda r: response
    with pytest.raises(CreatioError) as info:
        await client.list("Case", top=5)
    return info.value


async def test_429_with_retry_after_seconds(fake: FakeCreatio, client: CreatioClient) -> None:
    error = await failing_list(fake, client, httpx.Response(429, headers={"retry-after": "120"}))
    assert isinstance(error, CreatioRetryableError)
    assert (error.status, error.retry_after, error.ambiguous) == (429, 120.0, False)
    assert error.message == (
        "Creatio answered 429 to GET Case (too many requests; retrying may help). Retry after 120 s."
    )


async def test_429_with_retry_after_http_date(fake: FakeCreatio, client: CreatioClient) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    error = await failing_list(fake, client, httpx.Response(429, headers={"retry-after": when}))
    assert isinstance(error, CreatioRetryableError)
    assert error.retry_after is not None
    assert 85 <= error.retry_after <= 90


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_retryable(fake: FakeCreatio, client: CreatioClient, status: int) -> None:
    response = creatio_error(status, internal="Request processing terminated: RAM limit of 512 MB")
    error = await failing_list(fake, client, response)
    assert isinstance(error, CreatioRetryableError)
    assert (error.status, error.retry_after, error.ambiguous) == (status, None, True)
    assert error.creatio_message == "Request processing terminated: RAM limit of 512 MB"
    kind = "service unavailable" if status == 503 else "a server error"
    assert error.message == (
        f"Creatio answered {status} to GET Case ({kind}; retrying may help). "
        "Creatio says: Request processing terminated: RAM limit of 512 MB"
    )


async def test_timeout_is_retryable_and_ambiguous(fake: FakeCreatio, client: CreatioClient) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake.odata = timeout
    with pytest.raises(CreatioRetryableError) as info:
        await client.update("Case", CASE_ID, {"Subject": "x"})
    assert (info.value.status, info.value.ambiguous) == (None, True)
    assert info.value.message == (
        f"Creatio (acme.creatio.com) did not answer PATCH Case({CASE_ID}) in time (timeout)."
    )


async def test_connect_error_is_retryable_and_not_ambiguous(fake: FakeCreatio, client: CreatioClient) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    fake.odata = refused
    with pytest.raises(CreatioRetryableError) as info:
        await client.list("Case", top=1)
    assert info.value.ambiguous is False
    assert info.value.message.startswith("Could not connect to acme.creatio.com for GET Case.")


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (400, "check the field names and values sent"),
        (403, "grant it access to this object in Creatio"),
        (404, "does not exist in Creatio"),
        (409, "conflicts with another record"),
    ],
)
async def test_4xx_is_permanent_with_creatios_nested_message(
    fake: FakeCreatio, client: CreatioClient, status: int, hint: str
) -> None:
    response = creatio_error(
        status, internal="The property 'Foo' does not exist on type 'Case'.", inner="Validation failed."
    )
    error = await failing_list(fake, client, response)
    assert isinstance(error, CreatioPermanentError)
    assert error.status == status
    assert error.creatio_message == "The property 'Foo' does not exist on type 'Case'."
    assert hint in error.message
    assert error.message.endswith("Creatio says: The property 'Foo' does not exist on type 'Case'.")


async def test_message_falls_back_to_innererror_then_error_message(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    inner_only = await failing_list(fake, client, creatio_error(400, inner="Bad literal"))
    assert isinstance(inner_only, CreatioPermanentError)
    assert inner_only.creatio_message == "Bad literal"
    top_only = await failing_list(fake, client, json_response(400, {"error": {"message": "Top level"}}))
    assert isinstance(top_only, CreatioPermanentError)
    assert top_only.creatio_message == "Top level"
    no_body = await failing_list(fake, client, httpx.Response(403))
    assert isinstance(no_body, CreatioPermanentError)
    assert no_body.creatio_message is None
    assert no_body.message == (
        "Creatio answered 403 to GET Case. The integration's technical user lacks permission; grant it "
        "access to this object in Creatio."
    )


async def test_long_creatio_messages_are_capped(fake: FakeCreatio, client: CreatioClient) -> None:
    error = await failing_list(fake, client, creatio_error(400, internal="x" * 5000))
    assert isinstance(error, CreatioPermanentError)
    assert error.creatio_message is not None
    assert len(error.creatio_message) == 600
    assert error.creatio_message.endswith("…")
    assert len(error.message) <= 1200


async def test_a_redirect_is_not_followed_and_hides_the_query(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    location = "https://acme.creatio.com/Login/NuiLogin.aspx?ReturnUrl=%2f0%2fodata&ticket=abc"
    error = await failing_list(fake, client, httpx.Response(302, headers={"location": location}))
    assert isinstance(error, CreatioPermanentError)
    assert error.status == 302
    assert "redirected GET Case (302) to https://acme.creatio.com/Login/NuiLogin.aspx." in error.message
    assert "ticket" not in error.message
    assert len(fake.odata_requests) == 1


async def test_get_returns_none_on_404_but_other_errors_raise(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = lambda r: creatio_error(404, internal="Not found")
    assert await client.get("Case", CASE_ID) is None
    fake.odata = lambda r: creatio_error(403, internal="Access denied")
    with pytest.raises(CreatioPermanentError) as info:
        await client.get("Case", CASE_ID)
    assert info.value.status == 403


async def test_a_2xx_that_is_not_odata_json_is_reported(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = lambda r: json_response(200, {"unexpected": True})
    with pytest.raises(CreatioRetryableError) as info:
        await client.list("Case", top=1)
    assert "not with the expected OData JSON" in info.value.message


@pytest.mark.parametrize(("status", "throttled"), [(429, True), (503, False), (None, False)])
async def test_the_pipeline_sees_a_429_as_throttling_and_other_transient_failures_as_failures(
    status: int | None, throttled: bool
) -> None:
    with pytest.raises(TemporaryFailure) as info:
        async with translated_errors():
            raise CreatioRetryableError("Creatio answered", status=status, retry_after=2.0)
    assert isinstance(info.value, Throttled) is throttled
    assert info.value.retry_after == 2.0
