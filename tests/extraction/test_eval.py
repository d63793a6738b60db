"""The eval: figures computed right (checked against a scripted extractor), and the shipped dataset."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from app.domain.transcript import Transcript
from app.extraction.eval import DatasetError, Example, canonical, load_dataset, run_eval
from app.extraction.eval_report import ProgressBar, below_precision, figures, format_report
from app.extraction.mapping import FieldMapping
from app.extraction.offline import OfflineExtractor
from app.extraction.types import Extraction, ExtractorInfo, FieldValue
from tests.support.paths import REPO

DATASET = REPO / "tests" / "data" / "autofill_eval.jsonl"


class Scripted:
    """Answers each conversation (by id) with fixed values."""

    def __init__(self, answers: dict[str, dict[str, str | None]]) -> None:
        self.answers = answers

    @property
    def info(self) -> ExtractorInfo:
        return ExtractorInfo("llm", model="scripted", prompt_version="p-test")

    async def extract(self, transcript: Transcript) -> Extraction:
        values = {
            k: FieldValue(v, 0.9, "x") for k, v in self.answers[transcript.conversation_external_id].items()
        }
        fallback = "timeout" if transcript.conversation_external_id == "d" else None
        return Extraction(values, "llm", fallback_reason=fallback)


def write_dataset(tmp_path: Path) -> Path:
    rows = [
        ("a", {"priority": "High", "category": "Incident"}),
        ("b", {"priority": "Low", "category": None}),
        ("c", {"priority": None, "category": "Service request"}),
        ("d", {"priority": "High"}),  # category not labelled: not scored
    ]
    path = tmp_path / "set.jsonl"
    lines = ["# comment", ""] + [
        json.dumps({"id": i, "messages": [{"author": "customer", "text": "hi"}], "expected": e})
        for i, e in rows
    ]
    path.write_text("\n".join(lines))
    return path


async def test_figures_are_computed_from_the_predictions(tmp_path: Path, mapping: FieldMapping) -> None:
    examples = load_dataset(write_dataset(tmp_path))
    extractor = Scripted(
        {
            "a": {"priority": "High", "category": "Service request"},  # right, wrong
            "b": {"priority": None, "category": None},  # abstained (wrong), right "unknown"
            "c": {"priority": "Medium", "category": "Service request"},  # wrong (should abstain), right
            "d": {"priority": "high", "category": "Incident"},  # right (case-insensitive)
        }
    )
    progress: list[tuple[int, int]] = []
    report = await run_eval(extractor, mapping, examples, lambda done, total: progress.append((done, total)))
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    priority, category, order, product = report.scores
    assert (priority.total, priority.correct, priority.abstained, priority.answered_correct) == (4, 2, 1, 2)
    assert (priority.accuracy, priority.abstain_rate, priority.answered_accuracy) == (0.5, 0.25, 2 / 3)
    assert priority.confusions == Counter({("low", "(none)"): 1, ("(none)", "medium"): 1})
    assert (category.total, category.correct, category.abstained, category.answered_correct) == (3, 2, 1, 1)
    assert category.answered_accuracy == 0.5
    assert category.confusions == Counter({("incident", "service request"): 1})
    assert (order.total, order.accuracy, order.abstain_rate, order.answered_accuracy) == (0, None, None, None)
    assert product.total == 0
    assert report.overall_accuracy == 4 / 7
    assert (report.fallbacks, report.model) == (1, "scripted")
    text = format_report(report, len(examples))
    assert "priority         4     50.0%     25.0%     66.7%" in text
    assert "category         3     66.7%     33.3%     50.0%" in text
    assert "order_number     0         -         -         -" in text
    assert "overall          7     57.1%" in text
    assert "  priority: low -> (none) (1), (none) -> medium (1)" in text
    assert "1 conversation(s) fell back to the offline extractor" in text


class Confident:
    """Answers each conversation (by id) with fixed (value, confidence) pairs."""

    def __init__(self, answers: dict[str, dict[str, tuple[str | None, float]]]) -> None:
        self.answers = answers

    @property
    def info(self) -> ExtractorInfo:
        return ExtractorInfo("offline")

    async def extract(self, transcript: Transcript) -> Extraction:
        answers = self.answers[transcript.conversation_external_id]
        return Extraction({k: FieldValue(v, c, "x") for k, (v, c) in answers.items()}, "offline")


def priority_set(tmp_path: Path) -> tuple[list[Example], Confident]:
    rows = [  # id, expected, (answer, confidence): what happens at the default min_confidence 0.7
        ("a", "High", ("High", 0.9)),  # applied, right
        ("b", "Medium", ("Low", 0.95)),  # applied, wrong
        ("c", "High", ("High", 0.65)),  # suggested, right
        ("d", "Low", ("Critical", 0.5)),  # suggested, wrong
        ("e", "High", (None, 0.0)),  # abstained
        ("f", None, ("Low", 0.7)),  # applied (at the threshold), wrong: there is no priority to find
    ]
    path = tmp_path / "set.jsonl"
    message = {"author": "customer", "text": "hi"}
    lines = [json.dumps({"id": i, "messages": [message], "expected": {"priority": e}}) for i, e, _ in rows]
    path.write_text("\n".join(lines))
    return load_dataset(path), Confident({i: {"priority": answer} for i, _, answer in rows})


async def test_applied_and_suggested_precision_and_calibration(tmp_path: Path, mapping: FieldMapping) -> None:
    examples, extractor = priority_set(tmp_path)
    priority = (await run_eval(extractor, mapping, examples)).scores[0]
    assert (priority.applied, priority.applied_correct, priority.applied_precision) == (3, 1, 1 / 3)
    assert priority.coverage == 0.5
    assert (priority.suggested, priority.suggested_correct, priority.suggested_precision) == (2, 1, 0.5)
    assert priority.abstained == 1
    assert priority.majority_value == "high"  # 3 of the 5 labelled values
    assert priority.baseline == 0.5  # "always High" is right on a, c and e of the six
    bands = {(b.low, b.high): (b.right, b.answered) for b in priority.bands}
    assert bands == {
        (0.0, 0.5): (0, 0),
        (0.5, 0.6): (0, 1),
        (0.6, 0.7): (1, 1),
        (0.7, 0.8): (0, 1),
        (0.8, 0.9): (0, 0),
        (0.9, 1.0): (1, 2),
    }


async def test_a_suggest_only_field_applies_nothing(tmp_path: Path, mapping: FieldMapping) -> None:
    examples, extractor = priority_set(tmp_path)
    quiet = replace(mapping, fields=tuple(replace(f, policy="suggest_only") for f in mapping.fields))
    priority = (await run_eval(extractor, quiet, examples)).scores[0]
    assert (priority.applied, priority.applied_precision, priority.coverage) == (0, None, 0.0)
    assert (priority.suggested, priority.suggested_correct) == (5, 2)


async def test_the_trust_figures_are_printed_and_in_the_json(tmp_path: Path, mapping: FieldMapping) -> None:
    examples, extractor = priority_set(tmp_path)
    report = await run_eval(extractor, mapping, examples)
    text = format_report(report, len(examples))
    assert "field        applied precision  coverage  baseline suggested precision abstain" in text
    assert "priority           3     33.3%     50.0%     50.0%         2     50.0%       1" in text
    assert "  priority: 0.5-0.6: 0/1 0%; 0.6-0.7: 1/1 100%; 0.7-0.8: 0/1 0%; 0.9-1.0: 1/2 50%" in text
    assert "  category: no answers" in text
    data = json.loads(json.dumps(figures(report)))
    got = data["fields"]["priority"]
    assert {k: got[k] for k in ("applied", "suggested", "abstained", "majority_value")} == {
        "applied": 3,
        "suggested": 2,
        "abstained": 1,
        "majority_value": "high",
    }
    assert (got["applied_precision"], got["coverage"], got["suggested_precision"]) == (1 / 3, 0.5, 0.5)
    assert got["calibration"][5] == {"low": 0.9, "high": 1.0, "answered": 2, "right": 1, "share_right": 0.5}
    assert data["fields"]["category"]["applied_precision"] is None
    assert below_precision(report, 0.3) == []
    assert below_precision(report, 0.9) == ["priority: applied precision 0.333 is below 0.900 (3 applied)"]


def test_dataset_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "messages": [], "expected": {}}\n{"id": "b", "messages": [{"author": "x"}]}\n'
    )
    with pytest.raises(DatasetError, match=r"bad\.jsonl:2: not a labelled conversation"):
        load_dataset(path)


def test_canonical_values() -> None:
    assert [canonical(v) for v in (None, True, 40.0, 2.5, " High ")] == [None, "true", "40", "2.5", "high"]


def test_the_shipped_dataset_is_varied() -> None:
    examples = load_dataset(DATASET)
    assert len(examples) >= 30
    assert len({e.language for e in examples}) >= 5
    tags = Counter(t for e in examples for t in e.tags)
    assert tags["injection"] >= 3
    assert tags["unknown"] >= 3
    assert tags["noise"] >= 3
    assert sum(all(v is None for v in e.expected.values()) for e in examples) >= 3
    assert {e.id for e in examples}.__len__() == len(examples)


async def test_offline_eval_over_the_shipped_dataset(mapping: FieldMapping) -> None:
    examples = load_dataset(DATASET)
    report = await run_eval(OfflineExtractor(mapping), mapping, examples)
    for s in report.scores:  # recomputed independently from the per-conversation predictions
        pairs = [(e.expected[s.name], p[s.name]) for e, p in zip(examples, report.predictions, strict=True)]
        assert s.total == len(examples)
        assert s.correct == sum(expected == got for expected, got in pairs)
        assert s.abstained == sum(got is None for _, got in pairs)
        assert sum(s.confusions.values()) == s.total - s.correct
    assert report.extractor == "offline"


def test_the_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    bar = ProgressBar(sys.stderr, "eval")
    bar(1, 4)
    bar(4, 4)
    err = capsys.readouterr().err
    assert (
        err
        == "\reval [#######.......................]    1/4\reval [##############################]    4/4\n"
    )
