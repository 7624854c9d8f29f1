"""What the AI agent is told: ids, names, counts and last4 only, within the service's limits."""

from __future__ import annotations

import json
from dataclasses import replace

from chalicelib.connect.session_data import (
    MAX_KEYS,
    MAX_VALUE_CHARS,
    CallerProfile,
    cards_summary,
    session_data,
)
from chalicelib.domain import Address, Customer
from tests.fakes.connect import SEED_CARDS, SEED_CUSTOMERS, _card

ALICE, BRIAN, _ = SEED_CUSTOMERS


def as_dict(data: list[dict[str, object]]) -> dict[str, str]:
    return {item["key"]: item["value"]["stringValue"] for item in data}  # type: ignore[index]


def test_brian_with_a_locked_card() -> None:
    profile = CallerProfile.of(BRIAN, [c for c in SEED_CARDS if c.customer_id == "CUST002"])
    assert as_dict(session_data(profile)) == {
        "customerId": "CUST002",
        "firstName": "Brian",
        "lastName": "Okafor",
        "cardCount": "2",
        "lockedCardCount": "1",
        "cardsSummary": "visa debit ending 7710: active; visa credit ending 3056: locked",
    }


def test_no_contact_details_reach_the_prompt() -> None:
    customer = replace(ALICE, address=Address("1 Main St", "Springfield", "IL", "62701", "US"))
    profile = CallerProfile.of(customer, [c for c in SEED_CARDS if c.customer_id == "CUST001"])
    text = json.dumps(session_data(profile))
    for secret in ("Main St", "62701", "Springfield", "+1555", "@", "09/29"):
        assert secret not in text


def test_closed_cards_are_history_not_context() -> None:
    cards = [
        _card("CARD001", "CUST001", "debit", "visa", "4821", "closed"),
        _card("CARD009", "CUST001", "debit", "visa", "5000", "pending_activation"),
    ]
    values = as_dict(session_data(CallerProfile.of(ALICE, cards)))
    assert values["cardCount"] == "1"
    assert values["cardsSummary"] == "visa debit ending 5000: pending_activation"


def test_empty_values_are_left_out() -> None:
    nameless = Customer("CUST004", "", "  ", "active")
    data = session_data(CallerProfile.of(nameless, []))
    values = as_dict(data)
    assert values == {"customerId": "CUST004", "cardCount": "0", "lockedCardCount": "0"}
    assert all(item["value"]["stringValue"] for item in data)  # type: ignore[index]


def test_a_huge_wallet_is_cut_at_a_card_boundary() -> None:
    cards = [
        _card(f"CARD{i:04d}", "CUST001", "debit", "visa", f"{i:04d}", "active") for i in range(500)
    ]
    summary = cards_summary(CallerProfile.of(ALICE, cards).cards)
    assert len(summary) <= MAX_VALUE_CHARS
    assert summary.endswith(" more")
    shown = summary.split("; and ")[0].split("; ")
    hidden = int(summary.rsplit("and ", 1)[1].split()[0])
    assert len(shown) + hidden == 500
    assert all(part.startswith("visa debit ending ") for part in shown)


def test_summary_limit_degrades_to_a_count() -> None:
    assert cards_summary(SEED_CARDS[:2], limit=10) == "2 cards"
    assert cards_summary([], limit=10) == ""


def test_keys_and_value_lengths_stay_within_limits() -> None:
    long_name = Customer("CUST005", "A" * 5000, "B", "active")
    data = session_data(CallerProfile.of(long_name, list(SEED_CARDS)))
    assert len(data) <= MAX_KEYS
    assert all(1 <= len(item["value"]["stringValue"]) <= MAX_VALUE_CHARS for item in data)  # type: ignore[index]
