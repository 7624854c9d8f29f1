"""Replacement cards: ordering one, a lost or stolen report, and the preview of either.

A lost or stolen report always stops the card it names, from any open state, in the same
transaction: an active or locked card closes (a replacement already on its way is the answer,
no second card is issued); a replacement that never arrived closes and a new one is issued in
its place. Damaged or expiring cards keep working until their replacement is activated.

The fraud hold travels with the replacement: a card under a fraud lock that is closed by a
lost or stolen report hands its lock to the card that replaces it (``lock`` on a
``pending_activation`` card), so only the back office can activate that card, or release the
hold by unlocking it (the card stays pending, for the customer to activate anywhere). While the
card being replaced stays open, its own lock is the hold.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.domain.lifecycle import check_fraud_hold, event_of, transition, under_fraud_hold
from chalicelib.domain.model import (
    Card,
    CardWrite,
    Context,
    Customer,
    Decision,
    Shipping,
    ShippingSpeed,
)

#: Business days to deliver a replacement card, by shipping speed.
DELIVERY_BUSINESS_DAYS: dict[ShippingSpeed, int] = {"standard": 5, "expedited": 2}
#: Reasons for which the old card stops working at once.
CLOSE_AT_ONCE: frozenset[str] = frozenset({"lost", "stolen"})
CARD_VALIDITY_YEARS = 4
OPEN = frozenset({"active", "locked"})


def add_business_days(start: date, days: int) -> date:
    """Return the date ``days`` business days after ``start`` (Saturdays and Sundays skipped)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


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


def related_card_id(card: Card, reason: str) -> str | None:
    """The other card a request needs to be decided, read after ``card``: the replacement on
    its way (a lost open card), or the card a lost replacement was to replace."""
    if reason not in CLOSE_AT_ONCE:
        return None
    if card.status in OPEN:
        return card.replaced_by
    if card.status == "pending_activation":
        return card.replacement_for
    return None


def _check_replaceable(card: Card, reason: str, ctx: Context) -> None:
    if card.status == "closed":
        details = {"replacement_card_id": card.replaced_by} if card.replaced_by else None
        raise errors.CardClosedError(details=details)
    if reason in CLOSE_AT_ONCE:
        return  # stopping a card only makes it safer: allowed from every open state and channel
    if card.status == "pending_activation":
        raise errors.InvalidCardStateError(
            "This card is itself a replacement that has not been activated yet. Activate it, "
            "or report it lost or stolen."
        )
    check_fraud_hold(ctx, card)
    if card.replaced_by is not None:
        raise errors.ReplacementAlreadyRequestedError(
            details={"replacement_card_id": card.replaced_by}
        )


def _new_card(
    card: Card,
    customer: Customer,
    speed: ShippingSpeed,
    ctx: Context,
    *,
    replaces: str,
    closes: bool,
) -> Card:
    """The replacement of ``card``. When ``card`` closes now, its fraud lock goes with it onto
    the new card, as the hold; while it stays open, its own lock is the hold."""
    eta = add_business_days(ctx.now.date(), DELIVERY_BUSINESS_DAYS[speed])
    summary = customer.address.summary() if customer.address else "the address on file"
    shipping = Shipping(speed=speed, estimated_delivery=eta.isoformat(), address_summary=summary)
    expiry_year = (ctx.now.year + CARD_VALIDITY_YEARS) % 100
    return Card(
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
        lock=card.lock if closes and under_fraud_hold(card) else None,
        replacement_for=replaces,
        shipping=shipping,
    )


def _close(card: Card, reason: str, ctx: Context, replaced_by: str | None) -> CardWrite:
    return transition(
        card,
        ctx,
        "replacement_requested",
        reason,
        status="closed",
        lock=None,
        closed_reason=reason,
        replaced_by=replaced_by,
    )


def request_new(
    card: Card,
    related: Card | None,
    customer: Customer,
    ctx: Context,
    *,
    reason: str,
    speed: ShippingSpeed,
) -> Decision:
    """Order a replacement, or stop a lost or stolen card (``related``: see
    ``related_card_id``). The decision's card is the replacement the customer will receive."""
    _check_replaceable(card, reason, ctx)
    if reason not in CLOSE_AT_ONCE:
        new = _new_card(card, customer, speed, ctx, replaces=card.card_id, closes=False)
        old = transition(card, ctx, "replacement_requested", reason, replaced_by=new.card_id)
        issued = CardWrite(new, event_of(new, "issued", "none", reason, ctx), None)
        return Decision(new, (old, issued), replaced_card=old.card)
    if card.status == "pending_activation":
        return _reissue(card, related, customer, ctx, reason=reason, speed=speed)
    on_its_way = related if related is not None and related.status == "pending_activation" else None
    if card.replaced_by is not None and on_its_way is not None:
        return _stop_with_replacement_on_its_way(card, on_its_way, reason, ctx)
    new = _new_card(card, customer, speed, ctx, replaces=card.card_id, closes=True)
    old = _close(card, reason, ctx, new.card_id)
    issued = CardWrite(new, event_of(new, "issued", "none", reason, ctx), None)
    return Decision(new, (old, issued), replaced_card=old.card)


def _stop_with_replacement_on_its_way(
    card: Card, on_its_way: Card, reason: str, ctx: Context
) -> Decision:
    """Close an open card whose replacement is already on its way: no second card. A fraud
    lock on the closed card moves to that replacement, which is then held."""
    old = _close(card, reason, ctx, card.replaced_by)
    writes = [old]
    answer = on_its_way
    if under_fraud_hold(card) and not under_fraud_hold(on_its_way):
        held = transition(on_its_way, ctx, "held", card.lock.reason, lock=card.lock)  # type: ignore[union-attr]
        writes.append(held)
        answer = held.card
    return Decision(answer, tuple(writes), replaced_card=old.card)


def _reissue(
    card: Card,
    original: Card | None,
    customer: Customer,
    ctx: Context,
    *,
    reason: str,
    speed: ShippingSpeed,
) -> Decision:
    """A replacement lost before it was activated: close it and issue a new one in its place.

    While the card it was to replace is still open, the new card replaces that one (its
    activation closes it, and that card's fraud lock still holds it); otherwise it replaces the
    lost one. Either way it inherits the lost card's own hold.
    """
    still_open = original if original is not None and original.status in OPEN else None
    replaces = still_open.card_id if still_open is not None else card.card_id
    new = _new_card(card, customer, speed, ctx, replaces=replaces, closes=True)
    old = _close(card, reason, ctx, new.card_id)
    writes = [old, CardWrite(new, event_of(new, "issued", "none", reason, ctx), None)]
    if still_open is not None:
        writes.append(
            transition(still_open, ctx, "replacement_reissued", reason, replaced_by=new.card_id)
        )
    return Decision(new, tuple(writes), replaced_card=old.card)


def delivers_held_card(decision: Decision) -> bool:
    """Whether only the back office could activate the card a decision delivers: it carries a
    hold, or the open card it replaces is under a fraud lock."""
    delivered = decision.card
    return under_fraud_hold(delivered) or any(
        write.card.card_id == delivered.replacement_for
        and write.card.status in OPEN
        and under_fraud_hold(write.card)
        for write in decision.writes
    )


def preview_message(card: Card, decision: Decision, reason: str) -> str:
    """What ordering would do, in sentences an agent reads to the customer: each one true of
    the card's state (a locked card does not "keep working"; a held card is not promised)."""
    delivered = decision.card
    shipping = delivered.shipping
    where = (
        f"{shipping.address_summary} by {shipping.estimated_delivery}"
        if shipping
        else "the address on file"
    )
    issued = any(write.expected_version is None for write in decision.writes)
    if issued:
        parts = [f"A new {delivered.brand} {delivered.product} card will ship to {where}."]
    else:
        parts = [f"The replacement ending {delivered.last4} is already on its way to {where}."]
    parts.append(_fate_of(card, reason))
    if delivers_held_card(decision):
        parts.append(
            "The new card is held for fraud review: the bank will contact the customer, and "
            "it can be activated only once the bank releases it."
        )
    return " ".join(parts)


def _fate_of(card: Card, reason: str) -> str:
    ending = f"The card ending {card.last4}"
    if reason in CLOSE_AT_ONCE:
        if card.status == "pending_activation":
            return f"{ending} was never activated and will be cancelled immediately."
        return f"{ending} will stop working immediately."
    if card.status == "locked":
        return f"{ending} stays locked until the new card is activated, which closes it."
    return f"{ending} keeps working until the new card is activated."
