"""Prints an eval: a plain progress bar on stderr, then a per-field table and the common confusions."""

from __future__ import annotations

import sys
from typing import TextIO

from app.extraction.eval import EvalReport, FieldScore

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
    lines += ["", "Most common confusions (expected -> predicted):"]
    confused = [s for s in report.scores if s.confusions]
    for s in confused:
        pairs = ", ".join(f"{e} -> {p} ({n})" for (e, p), n in s.confusions.most_common(TOP_CONFUSIONS))
        lines.append(f"  {s.name}: {pairs}")
    if not confused:
        lines.append("  none")
    lines.append("(accuracy counts a correct 'unknown' as right; answered: accuracy where a value was given)")
    return "\n".join(lines)
