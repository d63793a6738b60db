"""The sandbox command line: options become a SandboxConfig; it prints where it listens, never the secret."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn

from app.sandbox import cli


def test_defaults_build_the_default_config() -> None:
    args = cli.build_parser().parse_args([])
    config = cli.config_from_args(args)

    assert (args.host, args.port) == ("127.0.0.1", 8100)
    assert config.clients == {"casebridge-sandbox": "sandbox-secret"}
    assert config.faults.error_rate == 0
    assert config.faults.seed is None
    assert config.strict_quirks is True
    assert config.platform == "netframework"


def test_options_map_onto_the_config() -> None:
    args = cli.build_parser().parse_args(
        [
            "--client-id", "cid", "--client-secret", "pw", "--token-lifetime", "60",
            "--webhook-url", "http://127.0.0.1:8000/webhooks/creatio/t", "--webhook-header", "X-Key=v=1",
            "--latency-ms", "25", "--error-rate", "0.1", "--rate-429", "0.2", "--retry-after", "3",
            "--timeout-rate", "0.05", "--timeout-seconds", "2", "--seed", "42", "--faults-on-token",
            "--no-strict-quirks", "--unknown-entity-set-status", "401", "--platform", "netcore",
            "--html-login", "--auto-reopen", "--public-base-url", "https://x.example",
        ]
    )  # fmt: skip
    config = cli.config_from_args(args)

    assert config.clients == {"cid": "pw"}
    assert config.token_lifetime_seconds == 60
    assert config.webhook_headers == {"X-Key": "v=1"}
    faults = config.faults
    assert (faults.latency_ms, faults.error_rate, faults.rate_429, faults.retry_after_seconds) == (
        25,
        0.1,
        0.2,
        3,
    )
    assert (faults.timeout_rate, faults.timeout_seconds, faults.seed, faults.apply_to_token_endpoint) == (
        0.05,
        2,
        42,
        True,
    )
    assert (config.strict_quirks, config.unknown_entity_set_status) == (False, 401)
    assert (config.platform, config.html_login_mode, config.auto_reopen) == ("netcore", True, True)
    assert config.public_base_url == "https://x.example"


def test_a_read_only_client_shares_the_secret() -> None:
    args = cli.build_parser().parse_args(["--client-secret", "pw", "--read-only-client-id", "reader"])
    config = cli.config_from_args(args)

    assert config.clients == {"casebridge-sandbox": "pw", "reader": "pw"}
    assert config.read_only_clients == ["reader"]


def test_main_runs_uvicorn_and_prints_the_client_id_but_not_the_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))

    code = cli.main(["--port", "8123", "--client-id", "my-client", "--client-secret", "very-secret-value"])

    assert code == 0
    (call,) = calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert call["app"].state.sandbox.config.clients == {"my-client": "very-secret-value"}
    out = capsys.readouterr().out
    assert out.strip() == (
        "Creatio sandbox listening on http://127.0.0.1:8123 (client_id=my-client, platform=netframework)"
    )
    assert "very-secret-value" not in out


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cli.SECRET_ENV, "from-env")

    args = cli.build_parser().parse_args([])

    assert cli.config_from_args(args).clients == {"casebridge-sandbox": "from-env"}
