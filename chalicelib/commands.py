"""What a channel hands the service: who is calling, and which change to which card.

One frozen type per write (``LockCard``, ``UnlockCard``, ``RequestNewCard``, ``ActivateCard``),
each naming its operation, so the service's use cases and the idempotency scope take it from the
type, never from a string a caller passes. ``write_command`` is the one place a channel (REST
and MCP alike) turns a validated request model into a command: whatever the request left out
was filled in by the model's defaults, so no default is restated here or in the service.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypedDict, overload

from chalicelib.domain import LockReason, ReplacementReason, ShippingSpeed
from chalicelib.models import (
    ActivateCardRequest,
    LockCardRequest,
    RequestNewCardRequest,
    UnlockCardRequest,
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who called, through which channel, under which request id."""

    channel: str
    actor: str
    request_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CardCommand:
    """A change to one card, with its optional guards.

    ``idempotency_key``: the client's retry key (``None``: not keyed). ``if_match``: the
    versions the card must be at for the change to proceed (``None``: any).
    """

    #: The use case, as the idempotency scope, the logs and the metrics name it.
    operation: ClassVar[str]

    customer_id: str
    card_id: str
    idempotency_key: str | None = None
    if_match: frozenset[int] | None = None

    @property
    def params(self) -> dict[str, Any]:
        """What the change asks beyond which card and its guards (part of the request hash)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _TARGET}


_TARGET = frozenset(f.name for f in fields(CardCommand))


@dataclass(frozen=True, slots=True, kw_only=True)
class LockCard(CardCommand):
    """Lock a card so no new payment goes through."""

    operation: ClassVar[str] = "lock"
    reason: LockReason


@dataclass(frozen=True, slots=True, kw_only=True)
class UnlockCard(CardCommand):
    """Unlock a locked card."""

    operation: ClassVar[str] = "unlock"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestNewCard(CardCommand):
    """Order a replacement card (or, through MCP without ``confirm``, preview the order)."""

    operation: ClassVar[str] = "request_new"
    reason: ReplacementReason
    shipping_speed: ShippingSpeed


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivateCard(CardCommand):
    """Activate a replacement card, closing the card it replaces."""

    operation: ClassVar[str] = "activate"


WriteCommand = LockCard | UnlockCard | RequestNewCard | ActivateCard
WriteRequest = LockCardRequest | UnlockCardRequest | RequestNewCardRequest | ActivateCardRequest


class _Target(TypedDict):
    customer_id: str
    card_id: str
    idempotency_key: str | None
    if_match: frozenset[int] | None


@overload
def write_command(
    request: LockCardRequest,
    idempotency_key: str | None = ...,
    if_match: frozenset[int] | None = ...,
) -> LockCard: ...
@overload
def write_command(
    request: UnlockCardRequest,
    idempotency_key: str | None = ...,
    if_match: frozenset[int] | None = ...,
) -> UnlockCard: ...
@overload
def write_command(
    request: RequestNewCardRequest,
    idempotency_key: str | None = ...,
    if_match: frozenset[int] | None = ...,
) -> RequestNewCard: ...
@overload
def write_command(
    request: ActivateCardRequest,
    idempotency_key: str | None = ...,
    if_match: frozenset[int] | None = ...,
) -> ActivateCard: ...
def write_command(
    request: WriteRequest,
    idempotency_key: str | None = None,
    if_match: frozenset[int] | None = None,
) -> WriteCommand:
    """The command a validated write request asks for, with the caller's guards (REST reads
    them from headers; MCP has an ``idempotency_key`` argument and no ``If-Match``)."""
    target = _Target(
        customer_id=request.customer_id,
        card_id=request.card_id,
        idempotency_key=idempotency_key,
        if_match=if_match,
    )
    if isinstance(request, LockCardRequest):
        return LockCard(**target, reason=request.reason)
    if isinstance(request, RequestNewCardRequest):
        return RequestNewCard(
            **target, reason=request.reason, shipping_speed=request.shipping_speed
        )
    if isinstance(request, UnlockCardRequest):
        return UnlockCard(**target)
    if isinstance(request, ActivateCardRequest):
        return ActivateCard(**target)
    # Every read names a card too: never let one fall through into a write.
    raise TypeError(f"not a write request: {type(request).__name__}")
