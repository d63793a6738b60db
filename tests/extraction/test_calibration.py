"""The offline extractor's confidence: measured on the real-text calibration half, checked on the other."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.extraction import calibration
from app.extraction.calibration import MEASURED, confidence, fingerprint, lower_bound
from app.extraction.calibration_measure import main, measure
from app.extraction.eval import load_dataset, run_eval
from app.extraction.mapping import FieldMapping
from app.extraction.offline import OfflineExtractor
from tests.support.paths import REPO

REAL = REPO / "tests" / "data" / "autofill_real"


def test_the_shipped_table_is_the_measurement_of_the_calibration_half(mapping: FieldMapping) -> None:
    assert measure(mapping, load_dataset(REAL / "calibrate.jsonl")) == MEASURED


def test_the_measuring_command_prints_the_table(
    mapping: FieldMapping, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("MEASURED: dict[tuple[str, str, str, Evidence], tuple[int, int]] = {\n")
    key, counts = next(iter(MEASURED.items()))
    assert f"    {key!r}: {counts!r},\n" in out


async def test_on_the_held_out_half_what_is_written_is_right(mapping: FieldMapping) -> None:
    """The acceptance figure of docs/autofill-quality.md: on real text the calibration never saw, every
    field that writes anything is right at least 9 times in 10, and more often than a constant answer."""
    examples = load_dataset(REAL / "report.jsonl")
    report = await run_eval(OfflineExtractor(mapping), mapping, examples)
    written = [s for s in report.scores if s.applied]
    assert {s.name for s in written} == {"category"}  # priority is only suggested; see the doc
    for s in report.scores:
        if s.applied_precision is not None:
            assert s.applied_precision >= 0.9, s.name
            assert s.baseline is None or s.applied_precision > s.baseline, s.name
    category = report.scores[1]
    assert (category.coverage or 0.0) > 0.1


def test_the_lower_bound_is_cautious_with_few_answers() -> None:
    assert lower_bound(0, 0) == 0.0
    assert round(lower_bound(5, 5), 2) == 0.65  # five right of five is still a suggestion at 0.7
    assert round(lower_bound(85, 89), 2) == 0.9
    assert lower_bound(1, 10) < 0.1
    assert lower_bound(50, 100) < 0.5 < lower_bound(60, 100)


def test_changed_keywords_lose_their_measurement(mapping: FieldMapping) -> None:
    category = mapping.field("category")
    assert confidence(category, "Incident", "one", fallback=0.42) == 0.9
    changed_values = dict(category.values)
    changed_values["Incident"] = category.values["Incident"].model_copy(update={"keywords": ["kaputt"]})
    changed = replace(category, spec=category.spec.model_copy(update={"values": changed_values}))
    assert fingerprint(changed) != fingerprint(category)
    assert confidence(changed, "Incident", "one", fallback=0.42) == 0.42


def test_an_unseen_kind_of_evidence_takes_the_fields_figure(
    mapping: FieldMapping, monkeypatch: pytest.MonkeyPatch
) -> None:
    category = mapping.field("category")
    mark = fingerprint(category)
    table = {
        ("category", mark, "Incident", "one"): (90, 100),
        ("category", mark, "Service request", "one"): (10, 100),
        ("category", mark, "Incident", "several"): (30, 30),
    }
    monkeypatch.setattr(calibration, "MEASURED", table)
    assert confidence(category, "Service request", "one", 0.9) == round(lower_bound(10, 100), 2)
    assert confidence(category, "Service request", "several", 0.9) == round(lower_bound(30, 30), 2)
    assert confidence(category, "Incident", "contested", 0.9) == round(lower_bound(130, 230), 2)
    assert confidence(mapping.field("product"), "API", "one", 0.9) == 0.9  # product is not measured


def test_the_real_set_is_big_enough_and_multilingual() -> None:
    examples = [*load_dataset(REAL / "calibrate.jsonl"), *load_dataset(REAL / "report.jsonl")]
    assert len(examples) >= 200
    assert len({e.id for e in examples}) == len(examples)
    languages = {e.language for e in examples}
    assert "en" in languages
    assert len(languages - {"en", None}) >= 2
    assert all(m.text.strip() for e in examples for m in e.transcript.messages)
    for half in ("calibrate", "report"):
        assert Path(REAL / f"{half}.jsonl").read_text(encoding="utf-8").startswith("# Real customer text")
