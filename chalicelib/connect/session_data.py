"""What the Q in Connect AI agent is told about the caller: ids, names, counts and ``last4``.

``UpdateSessionData`` fills ``$.Custom.<key>`` for the agent's prompts. The service takes at most
50 keys, each value 1-4096 characters (botocore rejects an empty value before sending), so a
value that would be empty is left out and the card summary is cut at a card boundary. Nothing
else about the customer (phone, e-mail, address, lock reasons, expiry) goes into a prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import Card, Customer

MAX_KEYS = 50
MAX_VALUE_CHARS = 4096
#: Cards the customer no longer holds are history, not context for this call.
HELD = frozenset({"active", "locked", "pending_activation"})
_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class CallerProfile:
    """An identified, active customer and the cards they hold."""

    customer: Customer
    cards: tuple[Card, ...]

    @classmethod
    def of(cls, customer: Customer, cards: Sequence[Card]) -> CallerProfile:
        """Keep the cards still held (not closed), in card-id order."""
        held = tuple(sorted((c for c in cards if c.status in HELD), key=lambda c: c.card_id))
        return cls(customer, held)

    @property
    def card_count(self) -> int:
        """Cards the customer holds."""
        return len(self.cards)

    @property
    def locked_card_count(self) -> int:
        """Held cards that are locked."""
        return sum(1 for card in self.cards if card.status == "locked")


def describe_card(card: Card) -> str:
    """One card for a prompt: "visa debit ending 4821: active"."""
    return f"{card.brand} {card.product} ending {card.last4}: {card.status}"


def cards_summary(cards: Sequence[Card], limit: int = MAX_VALUE_CHARS) -> str:
    """Every card on one line, cut at a card boundary with "and N more" to fit ``limit``."""
    parts = [describe_card(card) for card in cards]
    for shown in range(len(parts), 0, -1):
        hidden = len(parts) - shown
        text = _SEPARATOR.join(parts[:shown])
        if hidden:
            text += f"{_SEPARATOR}and {hidden} more"
        if len(text) <= limit:
            return text
    return f"{len(parts)} cards" if parts else ""


def session_data(profile: CallerProfile) -> list[dict[str, Any]]:
    """The ``data`` argument of ``UpdateSessionData``: non-empty values only, ≤ 50 keys."""
    customer = profile.customer
    values = {
        "customerId": customer.customer_id,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "cardCount": str(profile.card_count),
        "lockedCardCount": str(profile.locked_card_count),
        "cardsSummary": cards_summary(profile.cards),
    }
    data = [
        {"key": key, "value": {"stringValue": value.strip()[:MAX_VALUE_CHARS]}}
        for key, value in values.items()
        if value and value.strip()
    ]
    return data[:MAX_KEYS]
