"""Cards, customers, events and decisions: the values the lifecycle works on.

Frozen dataclasses with slots: cheap to build from DynamoDB items, impossible to change by
accident; a change is a new value with the next version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# The values the domain works with, owned here; the edge's pydantic models validate with them.
CardStatus = Literal["active", "locked", "pending_activation", "closed"]
CardProduct = Literal["debit", "credit"]
CardBrand = Literal["visa", "mastercard"]
LockReason = Literal["customer_request", "misplaced", "suspected_fraud"]
ReplacementReason = Literal["lost", "stolen", "damaged", "expiring"]
ShippingSpeed = Literal["standard", "expedited"]
Channel = Literal["api", "mcp", "connect"]


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

    reason: LockReason
    channel: str
    at: str


@dataclass(frozen=True, slots=True)
class Shipping:
    """How a replacement card travels."""

    speed: ShippingSpeed
    estimated_delivery: str
    address_summary: str


@dataclass(frozen=True, slots=True)
class Card:
    """A payment card. Only ``last4`` of the number exists anywhere in the system."""

    card_id: str
    customer_id: str
    product: CardProduct
    brand: CardBrand
    last4: str
    expiry: str
    status: CardStatus
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
