"""The card use cases, shared by every channel: lock, unlock, replace, activate, list, history.

Each write reads once (customer, card and idempotency record together), lets the domain decide,
and commits the decision in one transaction. A concurrent writer makes the commit fail on the
card's version; the use case then reads again and decides again, a bounded number of times.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib import domain, errors
from chalicelib.commands import Caller, WriteCommand
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
from chalicelib.store import CardStore, IdempotencyRecord, Snapshot
from chalicelib.store_errors import IdempotencyRaceError, VersionConflictError

COMMIT_ATTEMPTS = 4

Decide = Callable[[Snapshot, domain.Context], domain.Decision]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _backoff(attempt: int) -> float:
    return random.uniform(0.005, 0.02) * (attempt + 1)  # noqa: S311 - jitter, not a secret


class CardService:
    """The use cases over one ``CardStore``; the clock and sleep are injectable for tests."""

    def __init__(
        self,
        store: CardStore,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._clock = clock
        self._sleep = sleep

    # -- writes ------------------------------------------------------------------------------

    def lock_card(self, command: WriteCommand, caller: Caller) -> dict[str, Any]:
        """Lock a card (``params['reason']``)."""
        reason = str(command.params.get("reason", "customer_request"))
        return self._run(command, caller, lambda snap, ctx: domain.lock(_card(snap), reason, ctx))

    def unlock_card(self, command: WriteCommand, caller: Caller) -> dict[str, Any]:
        """Unlock a card; fraud locks only through the ``api`` channel."""
        return self._run(command, caller, lambda snap, ctx: domain.unlock(_card(snap), ctx))

    def request_new_card(self, command: WriteCommand, caller: Caller) -> dict[str, Any]:
        """Order a replacement (``params['reason']``, ``params['shipping_speed']``)."""
        reason = str(command.params["reason"])
        speed = str(command.params.get("shipping_speed", "standard"))

        def decide(snap: Snapshot, ctx: domain.Context) -> domain.Decision:
            assert snap.customer is not None
            return domain.request_new(_card(snap), snap.customer, reason, speed, ctx)

        return self._run(command, caller, decide)

    def activate_card(self, command: WriteCommand, caller: Caller) -> dict[str, Any]:
        """Activate a replacement card, closing the card it replaces."""

        def decide(snap: Snapshot, ctx: domain.Context) -> domain.Decision:
            card = _card(snap)
            replaced = None
            if card.status == "pending_activation" and card.replacement_for:
                replaced = self._store.get_card(card.replacement_for)
            return domain.activate(card, replaced, ctx)

        return self._run(command, caller, decide)

    def preview_new_card(self, command: WriteCommand, caller: Caller) -> dict[str, Any]:
        """Say what requesting a new card would do, changing nothing."""
        reason = str(command.params["reason"])
        speed = str(command.params.get("shipping_speed", "standard"))

        def preview() -> dict[str, Any]:
            snap = self._store.load(command.customer_id, command.card_id)
            customer, card = _authorize(snap, command.customer_id)
            ctx = self._context(caller)
            _, shipping = domain.plan_replacement(card, customer, reason, speed, ctx)
            closes = reason in domain.CLOSE_AT_ONCE
            message = (
                f"A new {card.brand} {card.product} card will ship to {shipping.address_summary} "
                f"by {shipping.estimated_delivery}. The card ending {card.last4} "
                + ("will stop working immediately." if closes else "keeps working until then.")
            )
            return dump(
                ReplacementPreview,
                {
                    "card": card,
                    "closes_current_card_now": closes,
                    "shipping": shipping,
                    "message": message,
                },
            )

        return observe_operation(
            "preview_new_card", command.customer_id, command.card_id, caller, preview
        )

    def _run(self, command: WriteCommand, caller: Caller, decide: Decide) -> dict[str, Any]:
        return observe_operation(
            command.operation,
            command.customer_id,
            command.card_id,
            caller,
            lambda: self._write(command, caller, decide),
        )

    def _write(self, command: WriteCommand, caller: Caller, decide: Decide) -> dict[str, Any]:
        key, request_hash = _idempotency(command)
        cause = None
        for attempt in range(COMMIT_ATTEMPTS):
            if attempt:
                self._sleep(_backoff(attempt - 1))
            try:
                return self._attempt(command, caller, decide, key, request_hash)
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

    def _attempt(
        self,
        command: WriteCommand,
        caller: Caller,
        decide: Decide,
        key: str | None,
        request_hash: str,
    ) -> dict[str, Any]:
        """Read, decide and commit once; a concurrent writer raises a conflict to retry on."""
        snap = self._store.load(command.customer_id, command.card_id, key)
        if snap.idempotency is not None:
            # A stored answer is card data: a customer who is no longer active gets none.
            if snap.customer is None or not snap.customer.is_active:
                raise errors.AuthFailedError
            if snap.idempotency.request_hash != request_hash:
                raise errors.IdempotencyKeyReusedError
            return snap.idempotency.response
        _, card = _authorize(snap, command.customer_id)
        if command.if_match is not None and card.version not in command.if_match:
            raise errors.PreconditionFailedError(details={"current_version": card.version})
        ctx = self._context(caller)
        decision = decide(snap, ctx)
        response = dump(
            WriteResult,
            {
                "card": decision.card,
                "changed": decision.changed,
                "replaced_card": decision.replaced_card,
            },
        )
        if decision.changed:
            record = IdempotencyRecord(key, request_hash, response) if key else None
            self._store.commit(
                decision.writes, command.customer_id, int(ctx.now.timestamp()), record
            )
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


def _idempotency(command: WriteCommand) -> tuple[str | None, str]:
    """The stored key (scoped to customer and operation) and a hash of what was asked."""
    canonical = json.dumps(
        {"operation": command.operation, "card_id": command.card_id, **command.params},
        sort_keys=True,
        separators=(",", ":"),
    )
    request_hash = hashlib.sha256(canonical.encode()).hexdigest()
    if command.idempotency_key is None:
        return None, request_hash
    return f"{command.customer_id}#{command.operation}#{command.idempotency_key}", request_hash
