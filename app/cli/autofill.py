"""`casebridge mappings check`, `autofill preview FILE` and `eval DATASET.jsonl`: arguments and work."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

from app.adapters.creatio import CreatioClient, build_http_client
from app.bootstrap.autofill import LookupsOfClient, build_extractor
from app.cli.autofill_text import check_text, preview_text
from app.cli.saved_connection import serve_connection
from app.crm_connection.service import to_creatio_instance
from app.extraction.eval import DatasetError, load_dataset, run_eval
from app.extraction.eval_report import ProgressBar, below_precision, figures, format_report
from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping
from app.extraction.offline import OfflineExtractor
from app.extraction.transcript_input import TranscriptInputError, from_file_text
from app.extraction.types import Extractor
from app.pipeline.autofill.fill import FieldAutofill
from app.pipeline.autofill.lookups import LookupCache, LookupTable
from app.pipeline.autofill.preview import preview_report
from app.pipeline.autofill.report import mapping_report
from app.settings import Settings

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
    evaluate.add_argument(
        "--fail-under-precision",
        type=_share,
        metavar="P",
        help="exit 1 when any field's applied precision is below P (0..1), e.g. 0.9",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, help="mapping files (default: CASEBRIDGE_FIELD_MAPPINGS_DIR)")
    parser.add_argument("--offline", action="store_true", help="no Creatio lookups and no LLM")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _mappings(ns: argparse.Namespace) -> int:
    quiet_logs()
    from app.cli.autofill import check_mappings

    return asyncio.run(check_mappings(ns.dir, offline=ns.offline, as_json=ns.json, strict=ns.strict))


def _autofill(ns: argparse.Namespace) -> int:
    quiet_logs()
    from app.cli.autofill import preview_file

    return asyncio.run(preview_file(ns.file, ns.dir, offline=ns.offline, as_json=ns.json))


def _eval(ns: argparse.Namespace) -> int:
    quiet_logs()
    from app.cli.autofill import evaluate

    return asyncio.run(
        evaluate(ns.dataset, ns.dir, offline=ns.offline, as_json=ns.json, floor=ns.fail_under_precision)
    )


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1 (e.g. 0.9)")
    return value


def quiet_logs() -> None:
    """The command's own output says what went wrong; library warnings would only repeat it."""
    from app.observability.logs import configure_logging

    configure_logging("ERROR")


HANDLERS: dict[str, Handler] = {"mappings": _mappings, "autofill": _autofill, "eval": _eval}


async def check_mappings(directory: Path | None, *, offline: bool, as_json: bool, strict: bool) -> int:
    settings = Settings()
    folder = directory or settings.field_mappings_dir
    mapping = load_mapping(folder)
    async with AsyncExitStack() as stack:
        client, where = await _creatio(settings, stack, offline)
        table = await _lookups(client, mapping) if mapping.fields and client is not None else None
        extractor = _extractor(settings, mapping, stack, offline or not mapping.ok)
        report = mapping_report(mapping, str(folder), table, extractor.info, None)
    print(report.model_dump_json(indent=2) if as_json else check_text(report, where))
    warnings = sum(1 for f in report.fields if f.state == "warning")
    return 1 if not mapping.ok or (strict and warnings) else 0


async def preview_file(path: Path, directory: Path | None, *, offline: bool, as_json: bool) -> int:
    settings = Settings()
    mapping = _usable_mapping(directory or settings.field_mappings_dir)
    if mapping is None:
        return 1
    try:
        transcript = from_file_text(_read(path), path.stem)
    except (OSError, TranscriptInputError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1
    async with AsyncExitStack() as stack:
        client, where = (
            (None, "not resolved (--offline)") if offline else await creatio_client(settings, stack)
        )
        extractor: Extractor = (
            OfflineExtractor(mapping) if offline else build_extractor(settings, mapping, stack)[0]
        )
        lookups = LookupCache(LookupsOfClient(lambda: client), ttl_seconds=0)
        plan = await FieldAutofill(mapping, extractor, lookups).plan(transcript)
    report = preview_report(plan)
    print(report.model_dump_json(indent=2) if as_json else preview_text(report, where))
    return 0


async def evaluate(
    dataset: Path, directory: Path | None, *, offline: bool, as_json: bool, floor: float | None = None
) -> int:
    settings = Settings()
    mapping = _usable_mapping(directory or settings.field_mappings_dir)
    if mapping is None:
        return 1
    try:
        examples = load_dataset(dataset)
    except (OSError, DatasetError) as exc:
        print(f"cannot read the dataset: {exc}", file=sys.stderr)
        return 1
    async with AsyncExitStack() as stack:
        extractor: Extractor = (
            OfflineExtractor(mapping) if offline else build_extractor(settings, mapping, stack)[0]
        )
        report = await run_eval(extractor, mapping, examples, ProgressBar())
    print(json.dumps(figures(report), indent=2) if as_json else format_report(report, len(examples)))
    failing = below_precision(report, floor) if floor is not None else []
    for line in failing:
        print(f"--fail-under-precision: {line}", file=sys.stderr)
    return 1 if failing else 0


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _extractor(settings: Settings, mapping: FieldMapping, stack: AsyncExitStack, offline: bool) -> Extractor:
    return OfflineExtractor(mapping) if offline else build_extractor(settings, mapping, stack)[0]


async def _creatio(
    settings: Settings, stack: AsyncExitStack, offline: bool
) -> tuple[CreatioClient | None, str]:
    if offline:
        return None, "not resolved (--offline)"
    return await creatio_client(settings, stack)


def _usable_mapping(directory: Path) -> FieldMapping | None:
    mapping = load_mapping(directory)
    if mapping.ok:
        return mapping
    for problem in mapping.problems or [f"{directory}: no mapping files with fields"]:
        print(problem, file=sys.stderr)
    print("fix the mapping first (`casebridge mappings check`)", file=sys.stderr)
    return None


async def _lookups(client: CreatioClient, mapping: FieldMapping) -> LookupTable:
    return await LookupCache(LookupsOfClient(lambda: client), ttl_seconds=0).refresh(mapping)


async def creatio_client(settings: Settings, stack: AsyncExitStack) -> tuple[CreatioClient | None, str]:
    """A client for the connection `serve` would use (`serve_connection`)."""
    connection, reason = await serve_connection(settings, stack)
    if connection is None:
        return None, f"not resolved: {reason}"
    http = build_http_client(timeout_seconds=settings.creatio_timeout_seconds)
    stack.push_async_callback(http.aclose)
    client = CreatioClient(to_creatio_instance(connection), http)
    return client, f"looked up in Creatio at {connection.instance_url}"
