"""SPEC §4 as a pure, deliberately naive model: the oracle the stateful tests compare against.

Written from the SPEC's table, not from ``chalicelib.domain``: if both were the same code, a
wrong rule would agree with itself. Two rules the SPEC leaves open are pinned here the way the
team decided them (docs/RELIABILITY.md lists them):

* a fraud lock over a weaker lock is a change (``lock_escalated``): otherwise a channel that may
  not lift fraud locks could lift one by unlocking the weaker lock it sits on;
* a card gets at most one replacement, ever: asking again names the first replacement
  (``REPLACEMENT_ALREADY_REQUESTED``), unless the card was closed by activating it
  (``CARD_CLOSED``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

FRAUD = "suspected_fraud"
CLOSE_AT_ONCE = ("lost", "stolen")


@dataclass(frozen=True)
class ModelCard:
    """What the model knows of a card."""

    owner: str
    status: str
    version: int = 1
    lock_reason: str | None = None
    replacement_for: str | None = None
    replaced_by: str | None = None
    closed_reason: str | None = None

    def observable(self) -> dict[str, Any]:
        """The fields compared with the stored card and with responses."""
        return {
            "status": self.status,
            "version": self.version,
            "lock_reason": self.lock_reason,
            "replacement_for": self.replacement_for,
            "replaced_by": self.replaced_by,
            "closed_reason": self.closed_reason,
        }


class Refusal(Exception):
    """The model's answer is an error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Outcome:
    """A successful answer: whether it changed anything, and the cards it changed."""

    changed: bool
    card_id: str
    touched: dict[str, ModelCard] = field(default_factory=dict)
    replaced_card_id: str | None = None


@dataclass
class CardModel:
    """Customers, cards and idempotency records as plain dictionaries."""

    customers: dict[str, str] = field(default_factory=dict)  # id -> status
    cards: dict[str, ModelCard] = field(default_factory=dict)
    # (customer, operation, key) -> (card_id, params, stored response)
    keys: dict[tuple[str, str, str], tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )

    # -- guards shared by every operation -------------------------------------------------------

    def owned(self, customer_id: str, card_id: str) -> ModelCard:
        """SPEC §4: active customer, else AUTH_FAILED; own card, else CARD_NOT_FOUND."""
        if self.customers.get(customer_id) != "active":
            raise Refusal("AUTH_FAILED")
        card = self.cards.get(card_id)
        if card is None or card.owner != customer_id:
            raise Refusal("CARD_NOT_FOUND")
        return card

    # -- the four writes ----------------------------------------------------------------------

    def lock(self, customer_id: str, card_id: str, reason: str) -> Outcome:
        card = self.owned(customer_id, card_id)
        self._lockable(card)
        if card.status == "locked":
            if reason == FRAUD and card.lock_reason != FRAUD:
                return self._change(card_id, replace(card, lock_reason=FRAUD))
            return Outcome(False, card_id)
        return self._change(card_id, replace(card, status="locked", lock_reason=reason))

    def unlock(self, customer_id: str, card_id: str, channel: str) -> Outcome:
        card = self.owned(customer_id, card_id)
        self._lockable(card)
        if card.status == "active":
            return Outcome(False, card_id)
        if card.lock_reason == FRAUD and channel != "api":
            raise Refusal("UNLOCK_NOT_PERMITTED")
        return self._change(card_id, replace(card, status="active", lock_reason=None))

    def request_new(self, customer_id: str, card_id: str, reason: str, new_id: str) -> Outcome:
        """``new_id`` is the id the system chose (the model cannot guess it)."""
        card = self.owned(customer_id, card_id)
        if card.replaced_by is not None and card.closed_reason != "replaced":
            raise Refusal("REPLACEMENT_ALREADY_REQUESTED")
        if card.status == "closed":
            raise Refusal("CARD_CLOSED")
        if card.status == "pending_activation":
            raise Refusal("INVALID_CARD_STATE")
        old = replace(card, version=card.version + 1, replaced_by=new_id)
        if reason in CLOSE_AT_ONCE:
            old = replace(old, status="closed", lock_reason=None, closed_reason=reason)
        new = ModelCard(owner=customer_id, status="pending_activation", replacement_for=card_id)
        self.cards[card_id] = old
        self.cards[new_id] = new
        return Outcome(True, new_id, {card_id: old, new_id: new}, replaced_card_id=card_id)

    def activate(self, customer_id: str, card_id: str) -> Outcome:
        card = self.owned(customer_id, card_id)
        if card.status == "active":
            return Outcome(False, card_id)
        if card.status == "closed":
            raise Refusal("CARD_CLOSED")
        if card.status != "pending_activation":
            raise Refusal("INVALID_CARD_STATE")
        outcome = self._change(card_id, replace(card, status="active"))
        old_id = card.replacement_for
        old = self.cards.get(old_id) if old_id else None
        if old_id and old is not None and old.status != "closed":
            closed = replace(
                old,
                status="closed",
                version=old.version + 1,
                lock_reason=None,
                closed_reason="replaced",
            )
            self.cards[old_id] = closed
            outcome.touched[old_id] = closed
            outcome.replaced_card_id = old_id
        return outcome

    def list_cards(self, customer_id: str) -> dict[str, ModelCard]:
        if self.customers.get(customer_id) != "active":
            raise Refusal("AUTH_FAILED")
        return {cid: c for cid, c in self.cards.items() if c.owner == customer_id}

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _lockable(card: ModelCard) -> None:
        if card.status == "closed":
            raise Refusal("CARD_CLOSED")
        if card.status == "pending_activation":
            raise Refusal("INVALID_CARD_STATE")

    def _change(self, card_id: str, card: ModelCard) -> Outcome:
        card = replace(card, version=card.version + 1)
        self.cards[card_id] = card
        return Outcome(True, card_id, {card_id: card})
