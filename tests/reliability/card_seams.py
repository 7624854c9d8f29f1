"""The model-based state machine, with rules aimed at the seams between operations.

Random steps reach a pending replacement, or a card whose replacement is on its way, only now
and then; these rules draw such cards on purpose: replace-then-activate from any channel (often
not the one that ordered), a replacement reported lost in the mail, an order or a lost/stolen
report while a replacement is on its way, and a back-office fraud lock in between.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from tests.reliability.card_machine import CardMachine
from tests.reliability.card_requests import CHANNEL, KEYS, REPLACEMENT_REASONS, Request


class CardSeamMachine(CardMachine):
    """``CardMachine`` plus the aimed rules (set the same class attributes on a subclass)."""

    @precondition(lambda self: bool(self._pending()))
    @rule(data=st.data(), key=KEYS, channel=CHANNEL)
    def activate_a_replacement(self, data: st.DataObject, key: str | None, channel: str) -> None:
        """Replace-then-activate, from any channel (possibly not the one that ordered it)."""
        card = data.draw(st.sampled_from(self._pending()))
        self._write(Request("activate", self.model.cards[card].owner, card, {}, key, channel))

    @precondition(lambda self: bool(self._pending()))
    @rule(data=st.data(), reason=st.sampled_from(["lost", "stolen"]), channel=CHANNEL)
    def report_a_replacement_lost(self, data: st.DataObject, reason: str, channel: str) -> None:
        """A replacement lost in the mail, reported from any channel."""
        card = data.draw(st.sampled_from(self._pending()))
        params = {"reason": reason, "shipping_speed": "standard"}
        self._write(
            Request("request_new", self.model.cards[card].owner, card, params, None, channel)
        )

    @precondition(lambda self: bool(self._replaced_open()))
    @rule(data=st.data(), reason=st.sampled_from(REPLACEMENT_REASONS), channel=CHANNEL)
    def report_while_a_replacement_is_on_its_way(
        self, data: st.DataObject, reason: str, channel: str
    ) -> None:
        """Order again (refused), or report the card lost or stolen (it closes, no 2nd card)."""
        card = data.draw(st.sampled_from(self._replaced_open()))
        params = {"reason": reason, "shipping_speed": "standard"}
        owner = self.model.cards[card].owner
        self._write(Request("request_new", owner, card, params, None, channel))

    @precondition(lambda self: bool(self._replaced_open()))
    @rule(data=st.data())
    def fraud_lock_while_a_replacement_is_on_its_way(self, data: st.DataObject) -> None:
        """The back office locks for fraud a card whose replacement is on its way."""
        card = data.draw(st.sampled_from(self._replaced_open()))
        owner = self.model.cards[card].owner
        self._write(Request("lock", owner, card, {"reason": "suspected_fraud"}, None, "api"))

    def _pending(self) -> list[str]:
        return [cid for cid, c in self.model.cards.items() if c.status == "pending_activation"]

    def _replaced_open(self) -> list[str]:
        return [
            cid
            for cid, c in self.model.cards.items()
            if c.status in ("active", "locked") and c.replaced_by is not None
        ]

    @precondition(lambda self: bool(self._fraud_locked()))
    @rule(data=st.data(), reason=st.sampled_from(REPLACEMENT_REASONS), channel=CHANNEL)
    def replace_a_fraud_locked_card(self, data: st.DataObject, reason: str, channel: str) -> None:
        """Damaged/expiring: the back office only; lost/stolen: anyone, and the new card is held."""
        card = data.draw(st.sampled_from(self._fraud_locked()))
        params = {"reason": reason, "shipping_speed": "standard"}
        owner = self.model.cards[card].owner
        self._write(Request("request_new", owner, card, params, None, channel))

    @precondition(lambda self: bool(self._held()))
    @rule(
        data=st.data(),
        op=st.sampled_from(["activate", "unlock"]),
        key=KEYS,
        channel=CHANNEL,
    )
    def act_on_a_held_card(
        self, data: st.DataObject, op: str, key: str | None, channel: str
    ) -> None:
        """Activate, or unlock (the back office's release), a replacement held by a fraud lock
        (its own, or its open original's)."""
        card = data.draw(st.sampled_from(self._held()))
        self._write(Request(op, self.model.cards[card].owner, card, {}, key, channel))

    def _fraud_locked(self) -> list[str]:
        return [
            cid
            for cid, c in self.model.cards.items()
            if c.status == "locked" and c.lock_reason == "suspected_fraud"
        ]

    def _held(self) -> list[str]:
        locked = set(self._fraud_locked())
        return [
            cid
            for cid in self._pending()
            if self.model.cards[cid].lock_reason == "suspected_fraud"
            or self.model.cards[cid].replacement_for in locked
        ]
