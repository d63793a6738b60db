"""Which OData root an instance answers at: detected with one cheap read per candidate, at the first request
or on demand (Test & Save), or fixed by the platform the admin chose."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from app.adapters.creatio import (
    CreatioAuthError,
    CreatioClient,
    CreatioInstance,
    CreatioPermanentError,
    CreatioRetryableError,
)
from app.domain.creatio_platforms import PlatformChoice
from tests.support.fake_creatio import SECRET, creatio_error, html_page, json_response

SITE = "https://crm.example.org"
TOKEN_URL = f"{SITE}/0/connect/token"
FRAMEWORK, CORE = f"{SITE}/0/odata", f"{SITE}/odata"
PROBE = "CaseStatus?$select=Id&$top=1"
Answer = Callable[[httpx.Request], httpx.Response]


def odata_json(request: httpx.Request) -> httpx.Response:
    return json_response(
        200, {"@odata.context": "x", "value": [{"Id": "ae5f2f10-f46b-1410-fd9a-0050ba5d6c38"}]}
    )


def status(code: int) -> Answer:
    return lambda r: httpx.Response(code)


LOGIN: Answer = lambda r: httpx.Response(302, headers={"location": f"{SITE}/Login/NuiLogin.aspx?x=1"})  # noqa: E731


class Instance:
    """Token endpoint plus one answer per OData root; records the OData requests."""

    def __init__(self, framework: Answer, core: Answer) -> None:
        self.roots = {FRAMEWORK: framework, CORE: core}
        self.sent: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == TOKEN_URL:
            return json_response(200, {"access_token": "tok", "expires_in": 3600, "token_type": "Bearer"})
        self.sent.append(url.removeprefix(SITE))
        root = CORE if url.startswith(CORE) else FRAMEWORK
        return self.roots[root](request)

    def client(self, platform: PlatformChoice = "auto") -> tuple[CreatioClient, httpx.AsyncClient]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handle))
        connection = CreatioInstance(SITE, "cid", SECRET, platform=platform, token_endpoint=TOKEN_URL)
        return CreatioClient(connection, http), http


async def test_net_framework_answers_first() -> None:
    creatio = Instance(odata_json, status(404))
    client, http = creatio.client()
    async with http:
        found = await client.detect_odata_root()
    assert (found.root, found.platform, found.others) == (FRAMEWORK, "netframework", ())
    assert creatio.sent == [f"/0/odata/{PROBE}"]


@pytest.mark.parametrize(
    ("framework", "said"),
    [
        (status(404), "answered 404"),
        (LOGIN, f"redirected (302) to {SITE}/Login/NuiLogin.aspx"),
        (lambda r: html_page(), "answered 200 with an HTML page"),
    ],
)
async def test_net_core_is_found_at_the_root_and_kept(framework: Answer, said: str) -> None:
    creatio = Instance(framework, odata_json)
    client, http = creatio.client()
    async with http:
        page = await client.list("Case", select=["Id"], top=1)
        await client.list("Case", select=["Id"], top=1)
    assert page.items
    assert client.odata_root == CORE
    listed = "/odata/Case?$select=Id&$top=1"
    assert creatio.sent == [f"/0/odata/{PROBE}", f"/odata/{PROBE}", listed, listed]


async def test_the_others_say_what_they_answered() -> None:
    client, http = Instance(status(404), odata_json).client()
    async with http:
        found = await client.detect_odata_root()
    assert (found.platform, found.others) == ("netcore", (f"{FRAMEWORK} answered 404",))


async def test_a_403_from_odata_is_the_right_root_without_permission() -> None:
    client, http = Instance(lambda r: creatio_error(403, internal="no rights"), status(404)).client()
    async with http:
        assert (await client.detect_odata_root()).root == FRAMEWORK


async def test_concurrent_first_requests_detect_once() -> None:
    creatio = Instance(status(404), odata_json)
    client, http = creatio.client()
    async with http:
        await asyncio.gather(*(client.list("Case", top=1) for _ in range(10)))
    assert creatio.sent.count(f"/0/odata/{PROBE}") == 1


async def test_no_root_answering_names_what_each_said() -> None:
    client, http = Instance(LOGIN, status(404)).client()
    async with http:
        with pytest.raises(CreatioPermanentError) as info:
            await client.list("Case", top=1)
    message = info.value.message
    assert f"{FRAMEWORK} redirected (302) to {SITE}/Login/NuiLogin.aspx; {CORE} answered 404" in message
    assert "?x=1" not in message
    assert client.odata_root is None  # tried again at the next request


async def test_a_chosen_platform_checks_only_its_root() -> None:
    creatio = Instance(odata_json, status(404))
    client, http = creatio.client("netcore")
    async with http:
        with pytest.raises(CreatioPermanentError) as info:
            await client.detect_odata_root()
    assert creatio.sent == [f"/odata/{PROBE}"]
    assert "set the platform to Automatic" in info.value.message


async def test_a_refused_token_is_an_auth_error_not_a_missing_root() -> None:
    creatio = Instance(status(401), status(404))
    client, http = creatio.client()
    async with http:
        with pytest.raises(CreatioAuthError) as info:
            await client.detect_odata_root()
    assert info.value.reason == "unauthorized"
    assert creatio.sent.count(f"/0/odata/{PROBE}") == 2  # once more with a fresh token


async def test_a_server_error_does_not_settle_anything() -> None:
    client, http = Instance(status(503), odata_json).client()
    async with http:
        with pytest.raises(CreatioRetryableError):
            await client.detect_odata_root()
    assert client.odata_root is None
