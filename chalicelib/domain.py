"""Cards, customers and the card lifecycle (SPEC §4) as pure functions.

Nothing here knows about DynamoDB, Chalice or which channel called: the channel is data. Each
operation takes the current state and returns a ``Decision``: the cards to write (each with the
event it produces) or "nothing to change". The store commits a decision in one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Literal

from chalicelib import errors

CardStatus = Literal["active", "locked", "pending_activation", "closed"]
LockReason = Literal["customer_request", "misplaced", "suspected_fraud"]
ReplacementReason = Literal["lost", "stolen", "damaged", "expiring"]
ShippingSpeed = Literal["standard", "expedited"]
Channel = Literal["api", "mcp", "connect"]

#: Business days to deliver a replacement card, by shipping speed.
DELIVERY_BUSINESS_DAYS: dict[str, int] = {"standard": 5, "expedited": 2}
#: Only the bank's own back office may lift a fraud lock.
FRAUD_UNLOCK_CHANNELS: frozenset[str] = frozenset({"api"})
#: Reasons for which the old card stops working at once.
CLOSE_AT_ONCE: frozenset[str] = frozenset({"lost", "stolen"})
CARD_VALIDITY_YEARS = 4


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address on file."""

    line1: str
    city: str
    region: str
    postal_code: str
    country: str

    def summary(self) -> str:
        """Where a card ships, without the street: safe to show and to store on the card."""
        return f"{self.city}, {self.region}, {self.country}"


@dataclass(frozen=True, slots=True)
class Customer:
    """A bank customer, as far as card operations need one."""

    customer_id: str
    first_name: str
    last_name: str
    status: str
    address: Address | None = None

    @property
    def is_active(self) -> bool:
        """Only active customers may see or change cards."""
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class Lock:
    """Why, through which channel and when a card was locked."""

    reason: str
    channel: str
    at: str


@dataclass(frozen=True, slots=True)
class Shipping:
    """How a replacement card travels."""

    speed: str
    estimated_delivery: str
    address_summary: str


@dataclass(frozen=True, slots=True)
class Card:
    """A payment card. Only ``last4`` of the number exists anywhere in the system."""

    card_id: str
    customer_id: str
    product: str
    brand: str
    last4: str
    expiry: str
    status: str
    version: int
    created_at: str
    updated_at: str
    lock: Lock | None = None
    replacement_for: str | None = None
    replaced_by: str | None = None
    closed_reason: str | None = None
    shipping: Shipping | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Who is asking, through which channel, and when: data the domain records, never branches on
    except where a rule says so (fraud unlocks)."""

    channel: str
    actor: str
    request_id: str
    now: datetime

    @property
    def timestamp(self) -> str:
        """ISO-8601 UTC with a ``Z``, millisecond precision."""
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.now.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Event:
    """One state change of one card; its ``version`` is the version the change produced."""

    card_id: str
    version: int
    type: str
    from_status: str
    to_status: str
    reason: str | None
    channel: str
    actor: str
    request_id: str
    occurred_at: str


@dataclass(frozen=True, slots=True)
class CardWrite:
    """A card to write with the event that explains it.

    ``expected_version`` is the version read (``None`` for a card that must not exist yet).
    """

    card: Card
    event: Event
    expected_version: int | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What an operation decided: the writes (possibly none) and the card to report."""

    card: Card
    writes: tuple[CardWrite, ...] = field(default_factory=tuple)
    replaced_card: Card | None = None

    @property
    def changed(self) -> bool:
        """Whether anything is to be written."""
        return bool(self.writes)


def _transition(
    card: Card, ctx: Context, event_type: str, reason: str | None, **changes: object
) -> CardWrite:
    """Apply ``changes`` to ``card`` as the next version, with its event."""
    new = replace(card, version=card.version + 1, updated_at=ctx.timestamp, **changes)  # type: ignore[arg-type]
    event = Event(
        card_id=card.card_id,
        version=new.version,
        type=event_type,
        from_status=card.status,
        to_status=new.status,
        reason=reason,
        channel=ctx.channel,
        actor=ctx.actor,
        request_id=ctx.request_id,
        occurred_at=ctx.timestamp,
    )
    return CardWrite(card=new, event=event, expected_version=card.version)


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
    """A fresh, unguessable card id."""
    return "CARD" + secrets.token_hex(8).upper()


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
    issued = Event(
        card_id=new.card_id,
        version=1,
        type="issued",
        from_status="none",
        to_status=new.status,
        reason=reason,
        channel=ctx.channel,
        actor=ctx.actor,
        request_id=ctx.request_id,
        occurred_at=ctx.timestamp,
    )
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
