"""Test & Save through the admin API against the in-process Creatio sandbox."""

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.domain.creatio_platforms import CreatioPlatform
from app.sandbox import SandboxConfig
from app.sandbox.ids import SandboxIds
from tests.support.casebridge import BOTH_PLATFORMS, SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_URL

Client = AsyncTestClient[Litestar]
AGENT_CONTACT = str(SandboxIds.AGENT_1_CONTACT)
AGENT_USER = str(SandboxIds.AGENT_1_USER)
MISSING = "00000000-1111-2222-3333-444444444444"


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "instance_url": SANDBOX_URL,
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_SECRET,
        "default_owner_id": AGENT_CONTACT,
        "default_group_id": str(RoleIds.FIRST_LINE),
        "resolved_status_id": str(CaseStatusIds.RESOLVED),
        "create_case_only_on_handoff": False,
    } | overrides


def checks(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["status"], c["message"]) for c in body["checks"]}


@BOTH_PLATFORMS
async def test_success_finds_root_and_token_endpoint_saves_and_never_returns_the_secret(
    app_client: Client, creatio_platform: CreatioPlatform
) -> None:
    response = await app_client.put("/api/v1/admin/connection", json=form())
    body = response.json()
    assert response.status_code == 200
    assert (body["ok"], body["saved"]) == (True, True)
    assert {name: status for name, (status, _) in checks(body).items()} == {
        "instance_url": "passed",
        "token_endpoint": "passed",
        "authentication": "passed",
        "odata_root": "passed",
        "odata_access": "passed",
        "default_owner_id": "passed",
        "default_group_id": "passed",
        "resolved_status_id": "passed",
    }
    assert checks(body)["resolved_status_id"][1] == "Resolved status: 'Resolved' (resolved)."
    prefix = "/0" if creatio_platform == "netframework" else ""  # .NET Core serves the app at the root
    root, endpoint = f"{SANDBOX_URL}{prefix}/odata", f"{SANDBOX_URL}{prefix}/connect/token"
    assert (body["odata_root"], body["token_endpoint"]) == (root, endpoint)
    assert checks(body)["token_endpoint"][1] == (
        f"Tokens come from {endpoint}: the discovery document at "
        f"{SANDBOX_URL}{prefix}/.well-known/openid-configuration."
    )
    assert (
        checks(body)["odata_root"][1]
        == {
            "netframework": f"OData 4 answers at {root} (Creatio on .NET Framework, detected).",
            "netcore": f"OData 4 answers at {root} (Creatio on .NET Core / .NET 8, detected; "
            f"{SANDBOX_URL}/0/odata answered 404).",
        }[creatio_platform]
    )
    saved = await app_client.get("/api/v1/admin/connection")
    view = saved.json()
    assert view["client_secret"] == "********"
    assert (view["platform"], view["odata_root"], view["token_endpoint"]) == ("auto", root, endpoint)
    assert view["verified_at"] is not None
    assert SANDBOX_SECRET not in response.text + saved.text
    ready = (await app_client.get("/ready")).json()
    assert ready["creatio"]["configured"] is True


@pytest.mark.parametrize(
    ("platform", "ok", "message"),
    [
        (
            "netframework",
            True,
            f"OData 4 answers at {SANDBOX_URL}/0/odata (Creatio on .NET Framework, as chosen",
        ),
        ("netcore", False, f"{SANDBOX_URL}/odata redirected (302) to /Login/NuiLogin.aspx"),
    ],
)
async def test_a_chosen_platform_is_checked_not_detected(
    app_client: Client, platform: str, ok: bool, message: str
) -> None:
    body = (await app_client.put("/api/v1/admin/connection", json=form(platform=platform))).json()
    status, said = checks(body)["odata_root"]
    assert (body["saved"], status) == (ok, "passed" if ok else "failed")
    assert message in said
    if not ok:
        hint = next(c for c in body["checks"] if c["name"] == "odata_root")["hint"]
        assert "the other platform or Automatic" in hint
        assert "odata_access" not in checks(body)
        return
    view = (await app_client.get("/api/v1/admin/connection")).json()
    assert (view["platform"], view["odata_root"]) == (platform, f"{SANDBOX_URL}/0/odata")


@BOTH_PLATFORMS
async def test_an_identity_url_is_asked_for_its_own_discovery_document(app_client: Client) -> None:
    body = (await app_client.put("/api/v1/admin/connection", json=form(identity_url=SANDBOX_URL))).json()
    assert body["saved"] is True
    assert checks(body)["token_endpoint"][1] == (
        f"Tokens come from {SANDBOX_URL}/connect/token: the discovery document at "
        f"{SANDBOX_URL}/.well-known/openid-configuration."
    )


async def test_a_platform_that_is_not_one_is_a_400(app_client: Client) -> None:
    response = await app_client.put("/api/v1/admin/connection", json=form(platform="mono"))
    assert response.status_code == 400
    assert "platform" in response.text


async def test_wrong_secret_fails_says_so_and_saves_nothing(app_client: Client) -> None:
    response = await app_client.put("/api/v1/admin/connection", json=form(client_secret="wrong-secret"))
    body = response.json()
    assert (body["ok"], body["saved"]) == (False, False)
    status, message = checks(body)["authentication"]
    assert status == "failed"
    assert "client id or secret" in message.lower()
    failed = next(c for c in body["checks"] if c["name"] == "authentication")
    assert "Client Secret" in failed["hint"]
    assert "odata_access" not in checks(body)  # later checks do not run after a failed gate
    assert (await app_client.get("/api/v1/admin/connection")).status_code == 404


async def test_trailing_slash_and_spaces_are_normalised(app_client: Client) -> None:
    response = await app_client.put("/api/v1/admin/connection", json=form(instance_url=f"  {SANDBOX_URL}/ "))
    body = response.json()
    assert body["ok"] is True
    status, message = checks(body)["instance_url"]
    assert status == "passed"
    assert "normalised from" in message
    assert (await app_client.get("/api/v1/admin/connection")).json()["instance_url"] == SANDBOX_URL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://crm.example.com", "https"),
        ("https://169.254.169.254", "metadata"),
        ("not a url", ""),
    ],
)
async def test_unusable_instance_urls_fail_before_any_request(
    app_client: Client, url: str, expected: str
) -> None:
    body = (await app_client.put("/api/v1/admin/connection", json=form(instance_url=url))).json()
    assert body["ok"] is False
    assert [c["name"] for c in body["checks"]] == ["instance_url"]
    status, message = checks(body)["instance_url"]
    assert status == "failed"
    assert expected.lower() in message.lower()


@pytest.mark.parametrize(
    ("field", "value", "status", "fragment"),
    [
        ("default_owner_id", MISSING, "failed", "No Contact with Id"),
        ("default_owner_id", AGENT_USER, "failed", "not a Contact"),
        ("default_group_id", MISSING, "failed", "No SysAdminUnit with Id"),
        ("default_group_id", AGENT_USER, "warning", "single user"),
        ("resolved_status_id", MISSING, "failed", "No CaseStatus with Id"),
        ("resolved_status_id", str(CaseStatusIds.IN_PROGRESS), "warning", "neither resolved nor final"),
        ("resolved_status_id", str(CaseStatusIds.CLOSED), "passed", "'Closed' (final)"),
        ("resolved_status_id", None, "warning", "No resolved status set"),
    ],
)
async def test_each_guid_is_checked_against_its_lookup(
    app_client: Client, field: str, value: str | None, status: str, fragment: str
) -> None:
    body = (await app_client.put("/api/v1/admin/connection", json=form(**{field: value}))).json()
    got_status, message = checks(body)[field]
    assert got_status == status
    assert fragment in message
    assert body["saved"] is (status != "failed")


async def test_owner_given_as_user_id_suggests_its_contact(app_client: Client) -> None:
    body = (await app_client.put("/api/v1/admin/connection", json=form(default_owner_id=AGENT_USER))).json()
    owner = next(c for c in body["checks"] if c["name"] == "default_owner_id")
    assert AGENT_CONTACT in owner["hint"]


async def test_invalid_guid_is_a_400_naming_the_field(app_client: Client) -> None:
    response = await app_client.put("/api/v1/admin/connection", json=form(default_owner_id="not-a-guid"))
    assert response.status_code == 400
    assert "default_owner_id" in response.text


async def test_nul_character_is_a_400_naming_the_field(app_client: Client) -> None:
    """PostgreSQL cannot store U+0000: refused up front on every database (found by fuzzing)."""
    response = await app_client.put("/api/v1/admin/connection", json=form(client_id="casebridge\u0000"))
    assert response.status_code == 400
    assert "client_id" in response.text
    assert "NUL character" in response.text


async def test_omitted_secret_keeps_the_saved_one_only_for_the_same_instance(app_client: Client) -> None:
    assert (await app_client.put("/api/v1/admin/connection", json=form())).json()["saved"] is True
    kept = await app_client.put(
        "/api/v1/admin/connection", json=form(client_secret=None, default_owner_id=None)
    )
    assert kept.json()["saved"] is True
    moved = await app_client.put(
        "/api/v1/admin/connection", json=form(client_secret=None, instance_url="https://other.example.com")
    )
    assert moved.status_code == 400
    assert "client_secret is required again" in moved.json()["detail"]


async def test_test_endpoint_checks_without_saving(app_client: Client) -> None:
    body = (await app_client.post("/api/v1/admin/connection/test", json=form())).json()
    assert (body["ok"], body["saved"]) == (True, False)
    assert (await app_client.get("/api/v1/admin/connection")).status_code == 404


async def test_secret_is_encrypted_at_rest(app_client: Client) -> None:
    await app_client.put("/api/v1/admin/connection", json=form())
    from sqlalchemy import text

    engine = app_client.app.state.services.engine
    async with engine.connect() as conn:
        stored = (
            await conn.execute(text("SELECT client_secret_encrypted FROM integration_settings"))
        ).scalar_one()
    assert SANDBOX_SECRET not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


class TestIdentityProblems:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET}, html_login_mode=True)

    async def test_html_login_page_is_reported_as_wrong_identity_url(self, app_client: Client) -> None:
        body = (await app_client.put("/api/v1/admin/connection", json=form())).json()
        status, message = checks(body)["authentication"]
        assert status == "failed"
        assert "identity" in message.lower()
        hint = next(c for c in body["checks"] if c["name"] == "authentication")["hint"]
        assert "-is.creatio.com" in hint


class TestAuthorisationProblems:
    @pytest.fixture
    def sandbox_config(self) -> SandboxConfig:
        return SandboxConfig(
            clients={SANDBOX_CLIENT_ID: SANDBOX_SECRET, "web-app": "web-secret"},
            client_grant_types={"web-app": ["authorization_code"]},
            forbidden_entity_sets={SANDBOX_CLIENT_ID: ["Case"]},
        )

    async def test_wrong_grant_type_says_to_use_client_credentials(self, app_client: Client) -> None:
        body = (
            await app_client.put(
                "/api/v1/admin/connection", json=form(client_id="web-app", client_secret="web-secret")
            )
        ).json()
        status, message = checks(body)["authentication"]
        assert status == "failed"
        assert "Client Credentials" in message
        hint = next(c for c in body["checks"] if c["name"] == "authentication")["hint"]
        assert "Server-to-server" in hint

    async def test_missing_permission_on_case_is_explained(self, app_client: Client) -> None:
        body = (await app_client.put("/api/v1/admin/connection", json=form())).json()
        assert checks(body)["authentication"][0] == "passed"
        status, message = checks(body)["odata_access"]
        assert status == "failed"
        assert "may not read cases" in message
        assert body["saved"] is False
