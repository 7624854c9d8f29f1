"""What racing clients were told against what was committed, over 20 seeds.

For every seed, fresh cards, and three races of threads released together by a barrier:

* lock/unlock: random locks (all reasons) and unlocks from random channels on one card;
* replacement: requests for a new card with different keys and reasons on one card (one card
  is issued; a lost or stolen report that comes second closes the card and names it);
* replays: one idempotency key sent at once by every thread, some with a different request.

Then, from the events table: each acknowledged change's ``request_id`` is in exactly one event,
no refused or no-op request's id is in any, versions run 1..n without a gap and chain their
statuses, and each card has exactly one replacement. Lost and stolen reports racing the
activation of a pending replacement are witnessed in ``test_lost_report_races``.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from typing import Any

import pytest

from chalicelib.commands import Caller, LockCard, RequestNewCard, UnlockCard
from chalicelib.runtime import card_service
from tests.integration.test_concurrency import race
from tests.reliability.world import World

SEEDS = range(20)
CHANNELS = ("api", "mcp", "connect")
LOCK_REASONS = ("customer_request", "misplaced", "suspected_fraud")
RETRYABLE_LOSS = "CONCURRENT_MODIFICATION"


def caller(seed: int, race_name: str, i: int, channel: str = "api") -> Caller:
    return Caller(channel=channel, actor=f"thread-{i}", request_id=f"{race_name}-{seed}-{i}")


def assert_history_matches(world: World, card_id: str, told: dict[str, Any]) -> None:
    """Events gap-free and chained; acknowledged changes in exactly one event, others in none."""
    events = world.events(card_id)
    card = world.card(card_id)
    assert card is not None
    assert [e["version"] for e in events] == list(range(1, card["version"] + 1))
    for before, after in itertools.pairwise(events):
        assert after["from_status"] == before["to_status"], after
    assert events[-1]["to_status"] == card["status"]
    ids = Counter(e["request_id"] for e in events[1:])
    acknowledged = {rid for rid, answer in told.items() if _changed(answer)}
    assert set(ids) == acknowledged, (set(ids) ^ acknowledged, told)
    assert all(n == 1 for n in ids.values()), ids


def _changed(answer: Any) -> bool:
    return isinstance(answer, dict) and answer["changed"] is True


@pytest.mark.parametrize("seed", SEEDS)
def test_racing_clients_are_told_what_was_committed(world: World, seed: int) -> None:
    rng = random.Random(seed)
    service = card_service()
    seeded = world.seed_customer(["active", "active", "active"])
    customer = seeded.customer_id
    lock_card, replace_card, replay_card = seeded.card_ids

    # -- lock/unlock race ------------------------------------------------------------------
    plan = [
        (rng.choice(["lock", "unlock"]), rng.choice(LOCK_REASONS), rng.choice(CHANNELS))
        for _ in range(12)
    ]

    def lock_or_unlock(i: int) -> dict[str, Any]:
        op, reason, channel = plan[i]
        who = caller(seed, "lock", i, channel)
        if op == "lock":
            lock = LockCard(customer_id=customer, card_id=lock_card, reason=reason)
            return service.lock_card(lock, who)
        return service.unlock_card(UnlockCard(customer_id=customer, card_id=lock_card), who)

    answers = race(len(plan), lock_or_unlock)
    assert "" not in answers, answers  # every thread got an answer or a domain error
    for answer, (op, _, channel) in zip(answers, plan, strict=True):
        allowed = {RETRYABLE_LOSS} | ({"UNLOCK_NOT_PERMITTED"} if op == "unlock" else set())
        assert isinstance(answer, dict) or answer in allowed, (op, channel, answer)
    assert_history_matches(
        world, lock_card, {caller(seed, "lock", i).request_id: a for i, a in enumerate(answers)}
    )

    # -- replacement race ------------------------------------------------------------------
    reasons = [rng.choice(["lost", "stolen", "damaged", "expiring"]) for _ in range(8)]

    def replace(i: int) -> dict[str, Any]:
        command = RequestNewCard(
            customer_id=customer,
            card_id=replace_card,
            reason=reasons[i],
            shipping_speed="standard",
            idempotency_key=f"replace-{i}",
        )
        return service.request_new_card(command, caller(seed, "replace", i))

    answers = race(len(reasons), replace)
    winners = [a for a in answers if isinstance(a, dict)]
    assert winners, answers
    losses = [a for a in answers if not isinstance(a, dict)]
    refusals = {"REPLACEMENT_ALREADY_REQUESTED", "CARD_CLOSED", RETRYABLE_LOSS}
    assert set(losses) <= refusals, answers
    # One card is issued, whatever the order: a lost or stolen report after an order closes
    # the card and answers with the replacement already on its way.
    replacements = [c for c in world.cards_of(customer) if c.get("replacement_for") == replace_card]
    (issued,) = [c["card_id"] for c in replacements]
    assert all(a["card"]["card_id"] == issued for a in winners), winners
    stored = world.card(replace_card)
    assert stored is not None
    assert stored["replaced_by"] == issued
    stopped = [r for r, a in zip(reasons, answers, strict=True) if isinstance(a, dict)]
    stopped = [r for r in stopped if r in ("lost", "stolen")]
    assert len(stopped) <= 1, answers  # a card closes once
    if stopped:
        assert (stored["status"], stored["closed_reason"]) == ("closed", stopped[0])
    assert_history_matches(
        world,
        replace_card,
        {caller(seed, "replace", i).request_id: a for i, a in enumerate(answers)},
    )
    new_events = world.events(issued)
    assert [(e["version"], e["type"]) for e in new_events] == [(1, "issued")]

    # -- one key, sent at once: mostly the same request, some a different one ----------------
    variants = [rng.choice(["damaged", "damaged", "damaged", "expiring"]) for _ in range(8)]

    def replay(i: int) -> dict[str, Any]:
        command = RequestNewCard(
            customer_id=customer,
            card_id=replay_card,
            reason=variants[i],
            shipping_speed="expedited",
            idempotency_key="same-key",
        )
        return service.request_new_card(command, caller(seed, "replay", i))

    answers = race(len(variants), replay)
    committed = [a for a in answers if isinstance(a, dict)]
    firsts = [a for a in committed if "replayed" not in a]
    assert len(firsts) == 1, answers  # every other success is the stored answer, marked
    answered = [{k: v for k, v in a.items() if k != "replayed"} for a in committed]
    assert all(a == firsts[0] for a in answered), "one key, one answer"
    winning_reason = world.events(replay_card)[-1]["reason"]
    for answer, reason in zip(answers, variants, strict=True):
        if reason == winning_reason:
            assert isinstance(answer, dict), (answer, reason)
            assert {k: v for k, v in answer.items() if k != "replayed"} == firsts[0]
        else:
            assert answer == "IDEMPOTENCY_KEY_REUSED", (answer, reason)
    events = world.events(replay_card)
    assert [e["version"] for e in events] == [1, 2]
    replay_ids = {caller(seed, "replay", i).request_id for i in range(len(variants))}
    assert events[1]["request_id"] in replay_ids
    assert (
        len([c for c in world.cards_of(customer) if c.get("replacement_for") == replay_card]) == 1
    )
