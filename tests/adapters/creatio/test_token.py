"""OAuth client credentials: request shape, single flight, early refresh, 401 handling, error reasons."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import parse_qs
from uuid import UUID

import httpx
import pytest

from app.adapters.creatio import (
    CreatioAuthError,
    CreatioClient,
    CreatioRetryableError,
)
from tests.support.fake_creatio import (
    CLIENT_ID,
    ODATA,
    SECRET,
    TOKEN_PREFIX,
    TOKEN_URL,
    FakeCreatio,
    connection,
    html_page,
    json_response,
)

CASE_ID = UUID("0b7f1c52-2c6a-4f4e-9a4e-0d5c2b1f7a10")
CASE = {"Id": str(CASE_ID), "Subject": "Printer on fire"}


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ok_case(request: httpx.Request) -> httpx.Response:
    return json_response(200, {"@odata.context": f"{ODATA}/$metadata#Case/$entity", **CASE})


def refuse_first_token(request: httpx.Request) -> httpx.Response:
    if request.headers["authorization"] == f"Bearer {TOKEN_PREFIX}1":
        return httpx.Response(401)
    return ok_case(request)


async def test_token_request_shape(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.odata = ok_case
    assert await client.get("Case", CASE_ID) == CASE
    [request] = fake.token_requests
    assert request.method == "POST"
    assert str(request.url) == TOKEN_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert fake.bearer(0) == f"Bearer {TOKEN_PREFIX}1"


async def test_100_concurrent_calls_on_a_cold_cache_make_exactly_one_token_request(
    fake: FakeCreatio, http: httpx.AsyncClient
) -> None:
    fake.token_delay = 0.05
    fake.odata = ok_case
    client = CreatioClient(connection(), http, max_concurrency=100)
    results = await asyncio.gather(*(client.get("Case", CASE_ID) for _ in range(100)))
    assert results == [CASE] * 100
    assert len(fake.token_requests) == 1
    assert len(fake.odata_requests) == 100
    assert {r.headers["authorization"] for r in fake.odata_requests} == {f"Bearer {TOKEN_PREFIX}1"}
    assert client.token_state.token_requests == 1


async def test_a_failed_fetch_is_shared_by_all_waiters(fake: FakeCreatio, http: httpx.AsyncClient) -> None:
    fake.token_delay = 0.05
    fake.token_handler = lambda r: json_response(400, {"error": "invalid_client"})
    client = CreatioClient(connection(), http, max_concurrency=50)
    outcomes = await asyncio.gather(*(client.get("Case", CASE_ID) for _ in range(50)), return_exceptions=True)
    assert all(isinstance(o, CreatioAuthError) and o.reason == "invalid_client" for o in outcomes)
    assert len(fake.token_requests) == 1
    assert fake.odata_requests == []


async def test_token_is_refreshed_60_seconds_before_expiry(
    fake: FakeCreatio, http: httpx.AsyncClient
) -> None:
    fake.odata = ok_case
    clock = FakeClock()
    client = CreatioClient(connection(), http, clock=clock)
    await client.get("Case", CASE_ID)
    clock.now += 3539
    await client.get("Case", CASE_ID)
    assert len(fake.token_requests) == 1
    clock.now += 2  # 59 s before expiry
    await client.get("Case", CASE_ID)
    assert len(fake.token_requests) == 2
    assert fake.bearer(2) == f"Bearer {TOKEN_PREFIX}2"


async def test_short_lived_tokens_refresh_at_half_their_lifetime(
    fake: FakeCreatio, http: httpx.AsyncClient
) -> None:
    fake.odata = ok_case
    fake.expires_in = 30
    clock = FakeClock()
    client = CreatioClient(connection(), http, clock=clock)
    await client.get("Case", CASE_ID)
    clock.now += 14
    await client.get("Case", CASE_ID)
    assert len(fake.token_requests) == 1
    clock.now += 2
    await client.get("Case", CASE_ID)
    assert len(fake.token_requests) == 2


async def test_a_401_forces_one_refresh_and_the_call_succeeds(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = refuse_first_token
    assert await client.get("Case", CASE_ID) == CASE
    assert len(fake.token_requests) == 2
    assert [r.headers["authorization"] for r in fake.odata_requests] == [
        f"Bearer {TOKEN_PREFIX}1",
        f"Bearer {TOKEN_PREFIX}2",
    ]


async def test_a_second_401_is_an_auth_error_without_more_retries(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = lambda r: httpx.Response(401)
    with pytest.raises(CreatioAuthError) as info:
        await client.get("Case", CASE_ID)
    assert info.value.reason == "unauthorized"
    assert info.value.status == 401
    assert "401 Unauthorized to GET Case(0b7f1c52-2c6a-4f4e-9a4e-0d5c2b1f7a10)" in info.value.message
    assert "OAuth app is Active" in info.value.message
    assert len(fake.token_requests) == 2
    assert len(fake.odata_requests) == 2


async def test_concurrent_401s_share_one_refresh(fake: FakeCreatio, http: httpx.AsyncClient) -> None:
    client = CreatioClient(connection(), http, max_concurrency=20)
    await client.authenticate()
    fake.token_delay = 0.05
    fake.odata = refuse_first_token
    results = await asyncio.gather(*(client.get("Case", CASE_ID) for _ in range(20)))
    assert results == [CASE] * 20
    assert len(fake.token_requests) == 2
    assert len(fake.odata_requests) == 40


async def test_an_html_page_from_odata_is_treated_like_a_refused_token(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.odata = lambda r: html_page()
    with pytest.raises(CreatioAuthError) as info:
        await client.list("Case", top=1)
    assert info.value.reason == "invalid_response"
    assert "HTML page instead of OData JSON" in info.value.message
    assert "https://acme.creatio.com/0/odata" in info.value.message
    assert len(fake.token_requests) == 2


async def test_authenticate_forces_a_new_token(fake: FakeCreatio, client: CreatioClient) -> None:
    await client.authenticate()
    await client.authenticate()
    assert len(fake.token_requests) == 2


async def test_token_state(fake: FakeCreatio, http: httpx.AsyncClient) -> None:
    clock = FakeClock()
    client = CreatioClient(connection(), http, clock=clock)
    before = client.token_state
    assert (before.has_token, before.expires_at, before.token_requests, before.last_error) == (
        False,
        None,
        0,
        None,
    )
    assert before.token_endpoint == TOKEN_URL
    await client.authenticate()
    clock.now += 600
    state = client.token_state
    assert state.has_token is True
    assert state.expires_in_seconds == 3000
    assert state.expires_at is not None
    assert abs((state.expires_at - datetime.now(UTC)).total_seconds() - 3000) < 5
    assert state.token_requests == 1
    clock.now += 3001
    assert client.token_state.has_token is False
    assert TOKEN_PREFIX not in repr(client.token_state)


def connect_error(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


TOKEN_FAILURES = [
    (lambda r: html_page(200), "wrong_identity_url", "with an HTML page (probably the Creatio login page)"),
    (lambda r: httpx.Response(404), "wrong_identity_url", "answered 404: there is no token endpoint"),
    (
        lambda r: httpx.Response(302, headers={"location": "https://acme.creatio.com/Login?ReturnUrl=x"}),
        "wrong_identity_url",
        "a redirect to https://acme.creatio.com/Login",
    ),
    (
        lambda r: json_response(400, {"error": "invalid_client"}),
        "invalid_client",
        "wrong client id or secret",
    ),
    (lambda r: httpx.Response(401), "invalid_client", "wrong client id or secret"),
    (
        lambda r: json_response(400, {"error": "unsupported_grant_type"}),
        "unsupported_grant_type",
        "the OAuth app in Creatio must use the Client Credentials grant type",
    ),
    (
        lambda r: json_response(400, {"error": "unauthorized_client"}),
        "unsupported_grant_type",
        "the OAuth app in Creatio must use the Client Credentials grant type",
    ),
    (connect_error, "unreachable", "Could not reach the Creatio identity service at " + TOKEN_URL),
    (read_timeout, "unreachable", "(timed out)"),
    (lambda r: httpx.Response(503), "unavailable", "temporarily unavailable"),
    (lambda r: json_response(200, {"expires_in": 3600}), "invalid_response", "without an access_token"),
    (
        lambda r: json_response(400, {"error": "invalid_request", "error_description": "client_id missing"}),
        "invalid_response",
        "with error 'invalid_request' (client_id missing)",
    ),
]


@pytest.mark.parametrize(("handler", "reason", "message"), TOKEN_FAILURES)
async def test_token_failures_name_the_reason_and_the_fix(
    fake: FakeCreatio, client: CreatioClient, handler: object, reason: str, message: str
) -> None:
    fake.token_handler = handler  # type: ignore[assignment]
    with pytest.raises(CreatioAuthError) as info:
        await client.authenticate()
    assert info.value.reason == reason
    assert message in info.value.message
    assert client.token_state.last_error == info.value.message
    assert client.token_state.last_error_reason == reason
    assert isinstance(info.value, CreatioRetryableError) == (reason in ("unreachable", "unavailable"))
    assert SECRET not in info.value.message


async def test_wrong_identity_url_message_says_what_to_check(
    fake: FakeCreatio, client: CreatioClient
) -> None:
    fake.token_handler = lambda r: html_page(200)
    with pytest.raises(CreatioAuthError) as info:
        await client.authenticate()
    assert info.value.message == (
        f"POST {TOKEN_URL} answered 200 with an HTML page (probably the Creatio login page) instead of a "
        "token. Check the identity URL: Creatio cloud uses https://<site>-is.creatio.com; on-site installs "
        "use the Identity Service address (its discovery document names the token endpoint), or leave it "
        "empty for <instance>/0/connect/token."
    )


async def test_identity_503_carries_retry_after(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.token_handler = lambda r: httpx.Response(503, headers={"retry-after": "30"})
    with pytest.raises(CreatioRetryableError) as info:
        await client.authenticate()
    assert info.value.retry_after == 30.0


async def test_last_error_clears_after_a_successful_fetch(fake: FakeCreatio, client: CreatioClient) -> None:
    fake.token_handler = lambda r: json_response(400, {"error": "invalid_client"})
    with pytest.raises(CreatioAuthError):
        await client.authenticate()
    fake.token_handler = fake.issue_token
    await client.authenticate()
    state = client.token_state
    assert (state.has_token, state.last_error, state.last_error_reason, state.token_requests) == (
        True,
        None,
        None,
        2,
    )
