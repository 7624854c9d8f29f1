"""A Hypothesis state machine that drives ``CardService`` on DynamoDB Local and checks every
answer, and every stored card after every step, against ``card_model.CardModel``.

Each example seeds its own two customers (A: three cards, one of them locked; B: one card) in
the test's tables, so examples share tables but never data. Channels vary per step (the fraud
hold depends on them); idempotency keys come from a three-key pool so replays, reuses with a
different request, keys shared across operations and keys retried through another channel
all happen often. Besides random steps, rules aim at the seams between operations: activating
a pending replacement (from any channel), reporting one lost in the mail, and a back-office
fraud lock while a replacement is on its way.

At teardown the events are checked against what the clients were told: every acknowledged
change's ``request_id`` is in exactly one event of every card it changed, no refused or no-op
request has an event, and each card's versions run 1, 2, 3... with no gap.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib import errors
from chalicelib.commands import Caller
from chalicelib.service import CardService
from tests.card_commands import command, run
from tests.reliability.card_model import CardModel, ModelCard, Outcome, Refusal
from tests.reliability.card_requests import (
    CHANNEL,
    CHANNELS,
    KEYS,
    LOCK_REASONS,
    REPLACEMENT_REASONS,
    SPEEDS,
    Figures,
    Request,
    card_observable,
)
from tests.reliability.world import World, new_id, plain


class CardMachine(RuleBasedStateMachine):
    """Set ``world``, ``service`` and ``figures`` on a subclass before running it."""

    world: ClassVar[World]
    service: ClassVar[CardService]
    figures: ClassVar[Figures]

    def __init__(self) -> None:
        super().__init__()
        self.model = CardModel()
        self.customer_a = ""
        self.customer_b = ""
        self.request_ids = (f"model-{i}" for i in itertools.count())
        #: request_id -> the card ids it changed (acknowledged changes only)
        self.acknowledged: dict[str, set[str]] = {}
        self.refused: set[str] = set()
        self.sent: list[Request] = []  # keyed requests, for replays
        self.rule_steps = 0

    @initialize()
    def seed(self) -> None:
        a = self.world.seed_customer(["active", "active", "locked"])
        b = self.world.seed_customer(["active"])
        self.customer_a, self.customer_b = a.customer_id, b.customer_id
        for seeded in (a, b):
            self.model.customers[seeded.customer_id] = "active"
        for card_id, status in zip(a.card_ids, ["active", "active", "locked"], strict=True):
            lock = "customer_request" if status == "locked" else None
            self.model.cards[card_id] = ModelCard(a.customer_id, status, lock_reason=lock)
        self.model.cards[b.card_ids[0]] = ModelCard(b.customer_id, "active")
        self.figures.examples += 1

    # -- choosing what to act on ------------------------------------------------------------

    def _target(self, data: st.DataObject) -> tuple[str, str]:
        """A card (any card of the example, or one that does not exist) and who asks about it:
        mostly its owner, sometimes the other customer (who must get CARD_NOT_FOUND)."""
        card = data.draw(st.sampled_from([*self.model.cards, "CARD0MISSING0"]))  # creation order
        owner = self.model.cards[card].owner if card in self.model.cards else self.customer_a
        other = self.customer_b if owner == self.customer_a else self.customer_a
        return data.draw(st.sampled_from([owner, owner, owner, other])), card

    def _customer(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from([self.customer_a, self.customer_b]))

    # -- rules -------------------------------------------------------------------------------

    @rule(data=st.data(), reason=st.sampled_from(LOCK_REASONS), key=KEYS, channel=CHANNEL)
    def lock(self, data: st.DataObject, reason: str, key: str | None, channel: str) -> None:
        self._write(Request("lock", *self._target(data), {"reason": reason}, key, channel))

    @rule(data=st.data(), key=KEYS, channel=CHANNEL)
    def unlock(self, data: st.DataObject, key: str | None, channel: str) -> None:
        self._write(Request("unlock", *self._target(data), {}, key, channel))

    @rule(
        data=st.data(),
        reason=st.sampled_from(REPLACEMENT_REASONS),
        speed=st.sampled_from(SPEEDS),
        key=KEYS,
        channel=CHANNEL,
    )
    def request_new(
        self, data: st.DataObject, reason: str, speed: str, key: str | None, channel: str
    ) -> None:
        params = {"reason": reason, "shipping_speed": speed}
        self._write(Request("request_new", *self._target(data), params, key, channel))

    @rule(data=st.data(), key=KEYS, channel=CHANNEL)
    def activate(self, data: st.DataObject, key: str | None, channel: str) -> None:
        self._write(Request("activate", *self._target(data), {}, key, channel))

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data(), how=st.sampled_from(["same", "other_request", "other_channel"]))
    def replay(self, data: st.DataObject, how: str) -> None:
        """Send a keyed request again: as it was, with the same key and something else, or
        through another channel (where the key means nothing yet)."""
        request: Request = data.draw(st.sampled_from(self.sent))
        if how == "other_channel":
            others = [c for c in CHANNELS if c != request.channel]
            request = replace(request, channel=data.draw(st.sampled_from(others)))
        elif how == "other_request":
            _, card = self._target(data)
            params = request.params
            if request.op == "lock":
                params = {"reason": data.draw(st.sampled_from(LOCK_REASONS))}
            elif request.op == "request_new":
                params = {
                    "reason": data.draw(st.sampled_from(REPLACEMENT_REASONS)),
                    "shipping_speed": data.draw(st.sampled_from(SPEEDS)),
                }
            request = replace(request, card=card, params=params)
        self._write(request)

    @rule(data=st.data())
    def list_cards(self, data: st.DataObject) -> None:
        customer = self._customer(data)
        caller = self._caller(data.draw(CHANNEL))
        actual = self._call(lambda: self.service.list_cards(customer, caller))
        try:
            expected = self.model.list_cards(customer)
        except Refusal as refusal:
            code = refusal.code
        else:
            assert isinstance(actual, dict), actual
            got = {c["card_id"]: card_observable(c) for c in actual["cards"]}
            assert got == {cid: c.observable() for cid, c in expected.items()}
            return
        assert actual == code, (actual, code)

    @rule(suspended=st.booleans())
    def set_status_of_b(self, suspended: bool) -> None:
        self.rule_steps += 1
        status = "suspended" if suspended else "active"
        self.world.set_customer_status(self.customer_b, status)
        self.model.customers[self.customer_b] = status
        self.figures.outcomes[f"customer_b_{status}"] += 1

    # -- checks ------------------------------------------------------------------------------

    @invariant()
    def stored_cards_match_the_model(self) -> None:
        if not self.model.cards:
            return
        keys = [{"card_id": {"S": cid}} for cid in sorted(self.model.cards)]
        table = self.world.cards_table
        response = self.world.client.batch_get_item(
            RequestItems={table: {"Keys": keys, "ConsistentRead": True}}
        )
        assert not response.get("UnprocessedKeys")
        stored = {
            i["card_id"]["S"]: card_observable(plain(i)) for i in response["Responses"][table]
        }
        assert stored == {cid: card.observable() for cid, card in self.model.cards.items()}

    def teardown(self) -> None:
        if not self.model.cards:
            return
        self.figures.steps_per_example.append(self.rule_steps)
        seen: Counter[tuple[str, str]] = Counter()
        for card_id, card in self.model.cards.items():
            events = self.world.events(card_id)
            assert [e["version"] for e in events] == list(range(1, card.version + 1)), card_id
            for before, after in itertools.pairwise(events):
                assert after["from_status"] == before["to_status"], (card_id, after)
            for event in events:
                if event["actor"] != "seed":
                    seen[(event["request_id"], card_id)] += 1
        expected = {(rid, cid) for rid, cids in self.acknowledged.items() for cid in cids}
        assert set(seen) == expected, set(seen) ^ expected
        assert all(count == 1 for count in seen.values()), seen
        assert not {rid for rid, _ in seen} & self.refused

    # -- plumbing ----------------------------------------------------------------------------

    def _caller(self, channel: str) -> Caller:
        self.rule_steps += 1
        return Caller(channel=channel, actor="model", request_id=next(self.request_ids))

    def _call(self, action: Any) -> dict[str, Any] | str:
        self.figures.steps += 1
        try:
            result: dict[str, Any] = action()
        except errors.CardOpsError as exc:
            self.figures.outcomes[exc.code] += 1
            return exc.code
        self.figures.outcomes["OK"] += 1
        return result

    def _write(self, request: Request) -> None:
        caller = self._caller(request.channel)
        write = command(request.op, request.customer, request.card, request.params, request.key)
        actual = self._call(lambda: run(self.service, write, caller))
        if request.key is not None:
            self.sent.append(request)
        stored = self.model.keys.get(request.scope) if request.key else None
        if self.model.customers.get(request.customer) != "active":
            self._expect_refusal(actual, "AUTH_FAILED", caller)
        elif stored is not None:
            if (stored[0], stored[1]) == (request.card, request.params):
                marked = {**stored[2], "replayed": True}
                assert actual == marked, "a replay returns the first answer, marked"
                self.figures.outcomes["replayed"] += 1
            else:
                self._expect_refusal(actual, "IDEMPOTENCY_KEY_REUSED", caller)
        else:
            self._apply(request, caller, actual)

    def _apply(self, request: Request, caller: Caller, actual: dict[str, Any] | str) -> None:
        customer, card, params = request.customer, request.card, request.params
        try:
            if request.op == "lock":
                outcome = self.model.lock(customer, card, params["reason"])
            elif request.op == "unlock":
                outcome = self.model.unlock(customer, card, caller.channel)
            elif request.op == "request_new":
                new = actual["card"]["card_id"] if isinstance(actual, dict) else new_id("CARDX")
                reason = params["reason"]
                outcome = self.model.request_new(customer, card, reason, new, caller.channel)
            else:
                outcome = self.model.activate(customer, card, caller.channel)
        except Refusal as refusal:
            code = refusal.code
        else:
            assert isinstance(actual, dict), (request, actual)
            self._check_answer(outcome, actual)
            if outcome.changed:
                self.acknowledged[caller.request_id] = set(outcome.touched)
            else:
                self.refused.add(caller.request_id)
            if request.key is not None:  # every successful keyed answer, no-ops included
                self.model.keys[request.scope] = (card, params, actual)
            return
        self._expect_refusal(actual, code, caller)

    def _check_answer(self, outcome: Outcome, actual: dict[str, Any]) -> None:
        assert actual["changed"] is outcome.changed
        assert actual["card"]["card_id"] == outcome.card_id
        assert card_observable(actual["card"]) == self.model.cards[outcome.card_id].observable()
        if outcome.replaced_card_id is None:
            assert "replaced_card" not in actual
        else:
            replaced = actual["replaced_card"]
            assert replaced["card_id"] == outcome.replaced_card_id
            assert card_observable(replaced) == self.model.cards[replaced["card_id"]].observable()

    def _expect_refusal(self, actual: dict[str, Any] | str, code: str, caller: Caller) -> None:
        assert actual == code, (actual, code)
        self.refused.add(caller.request_id)
