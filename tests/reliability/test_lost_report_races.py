"""Lost and stolen reports racing the activation of a pending replacement, over 10 seeds.

A card has a damaged replacement on its way. Threads released together by a barrier report a
card lost or stolen (each with its own key, from random channels) while others activate the
replacement. Two races per seed:

* the original card is reported: whichever commits first, the original ends closed exactly
  once (``replaced`` or the reported reason) and the replacement ends active; no card is issued;
* the replacement itself is reported (stolen from the mailbox): it ends closed whatever came
  first, exactly one report changed anything, and exactly one new card is issued for it: in
  place of it while it was pending, or as its own replacement once it had been activated.

Each time: versions run 1..n without a gap and chain their statuses, each acknowledged change
is in exactly one event, refused and no-op requests in none, and no card that should be closed
is left active.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from chalicelib.commands import ActivateCard, Caller, RequestNewCard
from chalicelib.runtime import card_service
from tests.integration.test_concurrency import race
from tests.reliability.test_concurrency_witness import CHANNELS, RETRYABLE_LOSS
from tests.reliability.test_concurrency_witness import assert_history_matches as history_ok
from tests.reliability.world import World

SEEDS = range(10)
THREADS = 8
#: The setup's order, an acknowledged change of the original card.
SETUP = {"setup": {"changed": True}}


def _setup(world: World) -> tuple[str, str, str]:
    """A customer, their card and its pending damaged replacement."""
    seeded = world.seed_customer(["active"])
    customer, card = seeded.customer_id, seeded.card_ids[0]
    order = RequestNewCard(
        customer_id=customer, card_id=card, reason="damaged", shipping_speed="standard"
    )
    answer = card_service().request_new_card(order, Caller("api", "setup", "setup"))
    return customer, card, answer["card"]["card_id"]


def _plan(rng: random.Random) -> list[tuple[str, str, str]]:
    """(operation, reason, channel) per thread: at least one report and one activation."""
    ops = ["report", "activate"] + [rng.choice(["report", "activate"]) for _ in range(THREADS - 2)]
    rng.shuffle(ops)
    return [(op, rng.choice(["lost", "stolen"]), rng.choice(CHANNELS)) for op in ops]


def _run(prefix: str, customer: str, reported: str, new: str, plan: Any) -> list[Any]:
    service = card_service()

    def work(i: int) -> dict[str, Any]:
        op, reason, channel = plan[i]
        who = Caller(channel, f"thread-{i}", f"{prefix}-{i}")
        if op == "activate":
            return service.activate_card(ActivateCard(customer_id=customer, card_id=new), who)
        report = RequestNewCard(
            customer_id=customer,
            card_id=reported,
            reason=reason,
            shipping_speed="standard",
            idempotency_key=f"{prefix}-{i}",
        )
        return service.request_new_card(report, who)

    return race(len(plan), work)


def _told(seed: int, name: str, answers: list[Any], card: str) -> dict[str, Any]:
    """What each thread was told about ``card``: its answer if that changed ``card`` (the
    card reported or activated, or the card it closed), else the answer with nothing changed
    (a report that names the replacement on its way does not change that replacement)."""
    told: dict[str, Any] = {}
    for i, answer in enumerate(answers):
        touched = isinstance(answer, dict) and card in (
            answer.get("replaced_card", {}).get("card_id"),
            answer["card"]["card_id"] if answer["card"]["version"] > 1 else None,
        )
        told[f"{name}-{seed}-{i}"] = answer if touched else {"changed": False}
    return told


def _changed(answers: list[Any], plan: Any, op: str) -> list[Any]:
    return [
        a
        for a, (o, _, _) in zip(answers, plan, strict=True)
        if o == op and isinstance(a, dict) and a["changed"]
    ]


@pytest.mark.parametrize("seed", SEEDS)
def test_reporting_the_original_while_its_replacement_is_activated(world: World, seed: int) -> None:
    customer, card, new = _setup(world)
    plan = _plan(random.Random(seed))
    answers = _run(f"orig-{seed}", customer, card, new, plan)
    for answer, (op, _, _) in zip(answers, plan, strict=True):
        allowed = {RETRYABLE_LOSS} | ({"CARD_CLOSED"} if op == "report" else set())
        assert isinstance(answer, dict) or answer in allowed, (op, answer)
    original, replacement = world.card(card), world.card(new)
    assert original is not None
    assert replacement is not None
    assert original["status"] == "closed"
    closes = [e for e in world.events(card) if e["to_status"] == "closed"]
    assert len(closes) == 1, closes  # exactly one outcome
    reports = _changed(answers, plan, "report")
    assert len(reports) == (0 if original["closed_reason"] == "replaced" else 1), answers
    assert all(r["card"]["card_id"] == new for r in reports)  # names the card on its way
    assert replacement["status"] == "active"
    assert len(_changed(answers, plan, "activate")) == 1
    assert [c["card_id"] for c in world.cards_of(customer) if c["card_id"] != card] == [new]
    history_ok(world, card, _told(seed, "orig", answers, card) | SETUP)
    history_ok(world, new, _told(seed, "orig", answers, new))  # its first event is the setup's


@pytest.mark.parametrize("seed", SEEDS)
def test_reporting_the_replacement_while_it_is_activated(world: World, seed: int) -> None:
    customer, card, new = _setup(world)
    plan = _plan(random.Random(1000 + seed))
    answers = _run(f"mail-{seed}", customer, new, new, plan)
    for answer in answers:
        assert isinstance(answer, dict) or answer in {RETRYABLE_LOSS, "CARD_CLOSED"}, answer
    stolen = world.card(new)
    assert stolen is not None
    assert stolen["status"] == "closed"  # whoever holds it cannot use it
    reports = _changed(answers, plan, "report")
    assert len(reports) == 1, answers
    issued = [c for c in world.cards_of(customer) if c["card_id"] not in (card, new)]
    assert [c["card_id"] for c in issued] == [reports[0]["card"]["card_id"]]
    assert issued[0]["status"] == "pending_activation"
    assert stolen["replaced_by"] == issued[0]["card_id"]
    original = world.card(card)
    assert original is not None
    activated = _changed(answers, plan, "activate")
    if activated:  # activated first: the original closed, the new card replaces the stolen one
        assert original["closed_reason"] == "replaced"
        assert issued[0]["replacement_for"] == new
    else:  # reported first: the damaged original keeps working until the new card arrives
        assert (original["status"], original["replaced_by"]) == ("active", issued[0]["card_id"])
        assert issued[0]["replacement_for"] == card
    history_ok(world, new, _told(seed, "mail", answers, new))
    told = _told(seed, "mail", answers, card) | SETUP
    if not activated:  # the report re-pointed the original at the new card
        told[f"mail-{seed}-{answers.index(reports[0])}"] = reports[0]
    history_ok(world, card, told)
    assert [e["type"] for e in world.events(issued[0]["card_id"])] == ["issued"]
