"""`casebridge creatio check [--write]`: the live self-test of the Creatio connection Casebridge uses."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack

from app.adapters.creatio import build_http_client
from app.cli.autofill import quiet_logs
from app.cli.saved_connection import serve_connection
from app.crm_connection.self_test import SelfTestOptions, run_self_test
from app.crm_connection.service import to_creatio_instance
from app.settings import Settings

NO_CONNECTION = 2  # nothing was checked


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registers `creatio check` (its handler is in HANDLERS)."""
    creatio = sub.add_parser("creatio", help="the Creatio connection: `casebridge creatio check`")
    check = creatio.add_subparsers(dest="creatio_command", required=True).add_parser(
        "check",
        help="send every kind of request Casebridge sends to the saved Creatio connection, one line per "
        "step (read-only unless --write)",
    )
    check.add_argument(
        "--write",
        action="store_true",
        help="also create a contact, a case and activities marked 'Casebridge self-test <UTC time>' (as "
        "the sync does), change the case's status, read them back, then delete them",
    )


def _check(ns: argparse.Namespace) -> int:
    quiet_logs()
    return asyncio.run(check(write=ns.write))


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"creatio": _check}


async def check(*, write: bool) -> int:
    """Print the report; 0 when every step passed, 1 when one failed, 2 when there is nothing to check."""
    settings = Settings()
    async with AsyncExitStack() as stack:
        connection, source = await serve_connection(settings, stack)
        if connection is None:
            print(f"No Creatio connection to check: {source}.", file=sys.stderr)
            return NO_CONNECTION
        http = build_http_client(timeout_seconds=settings.creatio_timeout_seconds)
        stack.push_async_callback(http.aclose)
        print(f"Connection: {source}")
        report = await run_self_test(
            to_creatio_instance(connection),
            connection,
            http,
            SelfTestOptions.from_settings(settings),
            write=write,
            max_concurrency=settings.creatio_max_concurrency,
        )
    print(report.text())
    return 0 if report.ok else 1
