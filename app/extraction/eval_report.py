"""Prints an eval: a plain progress bar on stderr, then per field the accuracy table, what would be written
(applied) or only suggested and how often it is right, the calibration table and the common confusions;
or the same figures as JSON."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import TextIO

from app.extraction.eval import Band, EvalReport, FieldScore

BAR_WIDTH = 30
TOP_CONFUSIONS = 3


class ProgressBar:
    """`[#########.....]  12/40` redrawn in place (a carriage return); a newline when done."""

    def __init__(self, stream: TextIO | None = None, label: str = "eval") -> None:
        self._given = stream
        self._label = label

    @property
    def _stream(self) -> TextIO:
        return self._given or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {done:>4}/{total}")
        if done >= total:
            self._stream.write("\n")
        self._stream.flush()


def _pct(value: float | None) -> str:
    return "     -" if value is None else f"{100 * value:5.1f}%"


def _row(s: FieldScore, width: int) -> str:
    return (
        f"{s.name:<{width}} {s.total:>5} {_pct(s.accuracy):>9} {_pct(s.abstain_rate):>9} "
        f"{_pct(s.answered_accuracy):>9}"
    )


def _trust_row(s: FieldScore, width: int) -> str:
    return (
        f"{s.name:<{width}} {s.applied:>7} {_pct(s.applied_precision):>9} {_pct(s.coverage):>9} "
        f"{_pct(s.baseline):>9} {s.suggested:>9} {_pct(s.suggested_precision):>9} {s.abstained:>7}"
    )


def _band(band: Band) -> str:
    share = "-" if band.share_right is None else f"{100 * band.share_right:.0f}%"
    return f"{band.low:.1f}-{band.high:.1f}: {band.right}/{band.answered} {share}"


def format_report(report: EvalReport, examples: int) -> str:
    source = report.extractor + (f" ({report.model}, prompt {report.prompt_version})" if report.model else "")
    width = max([len("field"), len("overall"), *(len(s.name) for s in report.scores)])
    lines = [
        f"{examples} conversations, extractor: {source}",
        f"{'field':<{width}} {'n':>5} {'accuracy':>9} {'abstain':>9} {'answered':>9}",
    ]
    lines += [_row(s, width) for s in report.scores]
    total = sum(s.total for s in report.scores)
    lines.append(f"{'overall':<{width}} {total:>5} {_pct(report.overall_accuracy):>9}")
    if report.fallbacks:
        lines.append(f"{report.fallbacks} conversation(s) fell back to the offline extractor")
    lines += [
        "",
        "Written (applied: confidence >= the field's min_confidence, policy allowing) or only suggested:",
        f"{'field':<{width}} {'applied':>7} {'precision':>9} {'coverage':>9} {'baseline':>9} "
        f"{'suggested':>9} {'precision':>9} {'abstain':>7}",
    ]
    lines += [_trust_row(s, width) for s in report.scores]
    lines += ["", "Calibration (confidence band: right/answered, share right):"]
    for s in report.scores:
        bands = [_band(b) for b in s.bands if b.answered]
        lines.append(f"  {s.name}: {'; '.join(bands) if bands else 'no answers'}")
    lines += ["", "Most common confusions (expected -> predicted):"]
    confused = [s for s in report.scores if s.confusions]
    for s in confused:
        pairs = ", ".join(f"{e} -> {p} ({n})" for (e, p), n in s.confusions.most_common(TOP_CONFUSIONS))
        lines.append(f"  {s.name}: {pairs}")
    if not confused:
        lines.append("  none")
    lines.append("(accuracy counts a correct 'unknown' as right; answered: accuracy where a value was given;")
    lines.append(" coverage: share of conversations where a value is written; baseline: how often always")
    lines.append(" answering the most common value would be right)")
    return "\n".join(lines)


def figures(report: EvalReport) -> dict[str, object]:
    """Everything format_report prints, as JSON-ready data."""
    return {
        "extractor": report.extractor,
        "model": report.model,
        "prompt_version": report.prompt_version,
        "overall_accuracy": report.overall_accuracy,
        "fallbacks": report.fallbacks,
        "fields": {s.name: _field_figures(s) for s in report.scores},
    }


def _field_figures(s: FieldScore) -> dict[str, object]:
    return {
        "n": s.total,
        "accuracy": s.accuracy,
        "abstain_rate": s.abstain_rate,
        "answered_accuracy": s.answered_accuracy,
        "applied": s.applied,
        "applied_precision": s.applied_precision,
        "coverage": s.coverage,
        "majority_value": s.majority_value,
        "baseline": s.baseline,
        "suggested": s.suggested,
        "suggested_precision": s.suggested_precision,
        "abstained": s.abstained,
        "calibration": [_band_figures(b) for b in s.bands],
        "confusions": [[e, p, n] for (e, p), n in s.confusions.most_common()],
    }


def _band_figures(band: Band) -> dict[str, object]:
    return {**asdict(band), "share_right": band.share_right}


def below_precision(report: EvalReport, floor: float) -> list[str]:
    """The fields whose applied precision is below `floor` (a field that applied nothing is not below)."""
    return [
        f"{s.name}: applied precision {s.applied_precision:.3f} is below {floor:.3f} ({s.applied} applied)"
        for s in report.scores
        if s.applied_precision is not None and s.applied_precision < floor
    ]
