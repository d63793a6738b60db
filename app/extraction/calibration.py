"""How sure the offline extractor may be of a keyword answer: measured on real customer text, not guessed.

A choice or lookup field is answered with the value whose keywords the customer used. How often that is
right depends on the field, the value and the evidence: one keyword of the value, several different ones,
or keywords of a competing value as well (contested). `MEASURED` holds, for the default mapping, how many
answers of each kind were right on `tests/data/autofill_real/calibrate.jsonl` (real text nobody here wrote;
the published figures come from the other half, `report.jsonl`). An answer's confidence is the lower bound
of a one-sided 95% Wilson interval of that share, so a kind seen rarely stays a suggestion however often it
was right. `python -m app.extraction.calibration_measure` measures again.

A field's measurements hold only for the keywords and patterns they were measured with (its fingerprint):
a mapping that changes them, or fields the table does not know, get the uncalibrated `fallback`.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Literal

from app.extraction.mapping import MappedField

Evidence = Literal["one", "several", "contested"]
Z = 1.645  # one-sided 95%

# (field, fingerprint of its keywords, value, evidence) -> (right, answered) on calibrate.jsonl
MEASURED: dict[tuple[str, str, str, Evidence], tuple[int, int]] = {
    ("category", "c16809c73c13e41c", "Incident", "contested"): (2, 2),
    ("category", "c16809c73c13e41c", "Incident", "one"): (85, 89),
    ("category", "c16809c73c13e41c", "Incident", "several"): (29, 30),
    ("category", "c16809c73c13e41c", "Service request", "one"): (22, 32),
    ("category", "c16809c73c13e41c", "Service request", "several"): (1, 1),
    ("priority", "31fa50c32e1adacf", "High", "one"): (1, 6),
    ("priority", "31fa50c32e1adacf", "Low", "one"): (5, 5),
    ("priority", "31fa50c32e1adacf", "Medium", "one"): (2, 10),
}


def fingerprint(field: MappedField) -> str:
    """Changes when any of the field's values, keywords or patterns change."""
    rules = {name: [list(v.keywords), list(v.patterns)] for name, v in field.values.items()}
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]


def lower_bound(right: int, answered: int) -> float:
    """The Wilson score interval's lower bound of the share right (0 when nothing was answered)."""
    if answered == 0:
        return 0.0
    share = right / answered
    z2 = Z * Z
    centre = share + z2 / (2 * answered)
    spread = Z * math.sqrt(share * (1 - share) / answered + z2 / (4 * answered * answered))
    return max(0.0, (centre - spread) / (1 + z2 / answered))


def confidence(field: MappedField, value: str, evidence: Evidence, fallback: float) -> float:
    """The measured confidence of answering `value` on this evidence; `fallback` for an unmeasured field.
    A kind of evidence not seen for this value takes the field's figure for that kind, then the field's."""
    mark = fingerprint(field)
    known = {key: counts for key, counts in MEASURED.items() if key[0] == field.name and key[1] == mark}
    if not known:
        return fallback
    tiers = (
        [counts for key, counts in known.items() if key[2] == value and key[3] == evidence],
        [counts for key, counts in known.items() if key[3] == evidence],
        list(known.values()),
    )
    counts = next(tier for tier in tiers if tier)
    return round(lower_bound(sum(r for r, _ in counts), sum(n for _, n in counts)), 2)
