"""Plain-text renderings of the mapping report and of an auto-fill preview, for the CLI."""

from __future__ import annotations

from app.pipeline.autofill.preview import PreviewReport
from app.pipeline.autofill.report import FieldView, MappingReport

OUTCOME_WORDS = {"applied": "WOULD FILL", "suggested": "suggest", "skipped": "skip"}


def check_text(report: MappingReport, lookups: str) -> str:
    lines = [
        f"Field mappings in {report.directory}: {len(report.files)} file(s), {len(report.fields)} field(s)"
    ]
    if report.fields:
        lines.append(f"Lookup values: {lookups}")
    for field in report.fields:
        lines += _field_lines(field)
    for problem in report.problems:
        lines.append(f"ERROR {problem.text}")
    warnings = sum(1 for f in report.fields if f.state == "warning")
    if report.problems:
        lines.append(f"{len(report.problems)} problem(s): field auto-fill stays off until they are fixed")
    elif not report.fields:
        lines.append("no mapping files: field auto-fill is off")
    else:
        lines.append(
            f"OK: {len(report.fields)} field(s), {warnings} warning(s), extractor {report.extractor}"
        )
    return "\n".join(lines)


def _field_lines(field: FieldView) -> list[str]:
    kind = f"{field.type} {field.lookup}" if field.lookup else field.type
    head = (
        f"  {field.name} -> {field.column} ({kind}), {field.policy}, min {field.min_confidence:.2f}"
        f"  [{field.file}:{field.line}] {field.state.upper()}"
    )
    lines = [head]
    for value in field.values:
        resolved = f" -> {value.resolution}" if value.resolution else ""
        lines.append(f"      {value.name}{resolved}")
    if field.pattern:
        lines.append(f"      pattern {field.pattern}")
    lines += [f"      warning: {problem}" for problem in field.problems]
    return lines


def preview_text(report: PreviewReport, lookups: str) -> str:
    source = report.extractor
    if report.model:
        source += f", model {report.model}, prompt {report.prompt_version}"
    tokens = f"{report.prompt_tokens or 0}+{report.completion_tokens or 0} tokens"
    cost = f"{len(report.attempts)} request(s), {tokens}"
    lines = [f"Extractor: {source} ({cost}, {report.latency_ms} ms)", f"Lookup GUIDs: {lookups}"]
    if report.fallback_reason:
        lines.append(f"The LLM failed, so the offline extractor answered: {report.fallback_reason}")
    for d in report.fields:
        value = d.value if d.value is not None else "-"
        conf = f"  confidence {d.confidence:.2f}" if d.confidence is not None else ""
        lines.append(f"  {d.field:<14} {value!s:<18} {OUTCOME_WORDS[d.outcome]:<10}{conf}")
        if d.lookup_id:
            lines.append(f"      {d.column} = {d.lookup_id}")
        if d.evidence:
            lines.append(f'      evidence: "{d.evidence}"')
        if d.reason:
            lines.append(f"      why: {d.reason}")
    lines += ["", "Note the case would get:" if report.note else "No note: nothing to fill or suggest."]
    lines += [f"  {line}" for line in (report.note or "").splitlines()]
    lines.append("Nothing was written to Creatio.")
    return "\n".join(lines)
