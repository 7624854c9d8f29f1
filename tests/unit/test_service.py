"""The card use cases over the in-memory repository: what a write commits, what a keyed retry
answers, who may change which card. The seed data (three customers, five cards) is the one the
DynamoDB tests start from; no DynamoDB here."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib import errors
from chalicelib.commands import UnlockCard
from chalicelib.service import CardService
from chalicelib.store.dynamodb import IDEMPOTENCY_TTL_SECONDS
from tests.fakes.repository import FakeRepository
from tests.unit.service_steps import (
    ALICE,
    API,
    MCP,
    Clock,
    lock,
    suspend,
)


def test_a_lock_commits_the_card_at_its_next_version_with_one_event(
    service: CardService, repo: FakeRepository
) -> None:
    answer = service.lock_card(lock("misplaced"), MCP)
    assert answer["changed"] is True
    assert (answer["card"]["status"], answer["card"]["version"]) == ("locked", 2)
    assert answer["card"]["lock"] == {
        "reason": "misplaced",
        "channel": "mcp",
        "at": answer["card"]["updated_at"],
    }
    stored = repo.cards["CARD001"]
    assert (stored.status, stored.version, stored.lock and stored.lock.reason) == (
        "locked",
        2,
        "misplaced",
    )
    newest = repo.events_of("CARD001")[-1]
    assert {k: newest[k] for k in ("version", "type", "from_status", "to_status", "reason")} == {
        "version": 2,
        "type": "locked",
        "from_status": "active",
        "to_status": "locked",
        "reason": "misplaced",
    }
    assert (newest["channel"], newest["actor"], newest["request_id"]) == ("mcp", "agent", "req-mcp")
    assert newest["occurred_at"] == "2026-12-02T10:00:00.000Z"


def test_a_change_that_changes_nothing_writes_nothing(
    service: CardService, repo: FakeRepository
) -> None:
    service.lock_card(lock(), API)
    before = repo.state()
    answer = service.lock_card(lock(), API)
    assert answer["changed"] is False
    assert answer["card"]["version"] == 2
    assert repo.state() == before
    assert repo.commits == 1


def test_a_keyed_retry_gets_the_first_answer_marked_and_changes_nothing(
    service: CardService, repo: FakeRepository
) -> None:
    first = service.lock_card(lock(key="K1"), API)
    before = repo.state()
    again = service.lock_card(lock(key="K1"), API)
    assert again == {**first, "replayed": True}
    assert repo.state() == before
    assert list(repo.records) == ["CUST001#api#lock#K1"]


def test_a_keyed_no_op_is_recorded_and_replayed(service: CardService, repo: FakeRepository) -> None:
    unlock = UnlockCard(**ALICE, idempotency_key="K2")
    first = service.unlock_card(unlock, API)
    assert first["changed"] is False
    assert repo.records["CUST001#api#unlock#K2"].response == first
    assert len(repo.events_of("CARD001")) == 1
    assert service.unlock_card(unlock, API) == {**first, "replayed": True}


def test_the_same_key_with_another_request_is_refused(
    service: CardService, repo: FakeRepository
) -> None:
    service.lock_card(lock("misplaced", key="K1"), API)
    before = repo.state()
    for other in (
        lock("suspected_fraud", key="K1"),
        lock("misplaced", key="K1", card_id="CARD002"),
    ):
        with pytest.raises(errors.IdempotencyKeyReusedError):
            service.lock_card(other, API)
    assert repo.state() == before


def test_a_key_is_scoped_to_its_channel_and_operation(
    service: CardService, repo: FakeRepository
) -> None:
    service.lock_card(lock(key="K1"), API)
    through_mcp = service.lock_card(lock(key="K1"), MCP)
    assert "replayed" not in through_mcp
    unlocked = service.unlock_card(UnlockCard(**ALICE, idempotency_key="K1"), API)
    assert (unlocked["changed"], "replayed" in unlocked) == (True, False)
    assert set(repo.records) == {
        "CUST001#api#lock#K1",
        "CUST001#mcp#lock#K1",
        "CUST001#api#unlock#K1",
    }


def test_a_key_past_its_lifetime_is_a_new_request(
    service: CardService, repo: FakeRepository, clock: Clock
) -> None:
    service.lock_card(lock("misplaced", key="K1"), API)
    service.unlock_card(UnlockCard(**ALICE), API)
    clock.now += timedelta(seconds=IDEMPOTENCY_TTL_SECONDS + 1)
    again = service.lock_card(lock("suspected_fraud", key="K1"), API)
    assert (again["changed"], again["card"]["lock"]["reason"]) == (True, "suspected_fraud")
    assert "replayed" not in again


def test_a_stored_answer_is_never_given_to_a_customer_no_longer_active(
    service: CardService, repo: FakeRepository
) -> None:
    service.lock_card(lock(key="K1"), API)
    suspend(repo)
    with pytest.raises(errors.AuthFailedError):
        service.lock_card(lock(key="K1"), API)


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ({"customer_id": "CUST002"}, errors.CardNotFoundError),  # CARD001 is Alice's
        ({"card_id": "CARD0MISSING"}, errors.CardNotFoundError),
        ({"customer_id": "CUST0NOBODY"}, errors.AuthFailedError),
    ],
)
def test_a_card_is_changed_only_for_its_active_owner(
    service: CardService, repo: FakeRepository, target: dict[str, str], error: type[Exception]
) -> None:
    before = repo.state()
    with pytest.raises(error):
        service.lock_card(lock(**target), API)
    assert repo.state() == before


def test_if_match_lets_a_write_proceed_only_on_a_listed_version(
    service: CardService, repo: FakeRepository
) -> None:
    with pytest.raises(errors.PreconditionFailedError) as refused:
        service.lock_card(replace(lock(), if_match=frozenset({2, 3})), API)
    assert refused.value.details == {"current_version": 1}
    assert repo.commits == 0
    assert service.lock_card(replace(lock(), if_match=frozenset({1})), API)["changed"] is True


def test_a_fraud_lock_is_lifted_only_by_the_back_office(
    service: CardService, repo: FakeRepository
) -> None:
    service.lock_card(lock("suspected_fraud"), API)
    before = repo.state()
    with pytest.raises(errors.UnlockNotPermittedError):
        service.unlock_card(UnlockCard(**ALICE), MCP)
    assert repo.state() == before
    assert service.unlock_card(UnlockCard(**ALICE), API)["card"]["status"] == "active"
