"""Measures calibration.MEASURED: how often each kind of keyword answer is right on labelled real text.

    python -m app.extraction.calibration_measure [DATASET.jsonl] [MAPPINGS_DIR]

prints the table to paste into calibration.py (defaults: tests/data/autofill_real/calibrate.jsonl and
field_mappings/). tests/extraction/test_calibration.py checks that the shipped table is this measurement.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from app.extraction.calibration import Evidence, fingerprint
from app.extraction.eval import Example, canonical, load_dataset
from app.extraction.mapping import FieldMapping
from app.extraction.mapping_loader import load_mapping
from app.extraction.offline import OfflineExtractor

Key = tuple[str, str, str, Evidence]
DATASET = Path("tests/data/autofill_real/calibrate.jsonl")


def measure(mapping: FieldMapping, examples: Sequence[Example]) -> dict[Key, tuple[int, int]]:
    """(field, fingerprint, value, evidence) -> (right, answered), over the fields each example labels."""
    extractor = OfflineExtractor(mapping)
    counts: dict[Key, tuple[int, int]] = {}
    for example in examples:
        for name, answer in extractor.keyword_answers(example.transcript).items():
            if answer is None or name not in example.expected:
                continue
            field = mapping.field(name)
            key = (name, fingerprint(field), answer.value, answer.evidence)
            right, answered = counts.get(key, (0, 0))
            counts[key] = (right + (canonical(answer.value) == example.expected[name]), answered + 1)
    return dict(sorted(counts.items()))


def main(argv: Sequence[str]) -> int:
    dataset = Path(argv[0]) if argv else DATASET
    mapping = load_mapping(Path(argv[1]) if len(argv) > 1 else Path("field_mappings"))
    if not mapping.ok:
        print("\n".join(str(p) for p in mapping.problems) or "no mapping files with fields", file=sys.stderr)
        return 1
    print("MEASURED: dict[tuple[str, str, str, Evidence], tuple[int, int]] = {")
    for key, counts in measure(mapping, load_dataset(dataset)).items():
        print(f"    {key!r}: {counts!r},")
    print("}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
