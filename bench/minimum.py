"""The fewest Creatio requests the current design needs for one conversation, derived from the code.

`ConversationSync._create_case` (app/pipeline/chat_to_crm/sync.py), contact matching on (the default) and a
customer known by email only, the first sync seeing the whole conversation:
  1. `CreatioCrm.find_contact`: one `GET Contact?$filter=Email eq ...` (a phone would add a second GET);
  2. `CreatioCrm.create_case`: one JSON `$batch` with POST Contact (the customer is new), POST Case and
     one POST Activity per message, one for the handoff summary and, when the field mappings fill or
     suggest something, one for the auto-fill note (a `$batch` holds up to 100 operations);
     and, the conversation being resolved already, the resolved `StatusId` on the POST Case itself.
So 2 HTTP requests (a conversation resolved after its case exists needs a third: one `PATCH Case`).
Each later sync of the same conversation (a job that runs while its events are still arriving) adds at
least one more. Shared, amortised costs: the OAuth token (once per process and
token lifetime), the auto-fill lookups (CaseCategory, CasePriority: once per `lookup_cache_seconds`) and
the reconciliation (`reconcile_seconds`).
"""

from __future__ import annotations

from typing import Any


def minimum_per_conversation(messages: int, *, autofill_note: bool = True) -> dict[str, Any]:
    activities = messages + 1 + (1 if autofill_note else 0)  # + handoff summary (+ auto-fill note)
    sub_requests = 2 + activities  # POST Contact + POST Case + activities
    requests = {"GET Contact": 1, "$batch": 1}  # a resolved status rides on the POST Case
    return {
        "http_requests": sum(requests.values()),
        "requests": requests,
        "batch_sub_requests": sub_requests,
        "activities": activities,
        "amortised": "token, auto-fill lookups and reconciliation: per process / cache period",
    }
