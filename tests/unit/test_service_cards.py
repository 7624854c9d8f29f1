"""Replacement, activation and the reads, over the in-memory repository: which cards a lost or
damaged card leaves behind, what a preview promises, and how history pages."""

from __future__ import annotations

import pytest

from chalicelib import errors
from chalicelib.commands import ActivateCard, UnlockCard
from chalicelib.cursor import encode_cursor
from chalicelib.service import CardService
from tests.fakes.repository import FakeRepository
from tests.unit.service_steps import (
    ALICE,
    API,
    MCP,
    lock,
    order,
    suspend,
)


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
