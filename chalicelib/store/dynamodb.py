"""DynamoDB access for card operations: one consistent read, one transaction.

The only module that talks to the tables. It turns ``ClientError`` into domain errors by error
code (never by message text) and knows nothing of the lifecycle rules.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain import Card, CardWrite, Customer
from chalicelib.idempotency import IdempotencyRecord
from chalicelib.repository import Snapshot
from chalicelib.settings import Settings
from chalicelib.store import items
from chalicelib.store.errors import (
    transaction_error,
    translate_client_error,
)
from chalicelib.store.tables import CUSTOMER_INDEX, PHONE_INDEX

EVENT_TTL_SECONDS = 396 * 24 * 3600  # 13 months: PCI DSS 10.5.1 asks for 12
IDEMPOTENCY_TTL_SECONDS = 24 * 3600


def _botocore_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


class CardStore:
    """The four tables of one stage, behind one DynamoDB client: the service's
    ``CardRepository``."""

    def __init__(self, client: Any, settings: Settings) -> None:
        self._client = client
        self._customers = settings.customers_table
        self._cards = settings.cards_table
        self._events = settings.card_events_table
        self._idempotency = settings.idempotency_table

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except _botocore_errors() as exc:
            raise translate_client_error(exc) from exc

    # -- reads -------------------------------------------------------------------------------

    def load(self, customer_id: str, card_id: str, idempotency_key: str | None = None) -> Snapshot:
        """Read the customer, the card and the idempotency record together (one round trip).

        ``TransactGetItems``, not ``BatchGetItem``: a batch reads each item on its own, so it can
        see a card already changed by a transaction whose idempotency record it does not see
        yet, and answer "replacement already requested" to a retry of that very request. A
        transactional read sees all of a transaction or none of it.
        """
        gets = [
            {"Get": {"TableName": self._customers, "Key": {"customer_id": {"S": customer_id}}}},
            {"Get": {"TableName": self._cards, "Key": {"card_id": {"S": card_id}}}},
        ]
        if idempotency_key is not None:
            key = {"idempotency_key": {"S": idempotency_key}}
            gets.append({"Get": {"TableName": self._idempotency, "Key": key}})
        try:
            response = self._client.transact_get_items(TransactItems=gets)
        except _botocore_errors() as exc:
            raise transaction_error(exc, []) from exc
        found = [entry.get("Item") for entry in response.get("Responses", [])]
        found += [None] * (3 - len(found))
        customer_item, card_item, idem_item = found[:3]
        return Snapshot(
            customer=items.customer_from_item(customer_item) if customer_item else None,
            card=items.card_from_item(card_item) if card_item else None,
            idempotency=items.idempotency_from_item(idem_item) if idem_item else None,
        )

    def get_card(self, card_id: str) -> Card | None:
        """Read one card consistently."""
        response = self._call(
            "get_item",
            TableName=self._cards,
            Key={"card_id": {"S": card_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return items.card_from_item(item) if item else None

    def get_customer(self, customer_id: str) -> Customer | None:
        """Read one customer consistently."""
        response = self._call(
            "get_item",
            TableName=self._customers,
            Key={"customer_id": {"S": customer_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return items.customer_from_item(item) if item else None

    def cards_of(self, customer_id: str) -> list[Card]:
        """Every card of a customer, through ``customer-index`` (eventually consistent)."""
        cards: list[Card] = []
        kwargs: dict[str, Any] = {
            "TableName": self._cards,
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": "customer_id = :c",
            "ExpressionAttributeValues": {":c": {"S": customer_id}},
        }
        while True:
            response = self._call("query", **kwargs)
            cards.extend(items.card_from_item(i) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return sorted(cards, key=lambda c: c.card_id)
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def customers_with_phone(self, phone: str) -> list[Customer]:
        """Customers whose phone on file is ``phone`` (E.164), through ``phone-index``."""
        response = self._call(
            "query",
            TableName=self._customers,
            IndexName=PHONE_INDEX,
            KeyConditionExpression="phone = :p",
            ExpressionAttributeValues={":p": {"S": phone}},
            Limit=5,
        )
        return [items.customer_from_item(i) for i in response.get("Items", [])]

    def events(
        self, card_id: str, limit: int, before_version: int | None = None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a card's events, newest first, and the version to continue before (None
        on the last page: one event more than the page is read, so a full last page does not
        hand out a cursor to an empty one)."""
        kwargs: dict[str, Any] = {
            "TableName": self._events,
            "KeyConditionExpression": "card_id = :c",
            "ExpressionAttributeValues": {":c": {"S": card_id}},
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if before_version is not None:
            kwargs["ExclusiveStartKey"] = {
                "card_id": {"S": card_id},
                "version": {"N": str(before_version)},
            }
        response = self._call("query", **kwargs)
        raw = response.get("Items", [])
        page = [items.from_item(i) for i in raw[:limit]]
        # More follow when the extra event came back, or when DynamoDB stopped early (its 1 MB
        # page limit) and says where it stopped.
        more = len(raw) > limit or "LastEvaluatedKey" in response
        return page, int(page[-1]["version"]) if more and page else None

    # -- writes ------------------------------------------------------------------------------

    def commit(
        self,
        writes: tuple[CardWrite, ...],
        customer_id: str,
        now_epoch: int,
        idempotency: IdempotencyRecord | None = None,
    ) -> None:
        """Write the cards, their events and the idempotency record in one transaction.

        Each card is conditioned on the version that was read, so a concurrent writer makes the
        whole transaction fail; the customer must still be active.
        """
        actions: list[dict[str, Any]] = [self._customer_check(customer_id)]
        for write in writes:
            actions.append(self._card_put(write))
            actions.append(self._event_put(write, now_epoch))
        if idempotency is not None:
            actions.append(self._idempotency_put(idempotency, now_epoch))
        try:
            self._client.transact_write_items(TransactItems=actions)
        except _botocore_errors() as exc:
            raise transaction_error(exc, actions) from exc

    def record_answer(
        self, card: Card, customer_id: str, now_epoch: int, idempotency: IdempotencyRecord
    ) -> None:
        """Record a keyed no-op answer: one transaction that checks the customer is active and
        the card still at the version the answer describes, and writes the record."""
        actions = [
            self._customer_check(customer_id),
            {
                "ConditionCheck": {
                    "TableName": self._cards,
                    "Key": {"card_id": {"S": card.card_id}},
                    "ConditionExpression": "#v = :expected",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":expected": {"N": str(card.version)}},
                }
            },
            self._idempotency_put(idempotency, now_epoch),
        ]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except _botocore_errors() as exc:
            raise transaction_error(exc, actions) from exc

    def _customer_check(self, customer_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._customers,
                "Key": {"customer_id": {"S": customer_id}},
                "ConditionExpression": "#s = :active",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":active": {"S": "active"}},
            }
        }

    def _card_put(self, write: CardWrite) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._cards, "Item": items.card_to_item(write.card)}
        if write.expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(card_id)"
        else:
            put["ConditionExpression"] = "#v = :expected"
            put["ExpressionAttributeNames"] = {"#v": "version"}
            put["ExpressionAttributeValues"] = {":expected": {"N": str(write.expected_version)}}
        return {"Put": put}

    def _event_put(self, write: CardWrite, now_epoch: int) -> dict[str, Any]:
        item = items.event_to_item(write.event, write.card, now_epoch + EVENT_TTL_SECONDS)
        return {
            "Put": {
                "TableName": self._events,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(card_id)",
            }
        }

    def _idempotency_put(self, record: IdempotencyRecord, now_epoch: int) -> dict[str, Any]:
        item = items.idempotency_to_item(record, now_epoch + IDEMPOTENCY_TTL_SECONDS)
        return {
            "Put": {
                "TableName": self._idempotency,
                "Item": item,
                # An expired record DynamoDB has not deleted yet may be replaced.
                "ConditionExpression": "attribute_not_exists(idempotency_key) OR #e <= :now",
                "ExpressionAttributeNames": {"#e": "expires_at"},
                "ExpressionAttributeValues": {":now": {"N": str(now_epoch)}},
            }
        }
