"""Settings validated at start: a value Casebridge would misread is refused with what to give instead."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.cli.main import main
from app.settings import Settings


@pytest.mark.parametrize(
    ("value", "kept"),
    [("", ""), (" 10.0.0.5 , 10.1.0.0/16,::1", "10.0.0.5,10.1.0.0/16,::1"), ("10.0.0.5,*", "*")],
)
def test_trusted_proxies_are_addresses_or_networks(value: str, kept: str) -> None:
    assert Settings(trusted_proxies=value).trusted_proxies == kept


@pytest.mark.parametrize("value", ["proxy.internal", "10.0.0.5/24", "10.0.0.300"])
def test_anything_else_is_refused_at_start(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies=value)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        (
            {"creatio_instance_url": "https://x.creatio.com"},
            "CASEBRIDGE_CREATIO_CLIENT_ID, CASEBRIDGE_CREATIO_CLIENT_SECRET",
        ),
        (
            {
                "chatwoot_base_url": "https://chat.example.com",
                "chatwoot_account_id": 3,
                "chatwoot_api_access_token": "t",
            },
            "CASEBRIDGE_CHATWOOT_WEBHOOK_SECRET",
        ),
    ],
)
def test_a_seed_given_in_part_is_refused_naming_what_is_missing(
    given: dict[str, object], missing: str
) -> None:
    with pytest.raises(ValidationError, match=f"seed is incomplete: {missing} missing"):
        Settings(**given)  # type: ignore[arg-type]


def test_a_whole_seed_or_none_is_accepted() -> None:
    whole = Settings(
        creatio_instance_url="https://x.creatio.com", creatio_client_id="c", creatio_client_secret="s"
    )  # type: ignore[arg-type]
    assert whole.has_creatio_seed
    assert not Settings().has_chatwoot_seed


def test_the_commands_report_a_bad_setting_by_its_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEBRIDGE_WORKERS", "many")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "casebridge migrate: the configuration is not valid:" in err
    assert "CASEBRIDGE_WORKERS: Input should be a valid integer" in err
    assert "Traceback" not in err
