"""`casebridge mappings check`, `casebridge autofill preview FILE` and `casebridge eval DATASET`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli.main import main
from app.observability.logs import _NOISY_LOGGERS as NOISY_LOGGERS
from tests.support.paths import MAPPINGS, REPO


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No saved connection and no LLM key from the developer's environment; logging restored after."""
    monkeypatch.setenv("CASEBRIDGE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CASEBRIDGE_FIELD_MAPPINGS_DIR", str(MAPPINGS))
    for name in ("CASEBRIDGE_LLM_API_KEY", "CASEBRIDGE_CREATIO_INSTANCE_URL", "CASEBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in NOISY_LOGGERS})
    yield
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_mappings_check_lists_fields_and_lookup_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mappings", "check"]) == 0
    out = capsys.readouterr().out
    assert "Field mappings in " in out
    assert "  priority -> PriorityId (lookup CasePriority), until_human_edit, min 0.70" in out
    assert "Lookup values: not resolved: no database at " in out
    assert "      Critical -> not checked (no Creatio connection used)" in out
    assert out.rstrip().endswith("OK: 4 field(s), 0 warning(s), extractor offline")


def test_mappings_check_fails_with_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.yaml").write_text(
        "version: 1\nfields:\n  priority:\n    column: PriorityId\n    type: lookp\n"
    )
    assert main(["mappings", "check", "--dir", str(tmp_path), "--offline"]) == 1
    out = capsys.readouterr().out
    assert f"ERROR {tmp_path / 'm.yaml'}:5: field 'priority': type: Input should be" in out
    assert "2 problem(s): field auto-fill stays off until they are fixed" in out


def test_autofill_preview_of_a_text_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = tmp_path / "chat.txt"
    transcript.write_text(
        "Customer: The mobile app crashes on my iPhone, order AB-123456.\n"
        "AI: Sorry! Did reinstalling help?\n"
        "Customer: No. I cannot work,\nI need this fixed asap.\n"
    )
    assert main(["autofill", "preview", str(transcript), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "Extractor: offline (0 request(s), 0+0 tokens," in out
    assert "  order_number   AB-123456          WOULD FILL  confidence 0.90" in out
    assert "  category       Incident           skip        confidence 0.90" in out
    assert "no GUID for 'High' (not looked up in CasePriority yet); not sent" not in out
    assert "Nothing was written to Creatio." in out
    assert main(["autofill", "preview", str(transcript), "--offline", "--json"]) == 0
    preview = json.loads(capsys.readouterr().out)
    assert preview["written"] is False
    assert [f["field"] for f in preview["fields"]] == ["priority", "category", "order_number", "product"]


def test_autofill_preview_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["autofill", "preview", str(tmp_path / "nope.txt"), "--offline"]) == 1
    assert "nope.txt: [Errno 2] No such file or directory" in capsys.readouterr().err


def test_eval_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    dataset = REPO / "tests" / "data" / "autofill_eval.jsonl"
    assert main(["eval", str(dataset), "--json"]) == 0
    captured = capsys.readouterr()
    figures = json.loads(captured.out)
    assert figures["extractor"] == "offline"
    assert set(figures["fields"]) == {"priority", "category", "order_number", "product"}
    assert all(f["n"] >= 30 for f in figures["fields"].values())
    for field in figures["fields"].values():
        assert field["applied"] + field["suggested"] + field["abstained"] == field["n"]
        assert sum(band["answered"] for band in field["calibration"]) == field["applied"] + field["suggested"]
    assert captured.err.endswith("/37\n")
    assert main(["eval", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "Most common confusions (expected -> predicted):" in out
    assert "Calibration (confidence band: right/answered, share right):" in out


def test_eval_fails_under_an_applied_precision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "m.yaml").write_text(  # every answer is written
        "version: 1\ndefaults: {min_confidence: 0}\nfields:\n  priority:\n    column: PriorityId\n"
        "    type: choice\n    description: Urgency.\n    values: {High: {keywords: [urgent]}, Low: Low.}\n"
    )
    dataset = tmp_path / "set.jsonl"
    message = {"author": "customer", "text": "It is urgent."}
    dataset.write_text(json.dumps({"id": "a", "messages": [message], "expected": {"priority": "Low"}}))
    ran = ["eval", str(dataset), "--offline", "--dir", str(mappings)]
    assert main([*ran, "--json", "--fail-under-precision", "0.9"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["fields"]["priority"]["applied_precision"] == 0.0
    expected = "--fail-under-precision: priority: applied precision 0.000 is below 0.900 (1 applied)"
    assert expected in captured.err
    assert main([*ran, "--fail-under-precision", "0"]) == 0
    assert main(ran) == 0


def test_eval_refuses_a_precision_that_is_not_a_share(capsys: pytest.CaptureFixture[str]) -> None:
    dataset = REPO / "tests" / "data" / "autofill_eval.jsonl"
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", str(dataset), "--fail-under-precision", "90"])
    assert exit_info.value.code == 2
    assert "'90' is not a share between 0 and 1 (e.g. 0.9)" in capsys.readouterr().err
