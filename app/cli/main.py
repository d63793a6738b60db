"""The `casebridge` command: serve, dev (with the sandbox), sandbox, migrate, generate-key, and the checks
(`mappings check`, `creatio check`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from app.cli.autofill import HANDLERS as AUTOFILL_HANDLERS
from app.cli.autofill import add_parsers as add_autofill_parsers
from app.cli.creatio import HANDLERS as CREATIO_HANDLERS
from app.cli.creatio import add_parsers as add_creatio_parsers
from app.db.crypto import SecretBox

STARTUP_FAILURE = 3  # as uvicorn.run exits when the server could not start


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sandbox":
        from app.sandbox.cli import main as sandbox_main

        return sandbox_main(args[1:])
    parser = _parser()
    ns = parser.parse_args(args)
    if ns.command is None:
        parser.print_help()
        return 2
    handlers = {
        "serve": _serve,
        "dev": _dev,
        "worker": _worker,
        "send-events": _send_events,
        "migrate": _migrate,
        "generate-key": _generate_key,
        **AUTOFILL_HANDLERS,
        **CREATIO_HANDLERS,
    }
    handler = handlers[ns.command]
    try:
        return handler(ns)
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        print(f"casebridge {ns.command}: the configuration is not valid:", file=sys.stderr)
        for error in exc.errors(include_url=False):
            name = "".join(f"CASEBRIDGE_{str(part).upper()}" for part in error["loc"][:1])
            print(f"  {name + ': ' if name else ''}{error['msg']}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="casebridge", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run Casebridge (settings from CASEBRIDGE_* environment variables)")
    serve.add_argument("--host", help="overrides CASEBRIDGE_HOST")
    serve.add_argument("--port", type=int, help="overrides CASEBRIDGE_PORT")
    dev = sub.add_parser("dev", help="run Casebridge with the Creatio sandbox alongside, already connected")
    dev.add_argument("--port", type=int, default=8000)
    dev.add_argument("--sandbox-port", type=int, default=8100)
    dev.add_argument(
        "--chat",
        choices=("native", "chatwoot"),
        default="native",
        help="chatwoot: also run the Chatwoot emulator (on the sandbox port + 100) as the chat platform",
    )
    sub.add_parser("worker", help="run jobs only, no HTTP (set CASEBRIDGE_WORKERS for its concurrency)")
    sub.add_parser("sandbox", help="run the Creatio sandbox alone (see `casebridge sandbox --help`)")
    send = sub.add_parser("send-events", help="sign chat events and post them to a running Casebridge")
    send.add_argument(
        "files", nargs="*", help="JSON files with an event or a list of events; '-' reads JSON lines"
    )
    send.add_argument("--url", default="http://127.0.0.1:8000")
    send.add_argument(
        "--demo", action="store_true", help="send a demo conversation (three messages, handoff)"
    )
    send.add_argument("--resolve", action="store_true", help="with --demo: resolve the conversation too")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("generate-key", help="print a new CASEBRIDGE_SECRET_KEY")
    add_autofill_parsers(sub)
    add_creatio_parsers(sub)
    return parser


def _serve(ns: argparse.Namespace) -> int:
    import uvicorn

    from app.asgi import create_app
    from app.observability.logs import configure_logging
    from app.settings import Settings
    from app.web.server import server_config

    overrides = {k: v for k, v in (("host", ns.host), ("port", ns.port)) if v is not None}
    settings = Settings(**overrides)
    configure_logging(settings.log_level)
    server = uvicorn.Server(server_config(create_app(settings), settings))
    _freeze_startup_objects()
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it shut down on
        server.run()
    return 0 if server.started else STARTUP_FAILURE


def _dev(ns: argparse.Namespace) -> int:
    from app.dev.server import run_dev

    return asyncio.run(run_dev(port=ns.port, sandbox_port=ns.sandbox_port, chat=ns.chat))


def _worker(_: argparse.Namespace) -> int:
    from app.bootstrap.worker import run_worker
    from app.observability.logs import configure_logging
    from app.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    _freeze_startup_objects()
    return asyncio.run(run_worker(settings))


def _freeze_startup_objects() -> None:
    """Move what the imports created out of the garbage collector's sight, and collect the young
    generation less often: full collections then scan only objects made while serving, and their pauses
    weigh less on intake's tail latency (the intake benchmark's p99: docs/performance.md, 'Intake')."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def _send_events(ns: argparse.Namespace) -> int:
    from app.cli.send_events import demo_conversation, load_events, send
    from app.settings import Settings

    if not ns.demo and not ns.files:
        print("give event files, '-' for JSON lines on stdin, or --demo", file=sys.stderr)
        return 2
    events = demo_conversation(resolve=ns.resolve) if ns.demo else load_events(ns.files)
    return send(events, ns.url, Settings())


def _migrate(_: argparse.Namespace) -> int:
    from app.db.engine import create_engine, upgrade_to_head
    from app.settings import Settings

    async def run() -> None:
        engine = create_engine(Settings().effective_database_url)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database is at the newest migration")
    return 0


def _generate_key(_: argparse.Namespace) -> int:
    print(SecretBox.generate_key())
    return 0
