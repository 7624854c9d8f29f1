"""The fake repository is honest: each step below runs on ``FakeRepository`` and on ``CardStore``
over DynamoDB Local, both holding the seed, and both must answer alike (the same values, the same
refusal), so the service's unit tests over the fake say something about production."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import domain
from chalicelib.idempotency import IdempotencyRecord
from chalicelib.repository import CardRepository
from chalicelib.runtime import dynamodb_client
from chalicelib.settings import get_settings
from chalicelib.store.dynamodb import IDEMPOTENCY_TTL_SECONDS, CardStore
from tests.dynamodb_local_fixture import DynamoDBTables
from tests.fakes.repository import FakeRepository

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
EPOCH = int(NOW.timestamp())
CTX = domain.Context(channel="api", actor="contract", request_id="req-contract", now=NOW)
RECORD = IdempotencyRecord("CUST001#api#lock#K1", "hash-1", {"changed": True})


@dataclass
class Side:
    """One repository and how to suspend a customer behind its back."""

    repo: CardRepository
    suspend: Callable[[str], None]


@pytest.fixture
def sides(ddb_tables: DynamoDBTables) -> tuple[Side, Side]:
    fake = FakeRepository.seeded()

    def suspend_in_memory(customer_id: str) -> None:
        fake.customers[customer_id] = replace(fake.customers[customer_id], status="suspended")

    store = CardStore(dynamodb_client(), get_settings())
    return (
        Side(fake, suspend_in_memory),
        Side(store, lambda c: ddb_tables.set_customer_status(c, "suspended")),
    )


def outcome(step: Callable[[], Any]) -> Any:
    """What a step returned, or the name of the error it raised."""
    try:
        return step()
    except Exception as exc:
        return type(exc).__name__


def alike(sides: tuple[Side, Side], step: Callable[[Side], Any]) -> Any:
    """Run ``step`` on both sides; they must agree. Their common answer."""
    fake, real = (outcome(lambda side=side: step(side)) for side in sides)
    assert fake == real
    return real


def lock_of(repo: CardRepository, card_id: str = "CARD001") -> domain.Decision:
    card = repo.get_card(card_id)
    assert card is not None
    return domain.lock(card, "misplaced", CTX)


def test_the_seed_reads_alike(sides: tuple[Side, Side]) -> None:
    assert alike(sides, lambda s: s.repo.load("CUST001", "CARD001", "no-such-key"))
    assert alike(sides, lambda s: s.repo.cards_of("CUST002"))
    assert alike(sides, lambda s: (s.repo.get_customer("CUST003"), s.repo.get_card("CARD0NONE")))
    assert alike(sides, lambda s: s.repo.events("CARD004", 5))[0][0]["type"] == "issued"


def test_a_commit_is_read_back_alike(sides: tuple[Side, Side]) -> None:
    def commit_and_read(side: Side) -> Any:
        side.repo.commit(lock_of(side.repo).writes, "CUST001", EPOCH, RECORD)
        return side.repo.load("CUST001", "CARD001", RECORD.key), side.repo.events("CARD001", 1)

    snapshot, (events, next_version) = alike(sides, commit_and_read)
    assert (snapshot.card.version, snapshot.idempotency.expires_at) == (
        2,
        EPOCH + IDEMPOTENCY_TTL_SECONDS,
    )
    assert ([e["type"] for e in events], next_version) == (["locked"], 2)


def test_a_stale_version_is_a_version_conflict_that_changes_nothing(
    sides: tuple[Side, Side],
) -> None:
    def commit_twice(side: Side) -> Any:
        stale = lock_of(side.repo).writes
        side.repo.commit(stale, "CUST001", EPOCH)
        refused = outcome(lambda: side.repo.commit(stale, "CUST001", EPOCH))
        return refused, side.repo.get_card("CARD001"), side.repo.events("CARD001", 10)

    assert alike(sides, commit_twice)[0] == "VersionConflictError"


def test_a_card_or_event_that_exists_already_is_a_version_conflict(
    sides: tuple[Side, Side],
) -> None:
    def write_over_what_exists(side: Side) -> Any:
        write = lock_of(side.repo).writes[0]
        existing_card = replace(write, expected_version=None)
        existing_event = replace(write, event=replace(write.event, version=1))
        return tuple(
            outcome(lambda w=w: side.repo.commit((w,), "CUST001", EPOCH))
            for w in (existing_card, existing_event)
        ), side.repo.get_card("CARD001")

    refusals, card = alike(sides, write_over_what_exists)
    assert (refusals, card.version) == (("VersionConflictError", "VersionConflictError"), 1)


def test_a_taken_key_is_an_idempotency_race_until_it_expires(sides: tuple[Side, Side]) -> None:
    def race_then_expire(side: Side) -> Any:
        side.repo.commit(lock_of(side.repo, "CARD001").writes, "CUST001", EPOCH, RECORD)
        later = replace(RECORD, request_hash="hash-2")
        raced = outcome(
            lambda: side.repo.commit(lock_of(side.repo, "CARD002").writes, "CUST001", EPOCH, later)
        )
        expired = EPOCH + IDEMPOTENCY_TTL_SECONDS
        side.repo.commit(lock_of(side.repo, "CARD002").writes, "CUST001", expired, later)
        return raced, side.repo.load("CUST001", "CARD002", RECORD.key)

    raced, snapshot = alike(sides, race_then_expire)
    assert (raced, snapshot.idempotency.request_hash) == ("IdempotencyRaceError", "hash-2")


def test_an_inactive_customer_is_refused_before_any_other_conflict(
    sides: tuple[Side, Side],
) -> None:
    def refused_in_order(side: Side) -> Any:
        stale = lock_of(side.repo).writes
        side.repo.commit(stale, "CUST001", EPOCH, RECORD)
        both = outcome(lambda: side.repo.commit(stale, "CUST001", EPOCH, RECORD))
        side.suspend("CUST001")
        fresh = lock_of(side.repo, "CARD002").writes
        return both, outcome(lambda: side.repo.commit(fresh, "CUST001", EPOCH, RECORD))

    assert alike(sides, refused_in_order) == ("IdempotencyRaceError", "AuthFailedError")


def test_a_no_op_answer_is_recorded_only_on_the_version_it_describes(
    sides: tuple[Side, Side],
) -> None:
    def record_twice(side: Side) -> Any:
        card = side.repo.get_card("CARD001")
        assert card is not None
        side.repo.record_answer(card, "CUST001", EPOCH, RECORD)
        stale = replace(card, version=card.version + 1)
        other = replace(RECORD, key="CUST001#api#unlock#K2")
        refused = outcome(lambda: side.repo.record_answer(stale, "CUST001", EPOCH, other))
        return refused, side.repo.load("CUST001", "CARD001", RECORD.key).idempotency

    refused, record = alike(sides, record_twice)
    assert (refused, record.response) == ("VersionConflictError", {"changed": True})


def test_history_pages_alike(sides: tuple[Side, Side]) -> None:
    def three_changes_in_pages(side: Side) -> Any:
        for _ in range(3):
            card = side.repo.get_card("CARD001")
            assert card is not None
            decision = domain.lock(card, "misplaced", CTX) if card.status == "active" else None
            decision = decision or domain.unlock(card, CTX)
            side.repo.commit(decision.writes, "CUST001", EPOCH)
        first, before = side.repo.events("CARD001", 2)
        return first, before, side.repo.events("CARD001", 2, before)

    first, before, (rest, end) = alike(sides, three_changes_in_pages)
    assert ([e["version"] for e in first], before) == ([4, 3], 3)
    assert ([e["version"] for e in rest], end) == ([2, 1], None)
