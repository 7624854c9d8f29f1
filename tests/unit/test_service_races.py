"""A write that loses a race to another writer is read and decided again on what won: a
bounded number of times, replaying the winner's answer when it was the same keyed request."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib import errors
from chalicelib.commands import UnlockCard
from chalicelib.service import COMMIT_ATTEMPTS, CardService
from tests.fakes.repository import FakeRepository
from tests.unit.service_steps import (
    ALICE,
    API,
    Clock,
    concurrent_lock,
    lock,
    order,
    suspend,
)


def test_a_write_that_loses_a_race_is_decided_again_on_what_won(
    service: CardService, repo: FakeRepository, sleeps: list[float]
) -> None:
    # GIVEN another writer locks the card (misplaced) between our read and our commit
    repo.interleave(concurrent_lock("misplaced"))
    # WHEN we lock it for suspected fraud
    answer = service.lock_card(lock("suspected_fraud"), API)
    # THEN the second attempt escalated the lock the other writer made, at the version after it
    assert (answer["card"]["version"], answer["card"]["lock"]["reason"]) == (3, "suspected_fraud")
    assert repo.events_of("CARD001")[-1]["type"] == "lock_escalated"
    assert (repo.loads, len(sleeps)) == (2, 1)


def test_a_write_that_keeps_losing_ends_in_a_retryable_refusal(
    service: CardService, repo: FakeRepository, sleeps: list[float]
) -> None:
    def bump(repo: FakeRepository) -> None:
        card = repo.cards["CARD001"]
        repo.cards["CARD001"] = replace(card, version=card.version + 1)

    for _ in range(COMMIT_ATTEMPTS):
        repo.interleave(bump)
    with pytest.raises(errors.ConcurrentModificationError) as refused:
        service.lock_card(lock(), API)
    assert refused.value.retryable is True
    assert refused.value.cause == "TransactionCanceledException: fake"
    assert (repo.loads, len(sleeps), repo.commits) == (COMMIT_ATTEMPTS, COMMIT_ATTEMPTS - 1, 0)
    assert repo.events_of("CARD001")[-1]["version"] == 1


def test_losing_a_race_to_the_same_keyed_request_replays_its_answer(
    service: CardService, repo: FakeRepository, clock: Clock
) -> None:
    # GIVEN the same keyed request, served by another instance, commits first
    other_instance = CardService(repo, clock=clock, sleep=lambda _s: None)
    won: list[dict[str, Any]] = []
    repo.interleave(lambda _repo: won.append(other_instance.request_new_card(order(key="K1"), API)))
    # WHEN our commit finds its record taken
    answer = service.request_new_card(order(key="K1"), API)
    # THEN we answer with the winner's answer, marked, and only one card was issued
    assert answer == {**won[0], "replayed": True}
    issued = [c for c in repo.cards.values() if c.replacement_for == "CARD001"]
    assert [c.card_id for c in issued] == [won[0]["card"]["card_id"]]


def test_losing_a_race_to_another_request_under_the_same_key_is_refused(
    service: CardService, repo: FakeRepository, clock: Clock
) -> None:
    other_instance = CardService(repo, clock=clock, sleep=lambda _s: None)
    repo.interleave(lambda _repo: other_instance.request_new_card(order("expiring", key="K1"), API))
    with pytest.raises(errors.IdempotencyKeyReusedError):
        service.request_new_card(order("damaged", key="K1"), API)


def test_a_no_op_answer_is_not_stored_for_a_card_that_moved_meanwhile(
    service: CardService, repo: FakeRepository
) -> None:
    # GIVEN the card is locked by another writer while we record "already active"
    repo.interleave(concurrent_lock("misplaced"))
    # WHEN we unlock it with a key
    answer = service.unlock_card(UnlockCard(**ALICE, idempotency_key="K1"), API)
    # THEN the second attempt really unlocked it, and that is the stored answer
    assert (answer["changed"], answer["card"]["status"]) == (True, "active")
    assert repo.records["CUST001#api#unlock#K1"].response == answer


def test_a_customer_suspended_before_the_commit_is_refused_without_retrying(
    service: CardService, repo: FakeRepository, sleeps: list[float]
) -> None:
    repo.interleave(suspend)
    with pytest.raises(errors.AuthFailedError):
        service.lock_card(lock(), API)
    assert (repo.commits, sleeps) == (0, [])
