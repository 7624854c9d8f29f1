"""The card lifecycle as pure functions: lock, unlock, activate, and the fraud hold.

Nothing here knows about DynamoDB, Chalice or which channel called: the channel is data. Each
operation takes the current state and returns a ``Decision``: the cards to write (each with the
event it produces) or "nothing to change". The store commits a decision in one transaction.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib import errors
from chalicelib.domain.model import (
    Card,
    CardWrite,
    Context,
    Decision,
    Event,
    Lock,
    LockReason,
)

#: Only the bank's own back office may lift a fraud lock, replace a card under one, or activate
#: a card that replaces one.
FRAUD_UNLOCK_CHANNELS: frozenset[str] = frozenset({"api"})
FRAUD_LOCK = "suspected_fraud"


def under_fraud_hold(card: Card | None) -> bool:
    """Whether a card carries a ``suspected_fraud`` lock: a locked card, or a replacement that
    inherited the hold of the card it replaces when that card was closed."""
    return card is not None and card.lock is not None and card.lock.reason == FRAUD_LOCK


def check_fraud_hold(ctx: Context, *cards: Card | None) -> None:
    """The fraud hold, in one place: outside the back office, nothing may replace a held card
    or activate a card that replaces one, whatever order the requests come in."""
    if ctx.channel not in FRAUD_UNLOCK_CHANNELS and any(under_fraud_hold(c) for c in cards):
        raise errors.FraudHoldError


def transition(
    card: Card, ctx: Context, event_type: str, reason: str | None, **changes: object
) -> CardWrite:
    """Apply ``changes`` to ``card`` as the next version, with its event."""
    new = replace(card, version=card.version + 1, updated_at=ctx.timestamp, **changes)  # type: ignore[arg-type]
    event = event_of(new, event_type, card.status, reason, ctx)
    return CardWrite(card=new, event=event, expected_version=card.version)


def event_of(
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


def lock(card: Card, reason: LockReason, ctx: Context) -> Decision:
    """Lock an active card. Locking a locked card changes nothing, except that a fraud lock
    replaces a weaker one (otherwise a channel that may not lift fraud locks could lift it)."""
    _refuse_closed_or_pending(card)
    if card.status == "locked":
        current = card.lock.reason if card.lock else None
        if reason == FRAUD_LOCK and current != FRAUD_LOCK:
            lock_ = Lock(reason=reason, channel=ctx.channel, at=ctx.timestamp)
            write = transition(card, ctx, "lock_escalated", reason, lock=lock_)
            return Decision(write.card, (write,))
        return Decision(card)
    lock_ = Lock(reason=reason, channel=ctx.channel, at=ctx.timestamp)
    write = transition(card, ctx, "locked", reason, status="locked", lock=lock_)
    return Decision(write.card, (write,))


def unlock(card: Card, ctx: Context) -> Decision:
    """Unlock a locked card; a fraud lock only through a channel allowed to lift it. Unlocking
    a held replacement releases its hold (it stays ``pending_activation``, for the customer to
    activate through any channel)."""
    held_replacement = card.status == "pending_activation" and under_fraud_hold(card)
    if not held_replacement:
        _refuse_closed_or_pending(card)
    if card.status == "active":
        return Decision(card)
    if under_fraud_hold(card) and ctx.channel not in FRAUD_UNLOCK_CHANNELS:
        raise errors.UnlockNotPermittedError
    reason = card.lock.reason if card.lock else None
    if held_replacement:
        write = transition(card, ctx, "hold_released", reason, lock=None)
    else:
        write = transition(card, ctx, "unlocked", reason, status="active", lock=None)
    return Decision(write.card, (write,))


def activate(card: Card, replaced: Card | None, ctx: Context) -> Decision:
    """Activate a replacement card and close the card it replaces, if that is still open.

    A held replacement, or the replacement of a card under a fraud lock, is activated only by
    the back office; activating it releases the hold.
    """
    if card.status == "active":
        return Decision(card)
    if card.status == "closed":
        raise errors.CardClosedError
    if card.status != "pending_activation":
        raise errors.InvalidCardStateError("Only a newly issued card can be activated.")
    still_open = replaced if replaced is not None and replaced.status != "closed" else None
    check_fraud_hold(ctx, card, still_open)
    write = transition(card, ctx, "activated", None, status="active", lock=None)
    writes = [write]
    closed: Card | None = None
    if still_open is not None:
        close = transition(
            still_open,
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
