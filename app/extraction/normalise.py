"""Text normalisation shared by evidence checks and keyword matching (case, width, quotes, spaces)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_EDGES = " \t\n\"'`.,;:!?…-()[]"
MAX_EVIDENCE_CHARS = 300


def normalise(text: str) -> str:
    """NFKC, case-folded, typographic quotes and dashes made plain, whitespace folded to one space."""
    folded = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    return _SPACE.sub(" ", folded).strip()


def quote_core(quote: str) -> str:
    """The normalised quote without surrounding quotes, ellipses or punctuation."""
    core = normalise(quote)
    while core.startswith("..."):
        core = core[3:]
    while core.endswith("..."):
        core = core[:-3]
    return core.strip(_EDGES)


def occurs_in(quote: str, normalised_transcript: str) -> bool:
    """Whether the quote (normalised) is a substring of the already normalised transcript."""
    core = quote_core(quote)
    return bool(core) and core in normalised_transcript
