"""The card use cases over the in-memory repository: what each one commits, what a keyed retry
answers, and how a lost race is read and decided again. The seed data (three customers, five
cards) is the same the DynamoDB tests start from; no DynamoDB here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import errors
from chalicelib.commands import ActivateCard, Caller, LockCard, RequestNewCard, UnlockCard
from chalicelib.cursor import encode_cursor
from chalicelib.domain import Lock
from chalicelib.service import COMMIT_ATTEMPTS, CardService
from chalicelib.store.dynamodb import IDEMPOTENCY_TTL_SECONDS
from tests.fakes.repository import FakeRepository

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
API = Caller(channel="api", actor="back-office", request_id="req-api")
MCP = Caller(channel="mcp", actor="agent", request_id="req-mcp")
ALICE = {"customer_id": "CUST001", "card_id": "CARD001"}


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository.seeded()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def service(repo: FakeRepository, clock: Clock, sleeps: list[float]) -> CardService:
    return CardService(repo, clock=clock, sleep=sleeps.append)


def lock(reason: str = "misplaced", key: str | None = None, **target: Any) -> LockCard:
    return LockCard(**{**ALICE, **target}, reason=reason, idempotency_key=key)


def order(reason: str = "damaged", key: str | None = None, **target: Any) -> RequestNewCard:
    target = {**ALICE, **target}
    return RequestNewCard(**target, reason=reason, shipping_speed="standard", idempotency_key=key)


def suspend(repo: FakeRepository, customer_id: str = "CUST001") -> None:
    repo.customers[customer_id] = replace(repo.customers[customer_id], status="suspended")


def concurrent_lock(reason: str) -> Callable[[FakeRepository], None]:
    """Another writer locking CARD001 (next version) between the service's read and write."""

    def change(repo: FakeRepository) -> None:
        card = repo.cards["CARD001"]
        held = Lock(reason=reason, channel="api", at="2026-12-02T09:59:59.000Z")
        repo.cards["CARD001"] = replace(card, status="locked", lock=held, version=card.version + 1)

    return change


# -- writes ----------------------------------------------------------------------------------


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


# -- lost races ------------------------------------------------------------------------------


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


# -- replacement and activation ----------------------------------------------------------------


def test_a_lost_card_is_closed_at_once_and_a_replacement_issued(
    service: CardService, repo: FakeRepository
) -> None:
    answer = service.request_new_card(order("lost"), MCP)
    new = answer["card"]
    assert (new["status"], new["replacement_for"], new["version"]) == (
        "pending_activation",
        "CARD001",
        1,
    )
    assert new["shipping"] == {
        "speed": "standard",
        "estimated_delivery": "2026-12-09",
        "address_summary": "Springfield, IL, US",
    }
    closed = answer["replaced_card"]
    assert (closed["status"], closed["closed_reason"], closed["replaced_by"]) == (
        "closed",
        "lost",
        new["card_id"],
    )
    assert repo.events_of(new["card_id"])[0]["type"] == "issued"
    assert repo.events_of("CARD001")[-1]["type"] == "replacement_requested"


def test_a_card_reported_stolen_with_its_replacement_on_the_way_gets_no_second_card(
    service: CardService, repo: FakeRepository
) -> None:
    on_its_way = service.request_new_card(order("damaged"), API)["card"]["card_id"]
    answer = service.request_new_card(order("stolen"), MCP)
    assert answer["card"]["card_id"] == on_its_way
    assert answer["replaced_card"]["status"] == "closed"
    assert [c.card_id for c in repo.cards.values() if c.replacement_for == "CARD001"] == [
        on_its_way
    ]


def test_a_replacement_lost_in_the_mail_is_replaced_in_place_of_the_card_still_open(
    service: CardService, repo: FakeRepository
) -> None:
    lost = service.request_new_card(order("damaged"), API)["card"]["card_id"]
    answer = service.request_new_card(order("lost", card_id=lost), MCP)
    again = answer["card"]
    assert (again["replacement_for"], answer["replaced_card"]["card_id"]) == ("CARD001", lost)
    assert repo.cards["CARD001"].replaced_by == again["card_id"]


@pytest.mark.parametrize(("reason", "closes_now"), [("stolen", True), ("damaged", False)])
def test_a_preview_says_what_the_order_would_do_and_changes_nothing(
    service: CardService, repo: FakeRepository, reason: str, closes_now: bool
) -> None:
    before = repo.state()
    preview = service.preview_new_card(order(reason), MCP)
    assert repo.state() == before
    assert (preview["preview"], preview["closes_current_card_now"]) == (True, closes_now)
    assert preview["card"]["card_id"] == "CARD001"
    assert preview["shipping"]["address_summary"] == "Springfield, IL, US"
    assert "The card ending 4821" in preview["message"]


def test_a_preview_is_refused_exactly_when_the_order_would_be(
    service: CardService, repo: FakeRepository
) -> None:
    service.request_new_card(order("damaged"), API)
    with pytest.raises(errors.ReplacementAlreadyRequestedError):
        service.preview_new_card(order("expiring"), MCP)
    with pytest.raises(errors.ReplacementAlreadyRequestedError):
        service.request_new_card(order("expiring"), MCP)


def test_activating_a_replacement_closes_the_card_it_replaces(
    service: CardService, repo: FakeRepository
) -> None:
    new_id = service.request_new_card(order("damaged"), API)["card"]["card_id"]
    answer = service.activate_card(ActivateCard(customer_id="CUST001", card_id=new_id), MCP)
    assert (answer["card"]["status"], answer["changed"]) == ("active", True)
    assert (answer["replaced_card"]["card_id"], answer["replaced_card"]["status"]) == (
        "CARD001",
        "closed",
    )
    assert repo.cards["CARD001"].closed_reason == "replaced"


def test_activating_another_customers_replacement_is_not_found(
    service: CardService, repo: FakeRepository
) -> None:
    new_id = service.request_new_card(order("damaged"), API)["card"]["card_id"]
    with pytest.raises(errors.CardNotFoundError):
        service.activate_card(ActivateCard(customer_id="CUST002", card_id=new_id), API)


# -- reads -----------------------------------------------------------------------------------


def test_list_cards_gives_an_active_customers_cards_by_id(
    service: CardService, repo: FakeRepository
) -> None:
    listed = service.list_cards("CUST002", API)
    assert [(c["card_id"], c["status"]) for c in listed["cards"]] == [
        ("CARD003", "active"),
        ("CARD004", "locked"),
    ]
    assert set(listed["cards"][0]) >= {"last4", "brand", "expiry", "version"}
    suspend(repo, "CUST002")
    with pytest.raises(errors.AuthFailedError):
        service.list_cards("CUST002", API)


def test_history_pages_newest_first_with_a_cursor_to_the_next_page(
    service: CardService, repo: FakeRepository
) -> None:
    for _ in range(2):  # versions 2 to 5 on top of the seed's version 1
        service.lock_card(lock(), API)
        service.unlock_card(UnlockCard(**ALICE), API)
    pages, cursor = [], None
    while True:
        page = service.card_history("CUST001", "CARD001", API, limit=2, cursor=cursor)
        pages.append([e["version"] for e in page["events"]])
        cursor = page.get("next_cursor")
        if cursor is None:
            break
    assert pages == [[5, 4], [3, 2], [1]]


def test_history_refuses_a_cursor_made_for_another_card_and_another_customers_card(
    service: CardService,
) -> None:
    with pytest.raises(errors.ValidationFailedError):
        service.card_history("CUST001", "CARD001", API, cursor=encode_cursor("CARD002", 3))
    with pytest.raises(errors.CardNotFoundError):
        service.card_history("CUST002", "CARD001", API)
