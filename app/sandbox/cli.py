"""Command line: run the Creatio sandbox with uvicorn (`python -m app.sandbox --port 8100`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

import uvicorn

from app.sandbox.app import create_sandbox_app
from app.sandbox.config import FaultProfile, SandboxConfig

SECRET_ENV = "CREATIO_SANDBOX_CLIENT_SECRET"  # noqa: S105 - the variable name, not a secret


def build_parser() -> argparse.ArgumentParser:
    defaults = SandboxConfig()
    default_id, default_secret = next(iter(defaults.clients.items()))
    p = argparse.ArgumentParser(prog="python -m app.sandbox", description="Creatio OAuth + OData 4 emulator.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8100)
    p.add_argument("--client-id", default=default_id)
    p.add_argument(
        "--client-secret",
        default=os.environ.get(SECRET_ENV, default_secret),
        help=f"OAuth client secret (default: ${SECRET_ENV} or the built-in sandbox secret)",
    )
    p.add_argument(
        "--read-only-client-id",
        help="Also accept this client (same secret) whose technical user may read but not write",
    )
    p.add_argument("--token-lifetime", type=int, default=defaults.token_lifetime_seconds, metavar="SECONDS")
    p.add_argument("--public-base-url", help="Base URL used in Location and @odata.context")
    p.add_argument("--webhook-url", help="Where business-process callbacks are POSTed")
    p.add_argument("--webhook-header", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--webhook-retries", type=int, default=defaults.webhook_retries)
    p.add_argument("--strict-quirks", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--unknown-entity-set-status", type=int, choices=(401, 404), default=404)
    p.add_argument(
        "--platform",
        choices=("netframework", "netcore"),
        default=defaults.platform,
        help="Creatio on .NET Framework (OData at /0/odata) or .NET Core/.NET 8 (OData at /odata)",
    )
    p.add_argument("--html-login", action="store_true", help="Token endpoint answers an HTML login page")
    p.add_argument("--auto-reopen", action="store_true")
    p.add_argument(
        "--latency-ms", type=int, default=0, help="Answer each OData request this long after it arrived"
    )
    p.add_argument("--error-rate", type=float, default=0.0, help="Share of OData requests answered 500")
    p.add_argument("--rate-429", type=float, default=0.0, help="Share of OData requests answered 429")
    p.add_argument("--retry-after", type=int, default=1, metavar="SECONDS")
    p.add_argument("--timeout-rate", type=float, default=0.0, help="Share of OData requests that hang")
    p.add_argument("--timeout-seconds", type=float, default=30.0)
    p.add_argument("--faults-on-token", action="store_true", help="Faults also hit the token endpoint")
    p.add_argument("--seed", type=int, help="Seed for the fault RNG")
    p.add_argument("--log-level", default="warning")
    return p


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    headers = dict(h.split("=", 1) for h in args.webhook_header if "=" in h)
    faults = FaultProfile(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        rate_429=args.rate_429,
        retry_after_seconds=args.retry_after,
        timeout_rate=args.timeout_rate,
        timeout_seconds=args.timeout_seconds,
        seed=args.seed,
        apply_to_token_endpoint=args.faults_on_token,
    )
    read_only = [args.read_only_client_id] if args.read_only_client_id else []
    return SandboxConfig(
        clients={args.client_id: args.client_secret} | dict.fromkeys(read_only, args.client_secret),
        read_only_clients=read_only,
        token_lifetime_seconds=args.token_lifetime,
        strict_quirks=args.strict_quirks,
        unknown_entity_set_status=args.unknown_entity_set_status,
        platform=args.platform,
        html_login_mode=args.html_login,
        webhook_url=args.webhook_url,
        webhook_headers=headers,
        webhook_retries=args.webhook_retries,
        auto_reopen=args.auto_reopen,
        faults=faults,
        public_base_url=args.public_base_url,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, print where the sandbox listens (never the secret) and serve until stopped."""
    args = build_parser().parse_args(argv)
    config = config_from_args(args)
    app = create_sandbox_app(config)
    print(
        f"Creatio sandbox listening on http://{args.host}:{args.port} (client_id={args.client_id}, "
        f"platform={config.platform})",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
