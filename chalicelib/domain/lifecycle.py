"""The card lifecycle (SPEC §4) as pure functions.

Nothing here knows about DynamoDB, Chalice or which channel called: the channel is data. Each
operation takes the current state and returns a ``Decision``: the cards to write (each with the
event it produces) or "nothing to change". The store commits a decision in one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, timedelta

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.domain.model import (
    Card,
    CardWrite,
    Context,
    Customer,
    Decision,
    Event,
    Lock,
    Shipping,
)

#: Business days to deliver a replacement card, by shipping speed.
DELIVERY_BUSINESS_DAYS: dict[str, int] = {"standard": 5, "expedited": 2}
#: Only the bank's own back office may lift a fraud lock.
FRAUD_UNLOCK_CHANNELS: frozenset[str] = frozenset({"api"})
#: Reasons for which the old card stops working at once.
CLOSE_AT_ONCE: frozenset[str] = frozenset({"lost", "stolen"})
CARD_VALIDITY_YEARS = 4


def _transition(
    card: Card, ctx: Context, event_type: str, reason: str | None, **changes: object
) -> CardWrite:
    """Apply ``changes`` to ``card`` as the next version, with its event."""
    new = replace(card, version=card.version + 1, updated_at=ctx.timestamp, **changes)  # type: ignore[arg-type]
    event = _event(new, event_type, card.status, reason, ctx)
    return CardWrite(card=new, event=event, expected_version=card.version)


def _event(
    card: Card, event_type: str, from_status: str, reason: str | None, ctx: Context
) -> Event:
    """The event that produced ``card`` (at its version) from ``from_status``."""
    return Event(
        card_id=card.card_id,
        version=card.version,
        type=event_type,
        from_status=from_status,
        to_status=card.status,
        reason=reason,
        channel=ctx.channel,
        actor=ctx.actor,
        request_id=ctx.request_id,
        occurred_at=ctx.timestamp,
    )


def _refuse_closed_or_pending(card: Card) -> None:
    if card.status == "closed":
        raise errors.CardClosedError
    if card.status == "pending_activation":
        raise errors.InvalidCardStateError(
            "The card has not been activated yet. Activate it before locking or unlocking it."
        )


def lock(card: Card, reason: str, ctx: Context) -> Decision:
    """Lock an active card. Locking a locked card changes nothing, except that a fraud lock
    replaces a weaker one (otherwise a channel that may not lift fraud locks could lift it)."""
    _refuse_closed_or_pending(card)
    if card.status == "locked":
        current = card.lock.reason if card.lock else None
        if reason == "suspected_fraud" and current != "suspected_fraud":
            lock_ = Lock(reason=reason, channel=ctx.channel, at=ctx.timestamp)
            write = _transition(card, ctx, "lock_escalated", reason, lock=lock_)
            return Decision(write.card, (write,))
        return Decision(card)
    lock_ = Lock(reason=reason, channel=ctx.channel, at=ctx.timestamp)
    write = _transition(card, ctx, "locked", reason, status="locked", lock=lock_)
    return Decision(write.card, (write,))


def unlock(card: Card, ctx: Context) -> Decision:
    """Unlock a locked card; a fraud lock only through a channel allowed to lift it."""
    _refuse_closed_or_pending(card)
    if card.status == "active":
        return Decision(card)
    if (
        card.lock
        and card.lock.reason == "suspected_fraud"
        and ctx.channel not in FRAUD_UNLOCK_CHANNELS
    ):
        raise errors.UnlockNotPermittedError
    reason = card.lock.reason if card.lock else None
    write = _transition(card, ctx, "unlocked", reason, status="active", lock=None)
    return Decision(write.card, (write,))


def add_business_days(start: date, days: int) -> date:
    """Return the date ``days`` business days after ``start`` (Saturdays and Sundays skipped)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def _check_replaceable(card: Card) -> None:
    if card.replaced_by is not None and card.closed_reason != "replaced":
        raise errors.ReplacementAlreadyRequestedError(
            details={"replacement_card_id": card.replaced_by}
        )
    if card.status == "closed":
        raise errors.CardClosedError
    if card.status == "pending_activation":
        raise errors.InvalidCardStateError(
            "This card is itself a replacement that has not been activated yet."
        )


def new_card_id() -> str:
    """A fresh, unguessable card id, never one that reads as a card number (about one draw in
    2,000 would, and every edge refuses such ids)."""
    while True:
        candidate = "CARD" + secrets.token_hex(8).upper()
        if not contains_card_number(candidate):
            return candidate


def _new_last4(old: str) -> str:
    while True:
        candidate = f"{secrets.randbelow(10_000):04d}"
        if candidate != old:
            return candidate


def plan_replacement(
    card: Card, customer: Customer, reason: str, speed: str, ctx: Context
) -> tuple[Card, Shipping]:
    """Describe the replacement card without deciding anything: the preview an agent shows."""
    _check_replaceable(card)
    eta = add_business_days(ctx.now.date(), DELIVERY_BUSINESS_DAYS[speed])
    summary = customer.address.summary() if customer.address else "the address on file"
    shipping = Shipping(speed=speed, estimated_delivery=eta.isoformat(), address_summary=summary)
    expiry_year = (ctx.now.year + CARD_VALIDITY_YEARS) % 100
    new = Card(
        card_id=new_card_id(),
        customer_id=card.customer_id,
        product=card.product,
        brand=card.brand,
        last4=_new_last4(card.last4),
        expiry=f"{ctx.now.month:02d}/{expiry_year:02d}",
        status="pending_activation",
        version=1,
        created_at=ctx.timestamp,
        updated_at=ctx.timestamp,
        replacement_for=card.card_id,
        shipping=shipping,
    )
    return new, shipping


def request_new(card: Card, customer: Customer, reason: str, speed: str, ctx: Context) -> Decision:
    """Order a replacement. Lost or stolen cards close in the same transaction; damaged or
    expiring ones keep working until the replacement is activated."""
    new, _ = plan_replacement(card, customer, reason, speed, ctx)
    issued = _event(new, "issued", "none", reason, ctx)
    if reason in CLOSE_AT_ONCE:
        old = _transition(
            card,
            ctx,
            "replacement_requested",
            reason,
            status="closed",
            lock=None,
            closed_reason=reason,
            replaced_by=new.card_id,
        )
    else:
        old = _transition(card, ctx, "replacement_requested", reason, replaced_by=new.card_id)
    writes = (old, CardWrite(card=new, event=issued, expected_version=None))
    return Decision(new, writes, replaced_card=old.card)


def activate(card: Card, replaced: Card | None, ctx: Context) -> Decision:
    """Activate a replacement card and close the card it replaces, if that is still open."""
    if card.status == "active":
        return Decision(card)
    if card.status == "closed":
        raise errors.CardClosedError
    if card.status != "pending_activation":
        raise errors.InvalidCardStateError("Only a newly issued card can be activated.")
    write = _transition(card, ctx, "activated", None, status="active", shipping=card.shipping)
    writes = [write]
    closed: Card | None = None
    if replaced is not None and replaced.status != "closed":
        close = _transition(
            replaced,
            ctx,
            "closed",
            "replaced",
            status="closed",
            lock=None,
            closed_reason="replaced",
        )
        writes.append(close)
        closed = close.card
    return Decision(write.card, tuple(writes), replaced_card=closed)
