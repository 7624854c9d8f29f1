"""An in-memory ``CardRepository``: the card service's storage without DynamoDB.

Small and honest, after cosmicpython's ``FakeRepository``: it keeps the contract of
``chalicelib.repository`` that the service relies on, not just the method names. A commit is all
or nothing and refuses exactly as ``CardStore``'s transaction does, in the same order: an
inactive customer (``AuthFailedError``), then another request's unexpired answer under the same
idempotency key (``IdempotencyRaceError``), then a card no longer at the version read, or a card
or event that already exists (``VersionConflictError``). Records past their lifetime are still
returned by ``load`` (DynamoDB deletes them only eventually) and may be replaced.

``interleave`` runs a concurrent writer's change between the service's read and its write, so a
test can make the service lose a race and watch it read and decide again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

from chalicelib import errors
from chalicelib.domain import Card, CardWrite, Customer
from chalicelib.idempotency import IdempotencyRecord
from chalicelib.repository import Snapshot
from chalicelib.store import items
from chalicelib.store.dynamodb import EVENT_TTL_SECONDS, IDEMPOTENCY_TTL_SECONDS
from chalicelib.store.errors import IdempotencyRaceError, VersionConflictError
from scripts import seed_items


class FakeRepository:
    """Customers, cards, event rows and idempotency records in dictionaries."""

    def __init__(self, customers: Iterable[Customer] = (), cards: Iterable[Card] = ()) -> None:
        self.customers = {customer.customer_id: customer for customer in customers}
        self.cards = {card.card_id: card for card in cards}
        #: card id -> version -> the event as ``events`` returns it
        self.event_rows: dict[str, dict[int, dict[str, Any]]] = {}
        self.records: dict[str, IdempotencyRecord] = {}
        self.loads = 0
        self.commits = 0
        self._interleaved: list[Callable[[FakeRepository], None]] = []

    @classmethod
    def seeded(cls) -> FakeRepository:
        """What the seed writes to the tables (``scripts.seed_items``), held in memory."""
        fake = cls(
            customers=[
                items.customer_from_item(items.to_item(c)) for c in seed_items.customer_items()
            ],
            cards=[items.card_from_item(items.to_item(c)) for c in seed_items.card_items()],
        )
        for row in seed_items.event_items():
            fake.event_rows.setdefault(row["card_id"], {})[row["version"]] = row
        return fake

    # -- what tests do to it -----------------------------------------------------------------

    def interleave(self, change: Callable[[FakeRepository], None]) -> None:
        """Apply ``change`` just before a ``commit`` or ``record_answer`` checks its conditions,
        as another writer committing between the service's read and write would: one change per
        write, in the order given."""
        self._interleaved.append(change)

    def state(self) -> dict[str, Any]:
        """Everything stored, as a comparable copy (for "nothing changed" checks)."""
        return deepcopy(
            {
                "customers": self.customers,
                "cards": self.cards,
                "events": self.event_rows,
                "records": self.records,
            }
        )

    def events_of(self, card_id: str) -> list[dict[str, Any]]:
        """A card's events, oldest first."""
        rows = self.event_rows.get(card_id, {})
        return [rows[version] for version in sorted(rows)]

    # -- reads -------------------------------------------------------------------------------

    def load(self, customer_id: str, card_id: str, idempotency_key: str | None = None) -> Snapshot:
        """The customer, the card and the record under ``idempotency_key``, as they are now."""
        self.loads += 1
        record = self.records.get(idempotency_key) if idempotency_key is not None else None
        return Snapshot(self.customers.get(customer_id), self.cards.get(card_id), record)

    def get_card(self, card_id: str) -> Card | None:
        """One card, or ``None``."""
        return self.cards.get(card_id)

    def get_customer(self, customer_id: str) -> Customer | None:
        """One customer, or ``None``."""
        return self.customers.get(customer_id)

    def cards_of(self, customer_id: str) -> list[Card]:
        """A customer's cards, by card id."""
        return sorted(
            (card for card in self.cards.values() if card.customer_id == customer_id),
            key=lambda card: card.card_id,
        )

    def events(
        self, card_id: str, limit: int, before_version: int | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a card's events, newest first, and where the next page starts."""
        newest_first = self.events_of(card_id)[::-1]
        if before_version is not None:
            newest_first = [row for row in newest_first if row["version"] < before_version]
        page = newest_first[:limit]
        more = len(newest_first) > limit
        return page, page[-1]["version"] if more and page else None

    # -- writes ------------------------------------------------------------------------------

    def commit(
        self,
        writes: tuple[CardWrite, ...],
        customer_id: str,
        now_epoch: int,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        """Write the cards, their events and the record, or refuse and change nothing."""
        self._run_interleaved()
        self._check_customer(customer_id)
        self._check_record(idempotency, now_epoch)
        for write in writes:
            current = self.cards.get(write.card.card_id)
            version = current.version if current is not None else None
            taken = write.event.version in self.event_rows.get(write.event.card_id, {})
            if version != write.expected_version or taken:
                raise VersionConflictError(cause="TransactionCanceledException: fake")
        self.commits += 1
        for write in writes:
            self.cards[write.card.card_id] = write.card
            self.event_rows.setdefault(write.card.card_id, {})[write.event.version] = _row(
                write, now_epoch + EVENT_TTL_SECONDS
            )
        self._store_record(idempotency, now_epoch)

    def record_answer(
        self, card: Card, customer_id: str, now_epoch: int, idempotency: IdempotencyRecord
    ) -> None:
        """Store a no-op answer while the card is still at the version it describes."""
        self._run_interleaved()
        self._check_customer(customer_id)
        self._check_record(idempotency, now_epoch)
        current = self.cards.get(card.card_id)
        if current is None or current.version != card.version:
            raise VersionConflictError(cause="TransactionCanceledException: fake")
        self.commits += 1
        self._store_record(idempotency, now_epoch)

    def _run_interleaved(self) -> None:
        if self._interleaved:
            self._interleaved.pop(0)(self)

    def _check_customer(self, customer_id: str) -> None:
        customer = self.customers.get(customer_id)
        if customer is None or not customer.is_active:
            raise errors.AuthFailedError

    def _check_record(self, record: IdempotencyRecord | None, now_epoch: int) -> None:
        stored = self.records.get(record.key) if record is not None else None
        if stored is not None and not stored.expired(now_epoch):
            raise IdempotencyRaceError

    def _store_record(self, record: IdempotencyRecord | None, now_epoch: int) -> None:
        if record is not None:
            expires_at = now_epoch + IDEMPOTENCY_TTL_SECONDS
            self.records[record.key] = dataclasses.replace(record, expires_at=expires_at)


def _row(write: CardWrite, expires_at: int) -> dict[str, Any]:
    """An event as the store's ``events`` returns it: with its card's owner and last four
    digits, and its expiry; absent fields left out."""
    row = {
        **dataclasses.asdict(write.event),
        "customer_id": write.card.customer_id,
        "last4": write.card.last4,
        "expires_at": expires_at,
    }
    return {name: value for name, value in row.items() if value is not None}
