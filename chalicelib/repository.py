"""What the card service needs of its storage: one consistent read, one atomic commit, a few
reads. ``chalicelib.store.dynamodb.CardStore`` is the one real implementation; the tests' fake
(``tests.fakes.repository``) is another, held to the same signatures.

The contract the use cases rely on, beyond the types:

- ``load`` sees all of a commit or none of it (customer, card and idempotency record together).
- ``commit`` and ``record_answer`` are all-or-nothing, and refuse (changing nothing) when the
  customer is no longer active (``AuthFailedError``), when a card is no longer at the version
  it was read at, or a new card or event already exists (``VersionConflictError``), or when
  another request stored an unexpired answer under the same idempotency key first
  (``IdempotencyRaceError``). The service reads again and decides again on the two conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain import Card, CardWrite, Customer
from chalicelib.idempotency import IdempotencyRecord


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one consistent read returns; ``None`` for what does not exist."""

    customer: Customer | None
    card: Card | None
    idempotency: IdempotencyRecord | None


class CardRepository(Protocol):
    """The customers, cards, card events and idempotency records of one stage."""

    def load(self, customer_id: str, card_id: str, idempotency_key: str | None = None) -> Snapshot:
        """The customer, the card and the idempotency record, read together."""

    def get_card(self, card_id: str) -> Card | None:
        """One card, read consistently, or ``None``."""

    def get_customer(self, customer_id: str) -> Customer | None:
        """One customer, read consistently, or ``None``."""

    def cards_of(self, customer_id: str) -> list[Card]:
        """Every card of a customer, by card id."""

    def events(
        self, card_id: str, limit: int, before_version: int | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a card's events, newest first, and the version the next page starts
        before (``None`` on the last page)."""

    def commit(
        self,
        writes: tuple[CardWrite, ...],
        customer_id: str,
        now_epoch: int,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        """Write the cards, one event each, and the idempotency record, all or nothing."""

    def record_answer(
        self, card: Card, customer_id: str, now_epoch: int, idempotency: IdempotencyRecord
    ) -> None:
        """Store a keyed no-op answer, on condition that the card is still at its version."""
