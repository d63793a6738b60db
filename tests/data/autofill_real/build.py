"""Builds the real-text eval set from the source excerpts beside this file (each folder's README says where
they come from, under which licence, and how its labels become priority and category).

    python tests/data/autofill_real/build.py

writes `calibrate.jsonl` (the half the offline extractor's confidence was calibrated on) and `report.jsonl`
(the half the published figures come from). Messages are the sources' text, unchanged; which half a
conversation falls in depends only on its id.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# Banking77 intents (the source's label) read as the mapping's category. Intents where the customer may or
# may not report a fault (a payment still pending, a fee they ask about, a card not arrived yet) get no
# category: they are not scored for it.
BANKING77_INCIDENT = {
    "Refund_not_showing_up",
    "balance_not_updated_after_bank_transfer",
    "balance_not_updated_after_cheque_or_cash_deposit",
    "card_not_working",
    "card_payment_not_recognised",
    "card_payment_wrong_exchange_rate",
    "card_swallowed",
    "cash_withdrawal_not_recognised",
    "compromised_card",
    "contactless_not_working",
    "declined_card_payment",
    "declined_cash_withdrawal",
    "declined_transfer",
    "direct_debit_payment_not_recognised",
    "extra_charge_on_statement",
    "failed_transfer",
    "lost_or_stolen_card",
    "lost_or_stolen_phone",
    "pin_blocked",
    "top_up_failed",
    "top_up_reverted",
    "transaction_charged_twice",
    "transfer_not_received_by_recipient",
    "unable_to_verify_identity",
    "virtual_card_not_working",
    "wrong_amount_of_cash_received",
    "wrong_exchange_rate_for_cash_withdrawal",
}
BANKING77_SERVICE_REQUEST = {
    "activate_my_card",
    "age_limit",
    "apple_pay_or_google_pay",
    "atm_support",
    "automatic_top_up",
    "cancel_transfer",
    "card_about_to_expire",
    "card_acceptance",
    "card_delivery_estimate",
    "card_linking",
    "change_pin",
    "country_support",
    "disposable_card_limits",
    "edit_personal_details",
    "exchange_rate",
    "exchange_via_app",
    "fiat_currency_support",
    "get_disposable_virtual_card",
    "get_physical_card",
    "getting_spare_card",
    "getting_virtual_card",
    "order_physical_card",
    "receiving_money",
    "request_refund",
    "supported_cards_and_currencies",
    "terminate_account",
    "top_up_by_bank_transfer_charge",
    "top_up_by_card_charge",
    "top_up_by_cash_or_cheque",
    "top_up_limits",
    "topping_up_by_card",
    "transfer_into_account",
    "transfer_timing",
    "verify_my_identity",
    "verify_source_of_funds",
    "verify_top_up",
    "visa_or_mastercard",
    "why_verify_identity",
}
# Jira's priority (set by the reporter or a triager) read as the mapping's priority.
HADOOP_PRIORITY = {
    "Blocker": "Critical",
    "Critical": "High",
    "Major": "Medium",
    "Minor": "Low",
    "Trivial": "Low",
}
# The VS Code issue form's "Issue Type", chosen by the reporter.
VSCODE_CATEGORY = {"Bug": "Incident", "Performance Issue": "Incident", "Feature Request": "Service request"}


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _customer(*texts: str) -> list[dict[str, str]]:
    return [{"author": "customer", "text": text} for text in texts if text.strip()]


def banking77() -> Iterator[dict[str, Any]]:
    for number, row in enumerate(_rows("banking77/test_sample.csv"), start=1):
        intent = row["category"]
        expected: dict[str, str | None] = {"order_number": None}
        if intent in BANKING77_INCIDENT:
            expected["category"] = "Incident"
        elif intent in BANKING77_SERVICE_REQUEST:
            expected["category"] = "Service request"
        yield {
            "id": f"banking77-{number:03d}",
            "language": "en",
            "tags": ["banking77", f"intent:{intent}"],
            "messages": _customer(row["text"]),
            "expected": expected,
        }


def hadoop() -> Iterator[dict[str, Any]]:
    for row in _rows("hadoop_jira/hadoop_bugs_sample.csv"):
        yield {
            "id": f"hadoop-{row['Issue id']}",
            "language": "en",
            "tags": ["hadoop_jira", f"jira_priority:{row['Priority']}"],
            "messages": _customer(row["Summary"], row["Description"]),
            "expected": {
                "priority": HADOOP_PRIORITY[row["Priority"]],
                "category": "Incident",  # every issue in the file is a Jira Bug
                "order_number": None,
            },
        }


def vscode() -> Iterator[dict[str, Any]]:
    for row in _rows("vscode_multilingual/issues_sample.csv"):
        yield {
            "id": f"vscode-{row['number']}",
            "language": row["src_lang"] or None,
            "tags": ["vscode_multilingual", f"issue_type:{row['issue_type']}"],
            "messages": _customer(row["title"]),
            "expected": {"category": VSCODE_CATEGORY[row["issue_type"]], "order_number": None},
        }


def half(conversation_id: str) -> str:
    return "calibrate" if hashlib.sha256(conversation_id.encode()).digest()[0] % 2 == 0 else "report"


def main() -> None:
    header = "# Real customer text for `casebridge eval` ({}); built by build.py, sources in README.md.\n"
    out = {name: [header.format(name)] for name in ("calibrate", "report")}
    for item in [*banking77(), *hadoop(), *vscode()]:
        out[half(item["id"])].append(json.dumps(item, ensure_ascii=False) + "\n")
    for name, lines in out.items():
        (HERE / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
        print(f"{name}.jsonl: {len(lines) - 1} conversations")


if __name__ == "__main__":
    main()
