"""`casebridge mappings check`, `casebridge autofill preview FILE` and `casebridge eval DATASET.jsonl`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registers the auto-fill commands (their handlers are in HANDLERS)."""
    mappings = sub.add_parser("mappings", help="field mappings: `casebridge mappings check`")
    check = mappings.add_subparsers(dest="mappings_command", required=True).add_parser(
        "check", help="validate field_mappings/*.yaml and resolve lookup values in Creatio"
    )
    _common(check)
    check.add_argument("--strict", action="store_true", help="also fail on warnings (unresolved lookups)")
    autofill = sub.add_parser("autofill", help="field auto-fill: `casebridge autofill preview FILE`")
    preview = autofill.add_subparsers(dest="autofill_command", required=True).add_parser(
        "preview", help="show what would be filled from a transcript and why (writes nothing)"
    )
    preview.add_argument("file", type=Path, help="'Customer: ...' lines, or JSON [{author, text}, ...]")
    _common(preview)
    evaluate = sub.add_parser("eval", help="score the configured extractor on labelled conversations")
    evaluate.add_argument("dataset", type=Path, help="JSON lines: {id, messages, expected}")
    evaluate.add_argument("--dir", type=Path, help="mapping files (default: CASEBRIDGE_FIELD_MAPPINGS_DIR)")
    evaluate.add_argument("--offline", action="store_true", help="use the offline extractor even with a key")
    evaluate.add_argument("--json", action="store_true", help="print the figures as JSON")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, help="mapping files (default: CASEBRIDGE_FIELD_MAPPINGS_DIR)")
    parser.add_argument("--offline", action="store_true", help="no Creatio lookups and no LLM")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _mappings(ns: argparse.Namespace) -> int:
    _quiet_logs()
    from app.autofill_cli_run import check_mappings

    return asyncio.run(check_mappings(ns.dir, offline=ns.offline, as_json=ns.json, strict=ns.strict))


def _autofill(ns: argparse.Namespace) -> int:
    _quiet_logs()
    from app.autofill_cli_run import preview_file

    return asyncio.run(preview_file(ns.file, ns.dir, offline=ns.offline, as_json=ns.json))


def _eval(ns: argparse.Namespace) -> int:
    _quiet_logs()
    from app.autofill_cli_run import evaluate

    return asyncio.run(evaluate(ns.dataset, ns.dir, offline=ns.offline, as_json=ns.json))


def _quiet_logs() -> None:
    """The command's own output says what went wrong; library warnings would only repeat it."""
    from app.logs import configure_logging

    configure_logging("ERROR")


HANDLERS: dict[str, Handler] = {"mappings": _mappings, "autofill": _autofill, "eval": _eval}
