"""Where tokens come from: the cloud rule, the OpenID discovery documents, the fallback, and the token cache
finding it once."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.adapters.creatio import CreatioAuthUnavailableError, CreatioClient, CreatioInstance
from app.adapters.creatio.discovery import find_token_endpoint
from app.domain.creatio_platforms import PlatformChoice
from tests.support.fake_creatio import SECRET, html_page, json_response

SITE = "https://crm.example.org"
IDENTITY = "https://is.example.org"
Answers = dict[str, Callable[[httpx.Request], httpx.Response]]


def routed(answers: Answers, seen: list[str]) -> httpx.AsyncClient:
    """An httpx client answering each URL (without its query) from `answers`, 404 otherwise."""

    def handle(request: httpx.Request) -> httpx.Response:
        url = str(request.url.copy_with(query=None))
        seen.append(f"{request.method} {url}")
        return answers[url](request) if url in answers else httpx.Response(404)

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


def document(token_endpoint: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda r: json_response(200, {"issuer": "creatio.com", "token_endpoint": token_endpoint})


def token(request: httpx.Request) -> httpx.Response:
    return json_response(200, {"access_token": "tok", "expires_in": 3600, "token_type": "Bearer"})


def site(platform: PlatformChoice = "auto", identity: str | None = None) -> CreatioInstance:
    return CreatioInstance(SITE, "cid", SECRET, identity, platform)


async def test_cloud_sites_use_the_is_host_without_asking() -> None:
    seen: list[str] = []
    async with routed({}, seen) as http:
        found = await find_token_endpoint(http, CreatioInstance("https://acme.creatio.com", "cid", SECRET))
    assert found.url == "https://acme-is.creatio.com/connect/token"
    assert "cloud rule" in found.source
    assert seen == []


async def test_the_apps_discovery_document_under_0_comes_first() -> None:
    seen: list[str] = []
    answers = {f"{SITE}/0/.well-known/openid-configuration": document(f"{SITE}/0/connect/token")}
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site())
    assert found.url == f"{SITE}/0/connect/token"
    assert found.source == f"the discovery document at {SITE}/0/.well-known/openid-configuration"
    assert seen == [f"GET {SITE}/0/.well-known/openid-configuration"]


async def test_then_the_document_at_the_root_as_on_net_core() -> None:
    seen: list[str] = []
    answers = {f"{SITE}/.well-known/openid-configuration": document(f"{SITE}/connect/token")}
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site())
    assert found.url == f"{SITE}/connect/token"
    assert seen == [
        f"GET {SITE}/0/.well-known/openid-configuration",
        f"GET {SITE}/.well-known/openid-configuration",
    ]


async def test_an_identity_url_is_asked_for_its_own_document() -> None:
    seen: list[str] = []
    answers = {f"{IDENTITY}/.well-known/openid-configuration": document(f"{IDENTITY}/connect/token")}
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site(identity=IDENTITY))
    assert found.url == f"{IDENTITY}/connect/token"
    assert seen == [f"GET {IDENTITY}/.well-known/openid-configuration"]


@pytest.mark.parametrize(
    ("platform", "identity", "fallback", "documents"),
    [
        ("auto", None, f"{SITE}/0/connect/token", [f"{SITE}/0", SITE]),
        ("netframework", None, f"{SITE}/0/connect/token", [f"{SITE}/0"]),
        ("netcore", None, f"{SITE}/connect/token", [SITE]),
        ("auto", IDENTITY, f"{IDENTITY}/connect/token", [IDENTITY]),
    ],
)
async def test_without_a_document_the_fallback_says_what_was_tried(
    platform: PlatformChoice, identity: str | None, fallback: str, documents: list[str]
) -> None:
    seen: list[str] = []
    answers = {f"{SITE}/.well-known/openid-configuration": lambda r: html_page()}
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site(platform, identity))
    assert found.url == fallback
    assert seen == [f"GET {base}/.well-known/openid-configuration" for base in documents]
    assert "no discovery document named one" in found.source
    assert f"{documents[0]}/.well-known/openid-configuration " in found.source


@pytest.mark.parametrize(
    ("advertised", "why"),
    [
        ("https://localhost:8090/connect/token", "loopback address"),  # as in Academy's 8.0 sample answer
        (f"http://{SITE[8:]}/connect/token", "https://"),
        ("https://169.254.169.254/connect/token", "metadata"),
        (None, "no token_endpoint"),
    ],
)
async def test_an_unusable_advertised_endpoint_is_not_followed(advertised: str | None, why: str) -> None:
    seen: list[str] = []
    answers = {
        f"{SITE}/0/.well-known/openid-configuration": lambda r: json_response(
            200, {"token_endpoint": advertised}
        )
    }
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site("netframework"))
    assert found.url == f"{SITE}/0/connect/token"
    assert why in found.source


async def test_a_loopback_sandbox_may_advertise_http() -> None:
    local = "http://127.0.0.1:8100"
    answers = {f"{local}/0/.well-known/openid-configuration": document(f"{local}/0/connect/token")}
    async with routed(answers, []) as http:
        found = await find_token_endpoint(http, CreatioInstance(local, "cid", SECRET))
    assert found.url == f"{local}/0/connect/token"


async def test_redirects_are_not_followed() -> None:
    seen: list[str] = []
    login = lambda r: httpx.Response(302, headers={"location": f"{SITE}/Login/NuiLogin.aspx"})  # noqa: E731
    answers = {f"{SITE}/0/.well-known/openid-configuration": login}
    async with routed(answers, seen) as http:
        found = await find_token_endpoint(http, site("netframework"))
    assert "redirected (302)" in found.source
    assert len(seen) == 1


async def test_an_unavailable_document_is_not_settled_as_missing() -> None:
    answers = {f"{SITE}/0/.well-known/openid-configuration": lambda r: httpx.Response(503)}
    async with routed(answers, []) as http:
        with pytest.raises(CreatioAuthUnavailableError) as info:
            await find_token_endpoint(http, site("netframework"))
    assert info.value.reason == "unavailable"


async def test_the_token_cache_finds_the_endpoint_once_and_posts_there() -> None:
    seen: list[str] = []
    answers = {
        f"{SITE}/0/.well-known/openid-configuration": document(f"{SITE}/0/connect/token"),
        f"{SITE}/0/connect/token": token,
    }
    async with routed(answers, seen) as http:
        client = CreatioClient(site(), http)
        before = client.token_state.token_endpoint
        await client.authenticate()
        await client.authenticate()
        found = await client.token_endpoint()
    assert before == f"{SITE}/0/connect/token"  # where it would be, before anything was read
    assert found.url == f"{SITE}/0/connect/token"
    assert seen == [
        f"GET {SITE}/0/.well-known/openid-configuration",
        f"POST {SITE}/0/connect/token",
        f"POST {SITE}/0/connect/token",
    ]


async def test_a_saved_endpoint_is_used_without_discovery() -> None:
    seen: list[str] = []
    async with routed({f"{IDENTITY}/token": token}, seen) as http:
        saved = CreatioInstance(SITE, "cid", SECRET, token_endpoint=f"{IDENTITY}/token")
        found = await CreatioClient(saved, http).token_endpoint()
    assert (found.url, found.source) == (f"{IDENTITY}/token", "saved with the connection")
    assert seen == []
