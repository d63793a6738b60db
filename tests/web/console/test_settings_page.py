"""Settings > Ticketing > Creatio: Test & Save with names instead of GUIDs, failures that say what to fix."""

from __future__ import annotations

import re
from typing import Any

import httpx

from app.domain.creatio_ids import CaseStatusIds, RoleIds
from app.domain.crm_connection import ConnectionSettings
from app.sandbox.ids import SandboxIds
from tests.support.casebridge import SANDBOX_CLIENT_ID, SANDBOX_SECRET, SANDBOX_URL, Client
from tests.support.console import form_token

PAGE = "/console/settings/creatio"


def entered(admin: Client) -> ConnectionSettings:
    """The saved connection as entered: the seed's verification may meanwhile store what it found."""
    saved: ConnectionSettings = admin.app.state.services.connection.saved.settings
    return saved.model_copy(update={"odata_root": None, "token_endpoint": None})


async def _submit(admin: Client, **fields: Any) -> httpx.Response:
    data = {"instance_url": SANDBOX_URL, "client_id": SANDBOX_CLIENT_ID, "action": "save"} | fields
    return await admin.post(PAGE, data=data | {"csrf_token": await form_token(admin, PAGE)})


async def test_test_and_save_resolves_names_to_guids_and_saves(admin: Client) -> None:
    response = await _submit(
        admin,
        client_secret=SANDBOX_SECRET,
        default_owner="maria lopez",
        default_group="1st-line support",
        resolved_status="Resolved",
        create_case_only_on_handoff="on",
    )

    assert response.status_code == 200
    assert "Test &amp; Save passed: the connection is saved and active" in response.text
    assert "Owner: contact &#39;Maria Lopez&#39;." in response.text
    assert SANDBOX_SECRET not in response.text  # write-only
    saved = admin.app.state.services.connection.saved.settings
    assert saved.default_owner_id == SandboxIds.AGENT_1_CONTACT
    assert saved.default_group_id == RoleIds.FIRST_LINE
    assert saved.resolved_status_id == CaseStatusIds.RESOLVED
    assert saved.create_case_only_on_handoff is True


async def test_the_saved_connection_shows_names_and_keeps_its_secret(admin: Client) -> None:
    await _submit(admin, client_secret=SANDBOX_SECRET, default_owner=str(SandboxIds.AGENT_2_CONTACT))

    page = await admin.get(PAGE)

    assert 'value="Tom Becker"' in page.text  # the saved GUID, shown by its (unique) name
    assert '<option value="Yuki Tanaka">' in page.text  # names to pick from, read from Creatio
    assert '<option value="Resolved">resolved · ' in page.text
    assert SANDBOX_SECRET not in page.text
    again = await _submit(admin, default_owner="Tom Becker")  # secret left empty: the saved one is kept
    assert "saved and active" in again.text


async def test_the_platform_choice_is_kept_and_a_wrong_one_says_what_answered(admin: Client) -> None:
    chosen = await _submit(admin, client_secret=SANDBOX_SECRET, platform="netframework")
    page = await admin.get(PAGE)
    wrong = await _submit(admin, client_secret=SANDBOX_SECRET, platform="netcore")
    bogus = await _submit(admin, client_secret=SANDBOX_SECRET, platform="mono")

    assert f"OData root used: <code>{SANDBOX_URL}/0/odata</code>" in chosen.text
    assert '<option value="netframework" selected>' in page.text
    assert wrong.status_code == 422
    assert f"{SANDBOX_URL}/odata redirected (302) to /Login/NuiLogin.aspx" in wrong.text
    assert '<option value="netcore" selected>' in wrong.text
    assert (bogus.status_code, "platform" in bogus.text) == (422, True)
    assert admin.app.state.services.connection.saved.settings.platform == "netframework"


async def test_a_wrong_secret_fails_with_a_hint_and_saves_nothing(admin: Client) -> None:
    before = entered(admin)

    response = await _submit(admin, client_secret="wrong-secret")

    assert response.status_code == 422
    assert "Not saved: fix the failed checks below" in response.text
    assert "invalid_client" in response.text
    assert "How to fix:</span> Copy the Client ID and Client Secret again" in response.text
    assert "wrong-secret" not in response.text
    assert entered(admin) == before


async def test_an_unknown_name_is_reported_on_its_field(admin: Client) -> None:
    response = await _submit(admin, client_secret=SANDBOX_SECRET, default_group="Night shift")

    assert response.status_code == 422
    assert "No case group named &#39;Night shift&#39; in Creatio" in response.text
    assert 'id="default_group" name="default_group"' in response.text
    assert 'aria-invalid="true"' in response.text


async def test_test_only_does_not_save(admin: Client) -> None:
    before = entered(admin)
    response = await _submit(admin, client_secret=SANDBOX_SECRET, action="test")
    assert "All checks passed (not saved: this was a test)" in response.text
    assert entered(admin) == before


async def test_names_load_through_the_entered_connection(admin: Client) -> None:
    data = {"instance_url": SANDBOX_URL, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_SECRET}
    response = await admin.post(f"{PAGE}/lists", data=data | {"csrf_token": await form_token(admin, PAGE)})

    body = response.json()
    assert body["source"] == "entered"
    assert "Maria Lopez" in [o["name"] for o in body["lists"]["owners"]]
    assert "2nd-line support" in [g["name"] for g in body["lists"]["groups"]]
    assert {"name": "Resolved", "detail": "resolved"}.items() <= next(
        s for s in body["lists"]["statuses"] if s["name"] == "Resolved"
    ).items()


async def test_without_a_secret_names_load_only_where_test_and_save_would_reuse_the_saved_one(
    admin: Client,
) -> None:
    """The one rule of the connection service: the saved secret never goes to another host."""
    csrf = {"csrf_token": await form_token(admin, PAGE)}
    same = {"instance_url": SANDBOX_URL + "/", "client_id": SANDBOX_CLIENT_ID}

    saved = (await admin.post(f"{PAGE}/lists", data=same | csrf)).json()
    elsewhere = (
        await admin.post(f"{PAGE}/lists", data=same | csrf | {"instance_url": "https://other.example.com"})
    ).json()

    assert saved["source"] == "saved"
    assert "Maria Lopez" in [o["name"] for o in saved["lists"]["owners"]]
    assert elsewhere["lists"] is None
    assert "type the client secret" in elsewhere["problem"]


async def test_webhook_url_is_ready_to_paste_and_rotates(admin: Client) -> None:
    crm_to_chat = admin.app.state.runtime.crm_to_chat
    token = (await crm_to_chat.tokens.current()).value
    page = await admin.get(PAGE)
    assert f'value="http://127.0.0.1:8000/webhooks/creatio/{token}"' in page.text
    assert 'data-copy="webhook-url"' in page.text

    await admin.post(f"{PAGE}/webhook/rotate", data={"csrf_token": await form_token(admin, PAGE)})

    assert (await crm_to_chat.tokens.current()).value != token
    assert not await crm_to_chat.tokens.matches(token)  # no grace period unless one is chosen


async def test_rotating_the_webhook_token_is_confirmed_and_may_keep_the_old_url_for_a_while(
    admin: Client,
) -> None:
    tokens = admin.app.state.runtime.crm_to_chat.tokens
    old = (await tokens.current()).value
    page = await admin.get(PAGE)
    confirm = page.text.split('<details class="confirm" id="rotate">')[1].split("</details>")[0]
    assert "<summary>Generate a new token…</summary>" in confirm
    assert "refused (HTTP 401)" in confirm
    assert "through the reconciliation" in confirm
    assert "into the <em>Call web service</em>" in confirm
    assert "CasebridgeWebhookAuthorization" in confirm
    assert "Yes, generate a new token" in confirm

    csrf = await form_token(admin, PAGE)
    bogus = await admin.post(f"{PAGE}/webhook/rotate", data={"csrf_token": csrf, "grace_minutes": "99999"})
    assert bogus.status_code == 422
    assert "Choose from the list how long the current webhook URL keeps working." in bogus.text
    assert (await tokens.current()).value == old

    rotated = await admin.post(f"{PAGE}/webhook/rotate", data={"csrf_token": csrf, "grace_minutes": "60"})

    new = (await tokens.current()).value
    assert new != old
    assert await tokens.matches(old)
    assert await tokens.matches(new)
    assert "before the old one stops working" in rotated.text
    assert 'id="previous-token">The URL before the last new token keeps working until ' in rotated.text
    assert f"/webhooks/creatio/{new}" in rotated.text


async def test_the_sandbox_business_process_can_be_pointed_here(admin: Client) -> None:
    response = await admin.post(f"{PAGE}/webhook/sandbox", data={"csrf_token": await form_token(admin, PAGE)})

    assert "The sandbox&#39;s business process now calls this Casebridge webhook URL." in response.text
    token = (await admin.app.state.runtime.crm_to_chat.tokens.current()).value
    hook = await admin.app.state.runtime.creatio_http.get(f"{SANDBOX_URL}/__sandbox/webhook")
    assert hook.json()["url"] == f"http://127.0.0.1:8000/webhooks/creatio/{token}"


async def test_a_name_that_does_not_resolve_fails_its_check_and_nothing_is_saved(admin: Client) -> None:
    before = entered(admin)
    for field, label, name in (
        ("resolved_status", "Resolved status", "Resolvd"),
        ("default_owner", "Default case owner", "Tom Beker"),
        ("default_group", "Default case group", "Night shift"),
    ):
        for action in ("save", "test"):
            response = await _submit(admin, client_secret=SANDBOX_SECRET, action=action, **{field: name})

            assert response.status_code == 422, (field, action)
            assert "All checks passed" not in response.text
            assert f"Not saved: fix the failed checks below\n      ({label})" in response.text
            report = response.text.split('id="report"')[1].split("</section>")[0]
            assert "badge-failed" in report
            assert f"named &#39;{name}&#39; in Creatio" in report
    assert entered(admin) == before


async def test_a_wrong_secret_is_shown_once_and_the_names_as_not_checked(admin: Client) -> None:
    response = await _submit(
        admin,
        client_secret="wrong-secret",
        default_owner="Tom Becker",
        default_group="1st-line support",
        resolved_status="Resolved",
    )

    assert response.status_code == 422
    assert "(Authentication (client id and secret))" in response.text
    assert response.text.count("invalid_client") == 1
    assert 'aria-invalid="true"' not in response.text
    assert 'class="field-error"' not in response.text
    assert response.text.count("Not checked: Creatio can be asked about it once the failed check") == 3
    assert 'id="lists-problem"' not in response.text


async def test_spaces_only_are_reported_in_the_forms_words(admin: Client) -> None:
    response = await _submit(admin, instance_url="   ", client_id="  ", client_secret=SANDBOX_SECRET)

    assert response.status_code == 422
    assert "Instance URL is empty (or only spaces): enter your Creatio address" in response.text
    assert "Client ID is empty (or only spaces): enter the OAuth application&#39;s client id" in response.text
    assert "String should have" not in response.text
    assert "instance_url:" not in response.text


async def test_the_page_shows_the_guids_names_resolved_to_and_the_url_as_saved(admin: Client) -> None:
    response = await _submit(
        admin,
        instance_url=f" {SANDBOX_URL}/0/odata/ ",
        client_secret=SANDBOX_SECRET,
        default_owner="tom becker",
        default_group="1st-line support",
        resolved_status="Resolved",
    )

    assert "saved and active" in response.text
    assert re.search(rf'id="instance_url"[^>]*value="{SANDBOX_URL}"', response.text)
    for field, guid in (
        ("default_owner", SandboxIds.AGENT_2_CONTACT),
        ("default_group", RoleIds.FIRST_LINE),
        ("resolved_status", CaseStatusIds.RESOLVED),
    ):
        expected = f'id="{field}-guid" aria-live="polite">GUID: <code>{guid}</code>'
        assert expected in response.text
        assert expected in (await admin.get(PAGE)).text  # and on the saved connection's page
