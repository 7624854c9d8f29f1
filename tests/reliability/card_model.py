"""The card lifecycle contract as a pure, deliberately naive model: the oracle the stateful
tests compare against.

Written from the contract (docs/API_REFERENCE.md), not from ``chalicelib.domain``: if both were
the same code, a wrong rule would agree with itself. The rules it pins:

* a fraud lock over a weaker lock is a change (``lock_escalated``): otherwise a channel that may
  not lift fraud locks could lift one by unlocking the weaker lock it sits on;
* the fraud hold: while a card carries a ``suspected_fraud`` lock only ``api`` may unlock it,
  order it a damaged/expiring replacement, or activate a card replacing it; a lost/stolen
  report from anywhere closes it and its replacement carries the lock (held) until ``api``
  activates it or unlocks it (which releases the hold: it stays pending);
* lost/stolen closes the card from every open state: with a replacement already on its way no
  second card is issued (the answer names it); a pending replacement is closed and a new one
  issued in its place, for the original card if that is still open;
* a closed card is ``CARD_CLOSED``, whatever is asked of it; at most one outstanding
  replacement per card (``REPLACEMENT_ALREADY_REQUESTED``);
* idempotency: every successful keyed answer is kept, per customer, channel and operation;
  the same key with another card or other parameters is ``IDEMPOTENCY_KEY_REUSED``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

FRAUD = "suspected_fraud"
CLOSE_AT_ONCE = ("lost", "stolen")
OPEN = ("active", "locked")


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
    # (customer, channel, operation, key) -> (card_id, params, stored response): every
    # successful keyed answer, no-ops included
    keys: dict[tuple[str, str, str, str], tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )

    # -- guards shared by every operation -------------------------------------------------------

    def owned(self, customer_id: str, card_id: str) -> ModelCard:
        """An active customer, else AUTH_FAILED; own card, else CARD_NOT_FOUND."""
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
        if card.status == "pending_activation" and card.lock_reason == FRAUD:
            # A held replacement: the back office releases the hold; it stays pending.
            if channel != "api":
                raise Refusal("UNLOCK_NOT_PERMITTED")
            return self._change(card_id, replace(card, lock_reason=None))
        self._lockable(card)
        if card.status == "active":
            return Outcome(False, card_id)
        if card.lock_reason == FRAUD and channel != "api":
            raise Refusal("UNLOCK_NOT_PERMITTED")
        return self._change(card_id, replace(card, status="active", lock_reason=None))

    def request_new(
        self, customer_id: str, card_id: str, reason: str, new_id: str, channel: str
    ) -> Outcome:
        """``new_id`` is the id the system chose (the model cannot guess it)."""
        card = self.owned(customer_id, card_id)
        if card.status == "closed":
            raise Refusal("CARD_CLOSED")
        if reason in CLOSE_AT_ONCE:
            return self._stop(card_id, card, reason, new_id)
        if card.status == "pending_activation":
            raise Refusal("INVALID_CARD_STATE")
        if card.lock_reason == FRAUD and channel != "api":
            raise Refusal("FRAUD_HOLD")
        if card.replaced_by is not None:
            raise Refusal("REPLACEMENT_ALREADY_REQUESTED")
        old = replace(card, version=card.version + 1, replaced_by=new_id)
        new = ModelCard(owner=customer_id, status="pending_activation", replacement_for=card_id)
        return self._put(Outcome(True, new_id, replaced_card_id=card_id), old=old, new=new)

    def _stop(self, card_id: str, card: ModelCard, reason: str, new_id: str) -> Outcome:
        """Lost or stolen: the card closes from any open state, whoever asks."""
        hold = FRAUD if card.lock_reason == FRAUD else None
        closed = replace(
            card, status="closed", version=card.version + 1, lock_reason=None, closed_reason=reason
        )
        outcome = Outcome(True, new_id, replaced_card_id=card_id)
        if card.status == "pending_activation":
            # Lost in the mail: a new card in its place, for the card still in use if any.
            original_id = card.replacement_for
            original = self.cards.get(original_id) if original_id else None
            if original_id and original is not None and original.status in OPEN:
                repointed = replace(original, version=original.version + 1, replaced_by=new_id)
                self.cards[original_id] = repointed
                outcome.touched[original_id] = repointed
                replaces = original_id
            else:
                replaces = card_id
            new = ModelCard(card.owner, "pending_activation", lock_reason=hold)
            new = replace(new, replacement_for=replaces)
            return self._put(outcome, old=replace(closed, replaced_by=new_id), new=new)
        if card.replaced_by is not None:
            # A replacement is already on its way: no second card; it takes over the hold.
            outcome.card_id = card.replaced_by
            on_its_way = self.cards[card.replaced_by]
            if hold and on_its_way.lock_reason != FRAUD:
                on_its_way = replace(on_its_way, version=on_its_way.version + 1, lock_reason=hold)
                self.cards[card.replaced_by] = on_its_way
                outcome.touched[card.replaced_by] = on_its_way
            return self._put(outcome, old=closed)
        new = ModelCard(card.owner, "pending_activation", lock_reason=hold, replacement_for=card_id)
        return self._put(outcome, old=replace(closed, replaced_by=new_id), new=new)

    def _put(self, outcome: Outcome, old: ModelCard, new: ModelCard | None = None) -> Outcome:
        assert outcome.replaced_card_id is not None
        self.cards[outcome.replaced_card_id] = old
        outcome.touched[outcome.replaced_card_id] = old
        if new is not None:
            self.cards[outcome.card_id] = new
            outcome.touched[outcome.card_id] = new
        return outcome

    def activate(self, customer_id: str, card_id: str, channel: str) -> Outcome:
        card = self.owned(customer_id, card_id)
        if card.status == "active":
            return Outcome(False, card_id)
        if card.status == "closed":
            raise Refusal("CARD_CLOSED")
        if card.status != "pending_activation":
            raise Refusal("INVALID_CARD_STATE")
        old_id = card.replacement_for
        old = self.cards.get(old_id) if old_id else None
        still_open = old if old is not None and old.status != "closed" else None
        held = card.lock_reason == FRAUD or (still_open and still_open.lock_reason == FRAUD)
        if held and channel != "api":
            raise Refusal("FRAUD_HOLD")
        outcome = self._change(card_id, replace(card, status="active", lock_reason=None))
        if old_id and still_open is not None:
            closed = replace(
                still_open,
                status="closed",
                version=still_open.version + 1,
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
