"""The card use cases, shared by every channel: lock, unlock, replace, activate, list, history.

Each write reads once (customer, card and idempotency record together), lets the domain decide,
and commits the decision in one transaction. A concurrent writer makes the commit fail on the
card's version; the use case then reads again and decides again, a bounded number of times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib import domain, errors, idempotency
from chalicelib.commands import (
    ActivateCard,
    Caller,
    CardCommand,
    LockCard,
    RequestNewCard,
    UnlockCard,
)
from chalicelib.cursor import decode_cursor, encode_cursor
from chalicelib.models import (
    HISTORY_DEFAULT_LIMIT,
    CardList,
    EventPage,
    ReplacementPreview,
    WriteResult,
    dump,
)
from chalicelib.observability import get_logger, observe_operation
from chalicelib.repository import CardRepository, Snapshot
from chalicelib.store.errors import IdempotencyRaceError, VersionConflictError

COMMIT_ATTEMPTS = 4

Decide = Callable[[Snapshot, domain.Context], domain.Decision]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _backoff(attempt: int) -> float:
    return random.uniform(0.005, 0.02) * (attempt + 1)  # noqa: S311 - jitter, not a secret


class CardService:
    """The use cases over one ``CardRepository``; the clock and sleep are injectable for tests."""

    def __init__(
        self,
        store: CardRepository,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sleep = sleep

    # -- writes ------------------------------------------------------------------------------

    def lock_card(self, command: LockCard, caller: Caller) -> dict[str, Any]:
        """Lock a card for ``command.reason``."""
        reason = command.reason
        return self._run(command, caller, lambda snap, ctx: domain.lock(_card(snap), reason, ctx))

    def unlock_card(self, command: UnlockCard, caller: Caller) -> dict[str, Any]:
        """Unlock a card; fraud locks only through the ``api`` channel."""
        return self._run(command, caller, lambda snap, ctx: domain.unlock(_card(snap), ctx))

    def request_new_card(self, command: RequestNewCard, caller: Caller) -> dict[str, Any]:
        """Order a replacement for ``command.reason``, shipped at ``command.shipping_speed``."""
        return self._run(command, caller, self._replacement_decider(command))

    def activate_card(self, command: ActivateCard, caller: Caller) -> dict[str, Any]:
        """Activate a replacement card, closing the card it replaces."""

        def decide(snap: Snapshot, ctx: domain.Context) -> domain.Decision:
            card = _card(snap)
            replaced = None
            if card.status == "pending_activation" and card.replacement_for:
                replaced = self._related(card, card.replacement_for)
            return domain.activate(card, replaced, ctx)

        return self._run(command, caller, decide)

    def preview_new_card(self, command: RequestNewCard, caller: Caller) -> dict[str, Any]:
        """Say what requesting a new card would do, changing nothing: the same decision the
        order would make, described (refused exactly when the order would be)."""
        reason = command.reason
        decide = self._replacement_decider(command)

        def preview() -> dict[str, Any]:
            snap = self._store.load(command.customer_id, command.card_id)
            _, card = _authorize(snap, command.customer_id)
            decision = decide(snap, self._context(caller))
            return dump(
                ReplacementPreview,
                {
                    "card": card,
                    "closes_current_card_now": reason in domain.CLOSE_AT_ONCE,
                    "shipping": decision.card.shipping,
                    "message": domain.preview_message(card, decision, reason),
                },
            )

        return observe_operation(
            "preview_new_card", command.customer_id, command.card_id, caller, preview
        )

    def _replacement_decider(self, command: RequestNewCard) -> Decide:
        reason, speed = command.reason, command.shipping_speed

        def decide(snap: Snapshot, ctx: domain.Context) -> domain.Decision:
            assert snap.customer is not None
            card = _card(snap)
            related_id = domain.related_card_id(card, reason)
            related = self._related(card, related_id) if related_id else None
            return domain.request_new(card, related, snap.customer, ctx, reason=reason, speed=speed)

        return decide

    def _related(self, card: domain.Card, card_id: str) -> domain.Card | None:
        """The other card a decision needs (one more consistent read); only ever the same
        customer's."""
        related = self._store.get_card(card_id)
        return related if related is not None and related.customer_id == card.customer_id else None

    def _run(self, command: CardCommand, caller: Caller, decide: Decide) -> dict[str, Any]:
        return observe_operation(
            command.operation,
            command.customer_id,
            command.card_id,
            caller,
            lambda: self._write(command, caller, decide),
        )

    def _write(self, command: CardCommand, caller: Caller, decide: Decide) -> dict[str, Any]:
        cause = None
        for attempt in range(COMMIT_ATTEMPTS):
            if attempt:
                self._sleep(_backoff(attempt - 1))
            try:
                return self._attempt(command, caller, decide)
            except (VersionConflictError, IdempotencyRaceError) as exc:
                cause = exc.cause or type(exc).__name__
                get_logger().debug(
                    "commit conflict",
                    extra={
                        "operation": command.operation,
                        "request_id": caller.request_id,
                        "attempt": attempt + 1,
                        "cause": cause,
                    },
                )
        raise errors.ConcurrentModificationError(cause=cause)

    def _attempt(self, command: CardCommand, caller: Caller, decide: Decide) -> dict[str, Any]:
        """Read, decide and commit once; a concurrent writer raises a conflict to retry on."""
        key = idempotency.record_key(command, caller)
        request_hash = idempotency.request_hash(command, caller)
        snap = self._store.load(command.customer_id, command.card_id, key)
        ctx = self._context(caller)
        now_epoch = int(ctx.now.timestamp())
        if snap.idempotency is not None and not snap.idempotency.expired(now_epoch):
            # A stored answer is card data: a customer who is no longer active gets none.
            if snap.customer is None or not snap.customer.is_active:
                raise errors.AuthFailedError
            if snap.idempotency.request_hash != request_hash:
                raise errors.IdempotencyKeyReusedError
            return idempotency.replayed(snap.idempotency.response)
        _, card = _authorize(snap, command.customer_id)
        if command.if_match is not None and card.version not in command.if_match:
            raise errors.PreconditionFailedError(details={"current_version": card.version})
        decision = decide(snap, ctx)
        response = dump(
            WriteResult,
            {
                "card": decision.card,
                "changed": decision.changed,
                "replaced_card": decision.replaced_card,
            },
        )
        record = idempotency.IdempotencyRecord(key, request_hash, response) if key else None
        if decision.changed:
            self._store.commit(decision.writes, command.customer_id, now_epoch, record)
        elif record is not None:
            # A no-op answer is recorded too, on condition that the card is still as described.
            self._store.record_answer(card, command.customer_id, now_epoch, record)
        return response

    # -- reads -------------------------------------------------------------------------------

    def list_cards(self, customer_id: str, caller: Caller) -> dict[str, Any]:
        """Every card of an active customer."""

        def read() -> dict[str, Any]:
            customer = self._store.get_customer(customer_id)
            if customer is None or not customer.is_active:
                raise errors.AuthFailedError
            cards = self._store.cards_of(customer_id)
            return dump(CardList, {"customer_id": customer_id, "cards": cards})

        return observe_operation("list_cards", customer_id, None, caller, read)

    def card_history(
        self,
        customer_id: str,
        card_id: str,
        caller: Caller,
        limit: int = HISTORY_DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """A page of a card's events, newest first, with an opaque cursor to the next page
        (``limit`` is validated at the edge by ``models.HistoryQuery``)."""

        def read() -> dict[str, Any]:
            before = decode_cursor(cursor, card_id) if cursor else None
            _authorize(self._store.load(customer_id, card_id), customer_id)
            events, last = self._store.events(card_id, limit, before)
            next_cursor = encode_cursor(card_id, last) if last is not None else None
            return dump(
                EventPage, {"card_id": card_id, "events": events, "next_cursor": next_cursor}
            )

        return observe_operation("card_history", customer_id, card_id, caller, read)

    # -- plumbing ----------------------------------------------------------------------------

    def _context(self, caller: Caller) -> domain.Context:
        return domain.Context(
            channel=caller.channel,
            actor=caller.actor,
            request_id=caller.request_id,
            now=self._clock(),
        )


def _authorize(snap: Snapshot, customer_id: str) -> tuple[domain.Customer, domain.Card]:
    """The customer must be active and own the card; another customer's card is 'not found'."""
    if snap.customer is None or not snap.customer.is_active:
        raise errors.AuthFailedError
    if snap.card is None or snap.card.customer_id != customer_id:
        raise errors.CardNotFoundError
    return snap.customer, snap.card


def _card(snap: Snapshot) -> domain.Card:
    assert snap.card is not None  # checked by _authorize before any decision
    return snap.card
