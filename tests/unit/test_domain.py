"""The card lifecycle, as pure functions: every rule, no AWS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from chalicelib import domain, errors
from chalicelib.domain import Address, Card, Context, Customer, Decision, Lock

NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # a Friday


def ctx(channel: str = "api") -> Context:
    return Context(channel=channel, actor="tester", request_id="req-1", now=NOW)


def card(status: str = "active", **changes: object) -> Card:
    base = Card(
        card_id="CARD001",
        customer_id="CUST001",
        product="debit",
        brand="visa",
        last4="4821",
        expiry="08/29",
        status=status,
        version=3,
        created_at="2026-01-15T09:00:00Z",
        updated_at="2026-01-15T09:00:00Z",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


CUSTOMER = Customer(
    customer_id="CUST001",
    first_name="Alice",
    last_name="Martin",
    status="active",
    address=Address("12 Elm St", "Portland", "OR", "97201", "US"),
)


def order(old: Card, reason: str, speed: str = "standard", channel: str = "api") -> Decision:
    """Request a replacement of ``old`` with no other card involved."""
    return domain.request_new(old, None, CUSTOMER, ctx(channel), reason=reason, speed=speed)


def locked(reason: str = "customer_request") -> Card:
    return card("locked", lock=Lock(reason=reason, channel="api", at="t"))


# -- lock ------------------------------------------------------------------------------------


def test_lock_active_card_bumps_version_and_records_event() -> None:
    decision = domain.lock(card(), "misplaced", ctx("mcp"))
    assert decision.changed
    assert decision.card.status == "locked"
    assert decision.card.version == 4
    assert decision.card.lock == Lock(reason="misplaced", channel="mcp", at=ctx().timestamp)
    (write,) = decision.writes
    assert write.expected_version == 3
    assert (write.event.version, write.event.type) == (4, "locked")
    assert (write.event.from_status, write.event.to_status) == ("active", "locked")
    assert write.event.channel == "mcp"


def test_lock_locked_card_changes_nothing() -> None:
    decision = domain.lock(locked(), "misplaced", ctx())
    assert not decision.changed
    assert decision.card == locked()


def test_fraud_lock_escalates_a_weaker_lock() -> None:
    decision = domain.lock(locked("misplaced"), "suspected_fraud", ctx())
    assert decision.changed
    assert decision.card.lock is not None
    assert decision.card.lock.reason == "suspected_fraud"
    assert decision.writes[0].event.type == "lock_escalated"


@pytest.mark.parametrize("status", ["closed"])
def test_lock_closed_card_is_card_closed(status: str) -> None:
    with pytest.raises(errors.CardClosedError):
        domain.lock(card(status), "customer_request", ctx())


def test_lock_pending_card_is_invalid_state() -> None:
    with pytest.raises(errors.InvalidCardStateError):
        domain.lock(card("pending_activation"), "customer_request", ctx())


# -- unlock ----------------------------------------------------------------------------------


def test_unlock_locked_card() -> None:
    decision = domain.unlock(locked(), ctx("connect"))
    assert decision.card.status == "active"
    assert decision.card.lock is None
    assert decision.writes[0].event.reason == "customer_request"


def test_unlock_active_card_changes_nothing() -> None:
    assert not domain.unlock(card(), ctx()).changed


@pytest.mark.parametrize("channel", ["mcp", "connect"])
def test_fraud_lock_cannot_be_lifted_outside_the_api(channel: str) -> None:
    with pytest.raises(errors.UnlockNotPermittedError):
        domain.unlock(locked("suspected_fraud"), ctx(channel))


def test_fraud_lock_can_be_lifted_through_the_api() -> None:
    assert domain.unlock(locked("suspected_fraud"), ctx("api")).card.status == "active"


def test_unlock_closed_card_is_card_closed() -> None:
    with pytest.raises(errors.CardClosedError):
        domain.unlock(card("closed"), ctx())


# -- request new -----------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["lost", "stolen"])
def test_lost_or_stolen_closes_the_old_card_in_the_same_decision(reason: str) -> None:
    decision = order(locked(), reason, "standard")
    old, new = decision.writes
    assert old.card.status == "closed"
    assert old.card.closed_reason == reason
    assert old.card.lock is None
    assert old.card.replaced_by == new.card.card_id
    assert new.expected_version is None
    assert new.card.status == "pending_activation"
    assert new.card.replacement_for == "CARD001"
    assert (new.event.version, new.event.type) == (1, "issued")
    assert decision.card == new.card
    assert decision.replaced_card == old.card


@pytest.mark.parametrize("reason", ["damaged", "expiring"])
def test_damaged_or_expiring_keeps_the_old_card_working(reason: str) -> None:
    decision = order(card(), reason, "expedited")
    old, new = decision.writes
    assert old.card.status == "active"
    assert old.card.replaced_by == new.card.card_id
    assert old.event.type == "replacement_requested"


def test_new_card_copies_product_and_brand_but_not_the_number() -> None:
    new = order(card(), "damaged", "standard").card
    assert (new.product, new.brand) == ("debit", "visa")
    assert new.last4 != "4821"
    assert len(new.last4) == 4
    assert new.last4.isdigit()
    assert new.expiry == "11/30"
    assert new.card_id.startswith("CARD")
    assert new.shipping is not None
    assert new.shipping.address_summary == "Portland, OR, US"


def test_only_one_outstanding_replacement_naming_it() -> None:
    pending = card(replaced_by="CARDNEW01")
    with pytest.raises(errors.ReplacementAlreadyRequestedError) as caught:
        order(pending, "damaged", "standard")
    assert caught.value.details == {"replacement_card_id": "CARDNEW01"}


def test_a_closed_lost_card_is_card_closed_naming_its_replacement() -> None:
    closed = card("closed", closed_reason="lost", replaced_by="CARDNEW01")
    with pytest.raises(errors.CardClosedError) as caught:
        order(closed, "stolen", "standard")
    assert caught.value.details == {"replacement_card_id": "CARDNEW01"}


def test_replacing_a_closed_card_is_card_closed() -> None:
    closed = card("closed", closed_reason="replaced", replaced_by="CARDNEW01")
    with pytest.raises(errors.CardClosedError):
        order(closed, "lost", "standard")


@pytest.mark.parametrize("reason", ["damaged", "expiring"])
def test_a_damaged_pending_card_is_invalid_state(reason: str) -> None:
    with pytest.raises(errors.InvalidCardStateError):
        order(card("pending_activation"), reason)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 27), 2, date(2026, 12, 1)),  # Friday + 2 -> Tuesday
        (date(2026, 11, 27), 5, date(2026, 12, 4)),  # Friday + 5 -> next Friday
        (date(2026, 11, 28), 2, date(2026, 12, 1)),  # Saturday + 2 -> Tuesday
        (date(2026, 11, 23), 2, date(2026, 11, 25)),  # Monday + 2 -> Wednesday
    ],
)
def test_delivery_estimate_skips_weekends(start: date, days: int, expected: date) -> None:
    assert domain.add_business_days(start, days) == expected


def test_shipping_speed_sets_the_estimate() -> None:
    standard = order(card(), "damaged", "standard").card
    expedited = order(card(), "damaged", "expedited").card
    assert standard.shipping is not None
    assert expedited.shipping is not None
    assert standard.shipping.estimated_delivery == "2026-12-04"
    assert expedited.shipping.estimated_delivery == "2026-12-01"


# -- activate --------------------------------------------------------------------------------


def test_activate_closes_the_card_it_replaces() -> None:
    new = card("pending_activation", card_id="CARDNEW01", version=1, replacement_for="CARD001")
    old = card(replaced_by="CARDNEW01")
    decision = domain.activate(new, old, ctx())
    activated, closed = decision.writes
    assert activated.card.status == "active"
    assert activated.card.version == 2
    assert closed.card.status == "closed"
    assert closed.card.closed_reason == "replaced"
    assert closed.expected_version == 3
    assert decision.replaced_card == closed.card


def test_activate_leaves_an_already_closed_old_card_alone() -> None:
    new = card("pending_activation", card_id="CARDNEW01", version=1, replacement_for="CARD001")
    old = card("closed", closed_reason="lost", replaced_by="CARDNEW01")
    decision = domain.activate(new, old, ctx())
    assert len(decision.writes) == 1
    assert decision.replaced_card is None


def test_activate_active_card_changes_nothing() -> None:
    assert not domain.activate(card(), None, ctx()).changed


def test_activate_locked_card_is_invalid_state() -> None:
    with pytest.raises(errors.InvalidCardStateError):
        domain.activate(locked(), None, ctx())


def test_activate_closed_card_is_card_closed() -> None:
    with pytest.raises(errors.CardClosedError):
        domain.activate(card("closed"), None, ctx())


def test_timestamp_is_utc_iso_with_milliseconds() -> None:
    assert ctx().timestamp == "2026-11-27T15:30:00.000Z"


def test_the_edge_models_validate_with_the_domains_values() -> None:
    """One owner for each set of values: the domain types its cards with them, and the pydantic
    models that validate input and shape output use the same ``Literal`` (not a copy)."""
    from typing import get_type_hints

    from chalicelib import models

    hints = get_type_hints(Card)
    view = models.CardView.model_fields
    for name, values in (
        ("status", domain.CardStatus),
        ("product", domain.CardProduct),
        ("brand", domain.CardBrand),
    ):
        assert hints[name] is values
        assert view[name].annotation is values
    assert get_type_hints(Lock)["reason"] is domain.LockReason
    assert get_type_hints(domain.Shipping)["speed"] is domain.ShippingSpeed
    assert models.LockCardRequest.model_fields["reason"].annotation is domain.LockReason
    request_new = models.RequestNewCardRequest.model_fields
    assert request_new["reason"].annotation is domain.ReplacementReason
    assert request_new["shipping_speed"].annotation is domain.ShippingSpeed
