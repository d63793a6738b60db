"""Identity endpoint: both URL forms, both client auth methods, each error, expiry, revocation, HTML mode."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.sandbox import CLIENT_ID, CLIENT_SECRET, MakeSandbox, Sandbox, error_message

GRANT = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@pytest.mark.parametrize("path", ["/connect/token", "/0/connect/token"])
async def test_client_secret_post_issues_a_bearer_token_on_both_paths(sb: Sandbox, path: str) -> None:
    response = await sb.client.post(path, data=GRANT)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].startswith("ApplicationAccess_")
    assert len(body["scope"]) == len("ApplicationAccess_") + 32
    claims = _claims(body["access_token"])
    assert claims["iss"] == "creatio.com"
    assert claims["client_id"] == CLIENT_ID
    assert claims["prop:SysAdminUnitId"] == str(sb.store.technical_user_id)
    ok = await sb.client.get(
        "/0/odata/CaseStatus", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert ok.status_code == 200


async def test_http_basic_client_authentication(sb: Sandbox) -> None:
    response = await sb.client.post(
        "/connect/token", data={"grant_type": "client_credentials"}, headers=_basic(CLIENT_ID, CLIENT_SECRET)
    )

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("form", "headers", "error"),
    [
        (GRANT | {"client_secret": "wrong"}, {}, "invalid_client"),
        (GRANT | {"client_id": "someone-else"}, {}, "invalid_client"),
        ({"grant_type": "client_credentials"}, _basic(CLIENT_ID, "wrong"), "invalid_client"),
        (GRANT | {"grant_type": "password"}, {}, "unsupported_grant_type"),
        ({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, {}, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": CLIENT_ID}, {}, "invalid_request"),
        ({"grant_type": "client_credentials"}, {}, "invalid_request"),
    ],
)
async def test_token_errors_are_400_json(
    sb: Sandbox, form: dict[str, str], headers: dict[str, str], error: str
) -> None:
    response = await sb.client.post("/0/connect/token", data=form, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert sb.store.stats.token_errors[error] == 1


async def test_json_body_is_an_invalid_request(sb: Sandbox) -> None:
    response = await sb.client.post("/connect/token", json=GRANT)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request"}


@pytest.mark.parametrize(
    ("path", "prefix"),
    [("/.well-known/openid-configuration", ""), ("/0/.well-known/openid-configuration", "/0")],
)
async def test_discovery_document_points_at_the_token_endpoint_of_its_own_form(
    sb: Sandbox, path: str, prefix: str
) -> None:
    response = await sb.client.get(path)

    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == "creatio.com"
    assert doc["token_endpoint"] == f"http://sandbox.test{prefix}/connect/token"
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "client_credentials" in doc["grant_types_supported"]


async def test_netcore_serves_identity_and_discovery_at_the_root_only(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(login=False, platform="netcore")
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}

    doc = await sb.client.get("/.well-known/openid-configuration")
    token = await sb.client.post("/connect/token", data=form)
    zero_doc = await sb.client.get("/0/.well-known/openid-configuration")
    zero_token = await sb.client.post("/0/connect/token", data=form)

    assert doc.json()["token_endpoint"] == "http://sandbox.test/connect/token"
    assert token.status_code == 200
    assert (zero_doc.status_code, zero_token.status_code) == (404, 404)


async def test_discovery_uses_the_public_base_url(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(public_base_url="https://tenant.example.com/")

    doc = (await sb.client.get("/0/.well-known/openid-configuration")).json()

    assert doc["token_endpoint"] == "https://tenant.example.com/0/connect/token"


async def test_token_lifetime_is_configurable_and_expired_tokens_get_401(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(login=False, token_lifetime_seconds=60)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sb.store.clock = lambda: now
    response = await sb.client.post("/0/connect/token", data=GRANT)
    assert response.json()["expires_in"] == 60
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    sb.store.clock = lambda: now + timedelta(seconds=59)
    assert (await sb.client.get("/0/odata/Case", headers=headers)).status_code == 200
    sb.store.clock = lambda: now + timedelta(seconds=60)
    expired = await sb.client.get("/0/odata/Case", headers=headers)

    assert expired.status_code == 401
    assert expired.content == b""


async def test_fault_profile_overrides_the_lifetime_of_new_tokens(sb: Sandbox) -> None:
    await sb.client.put("/__sandbox/faults", json={"token_lifetime_seconds": 5})

    response = await sb.client.post("/0/connect/token", data=GRANT)

    assert response.json()["expires_in"] == 5


async def test_revoke_all_tokens_makes_old_tokens_fail_but_new_ones_work(sb: Sandbox) -> None:
    assert (await sb.get("/0/odata/Case")).status_code == 200

    revoked = await sb.client.post("/__sandbox/tokens/revoke")

    assert revoked.json() == {"revoked": 1}
    assert (await sb.get("/0/odata/Case")).status_code == 401
    await sb.login()
    assert (await sb.get("/0/odata/Case")).status_code == 200


async def test_revoke_all_through_the_fault_endpoint(sb: Sandbox) -> None:
    response = await sb.client.put("/__sandbox/faults", json={"revoke_all_tokens": True})

    assert response.status_code == 200
    assert (await sb.get("/0/odata/Case")).status_code == 401


async def test_rfc7009_revocation_endpoint(sb: Sandbox) -> None:
    token = sb.auth["Authorization"].split()[1]

    bad = await sb.client.post(
        "/connect/revocation", data={"token": token}, headers=_basic(CLIENT_ID, "nope")
    )
    assert bad.status_code == 400
    response = await sb.client.post(
        "/0/connect/revocation", data={"token": token}, headers=_basic(CLIENT_ID, CLIENT_SECRET)
    )

    assert response.status_code == 200
    assert (await sb.get("/0/odata/Case")).status_code == 401


async def test_html_login_mode_answers_200_html_instead_of_a_token(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(login=False, html_login_mode=True)

    response = await sb.client.post("/0/connect/token", data=GRANT)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<form" in response.text
    assert "access_token" not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer"},
        _basic(CLIENT_ID, CLIENT_SECRET),
    ],
)
async def test_odata_without_a_valid_bearer_token_is_a_bare_401(sb: Sandbox, headers: dict[str, str]) -> None:
    response = await sb.client.get("/0/odata/Case", headers=headers)

    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_token_requests_are_counted(sb: Sandbox) -> None:
    await sb.client.post("/connect/token", data=GRANT)
    await sb.client.post("/connect/token", data=GRANT | {"client_secret": "x"})

    stats = (await sb.client.get("/__sandbox/stats")).json()

    assert stats["token_requests"] == 3  # including the fixture's login
    assert stats["tokens_issued"] == 2
    assert stats["token_errors"] == {"invalid_client": 1}


async def test_client_without_the_client_credentials_grant_is_unauthorized_client(
    make_sandbox: MakeSandbox,
) -> None:
    sb = await make_sandbox(login=False, client_grant_types={CLIENT_ID: ["authorization_code"]})

    response = await sb.client.post("/connect/token", data=GRANT)

    assert response.status_code == 400
    assert response.json() == {"error": "unauthorized_client"}


async def test_forbidden_entity_set_answers_403_with_creatio_error_body(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(forbidden_entity_sets={CLIENT_ID: ["Case"]})
    await sb.login()

    denied = await sb.get("/0/odata/Case?$top=1")
    allowed = await sb.get("/0/odata/CaseStatus?$top=1")

    assert denied.status_code == 403
    assert "Insufficient permissions" in error_message(denied.json())
    assert allowed.status_code == 200


async def test_a_read_only_client_reads_but_every_write_answers_403(make_sandbox: MakeSandbox) -> None:
    sb = await make_sandbox(read_only_clients=[CLIENT_ID])
    await sb.login()
    contact = (await sb.get("/0/odata/Contact?$top=1&$orderby=Id")).json()["value"][0]
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": "CaseStatus?$top=1"},
            {"id": "2", "method": "POST", "url": "Contact", "body": {"Name": "Nobody"}},
        ]
    }

    writes = [
        await sb.post("/0/odata/Contact", json={"Name": "Nobody"}),
        await sb.patch(f"/0/odata/Contact({contact['Id']})", json={"Name": "changed"}),
        await sb.delete(f"/0/odata/Contact({contact['Id']})"),
    ]
    answer = await sb.post("/0/odata/$batch", json=batch, headers={"Prefer": "continue-on-error"})

    assert [w.status_code for w in writes] == [403, 403, 403]
    assert error_message(writes[0].json()) == (
        "Insufficient permissions to add, change or delete records of the 'Contact' schema."
    )
    assert [r["status"] for r in answer.json()["responses"]] == [200, 403]
    assert not [c for c in sb.store.rows("Contact") if c["Name"] == "Nobody"]
    unchanged = sb.store.get("Contact", contact["Id"])
    assert unchanged is not None
    assert unchanged["Name"] == contact["Name"]
