"""Where the repository and its shipped field mappings and prompts are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "field_mappings"
PROMPTS = REPO / "prompts"
