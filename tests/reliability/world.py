"""Fresh customers and cards inside one set of tables, and a raw view of what is stored.

A Hypothesis example or a race round needs its own cards, not its own tables: creating four
tables with their indexes on DynamoDB Local costs ~0.3 s, writing a customer and three cards
costs a few milliseconds. Ids are random (``CUST``/``CARD`` + 12 hex digits, upper case), so
examples never see each other's data and nothing has to be deleted between them.

Reading back goes through the raw admin client, not through the app: the witness must not be
the code under test.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

ADDRESS = {
    "line1": "1 Test Street",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62704",
    "country": "US",
}
CREATED = "2026-01-15T09:00:00.000Z"


def new_id(prefix: str) -> str:
    """A fresh id matching the API's patterns (``CUST``/``CARD`` + 3-32 of ``[0-9A-Z]``)."""
    return prefix + secrets.token_hex(6).upper()


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


@dataclass
class Seeded:
    """What ``seed_customer`` wrote: the customer id and its card ids in order."""

    customer_id: str
    card_ids: list[str] = field(default_factory=list)


class World:
    """Writes fresh test data into ``ddb_tables`` and reads it back raw."""

    def __init__(self, ddb_tables: Any) -> None:
        self.tables = ddb_tables
        self.client = ddb_tables.client
        self.names: dict[str, str] = ddb_tables.names

    @property
    def cards_table(self) -> str:
        return self.names["CARDS_TABLE"]

    @property
    def events_table(self) -> str:
        return self.names["CARD_EVENTS_TABLE"]

    def seed_customer(self, statuses: list[str], customer_status: str = "active") -> Seeded:
        """One customer with one card per entry of ``statuses`` (``active`` or ``locked``),
        each at version 1 with its ``issued`` event, as the seed script writes them."""
        seeded = Seeded(new_id("CUST"))
        self.client.put_item(
            TableName=self.names["CUSTOMERS_TABLE"],
            Item={
                "customer_id": _s(seeded.customer_id),
                "first_name": _s("Test"),
                "last_name": _s("Customer"),
                "status": _s(customer_status),
                "address": {"M": {k: _s(v) for k, v in ADDRESS.items()}},
                "created_at": _s(CREATED),
                "updated_at": _s(CREATED),
            },
        )
        for status in statuses:
            card_id = new_id("CARD")
            item: dict[str, Any] = {
                "card_id": _s(card_id),
                "customer_id": _s(seeded.customer_id),
                "product": _s("debit"),
                "brand": _s("visa"),
                "last4": _s("1234"),
                "expiry": _s("08/29"),
                "status": _s(status),
                "version": _n(1),
                "created_at": _s(CREATED),
                "updated_at": _s(CREATED),
            }
            if status == "locked":
                lock = {"reason": _s("customer_request"), "channel": _s("api"), "at": _s(CREATED)}
                item["lock"] = {"M": lock}
            self.client.put_item(TableName=self.cards_table, Item=item)
            self.client.put_item(
                TableName=self.events_table,
                Item={
                    "card_id": _s(card_id),
                    "version": _n(1),
                    "type": _s("issued"),
                    "from_status": _s("none"),
                    "to_status": _s(status),
                    "channel": _s("api"),
                    "actor": _s("seed"),
                    "request_id": _s(f"seed-{card_id}"),
                    "occurred_at": _s(CREATED),
                },
            )
            seeded.card_ids.append(card_id)
        return seeded

    def set_customer_status(self, customer_id: str, status: str) -> None:
        """Suspend (or reactivate) a customer behind the app's back, as the back office does."""
        self.tables.set_customer_status(customer_id, status)

    def card(self, card_id: str) -> dict[str, Any] | None:
        """The stored card as plain values, or ``None``."""
        item = self.client.get_item(
            TableName=self.cards_table, Key={"card_id": _s(card_id)}, ConsistentRead=True
        ).get("Item")
        return plain(item) if item else None

    def cards_of(self, customer_id: str) -> list[dict[str, Any]]:
        """Every stored card of a customer (a scan: the index is eventually consistent)."""
        return [c for c in self.scan("CARDS_TABLE") if c["customer_id"] == customer_id]

    def events(self, card_id: str) -> list[dict[str, Any]]:
        """A card's stored events, oldest first."""
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.events_table,
            "KeyConditionExpression": "card_id = :c",
            "ExpressionAttributeValues": {":c": _s(card_id)},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kwargs)
            found += [plain(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return sorted(found, key=lambda e: e["version"])
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def scan(self, table_variable: str) -> list[dict[str, Any]]:
        """Every item of one table, as plain values."""
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": self.names[table_variable], "ConsistentRead": True}
        while True:
            page = self.client.scan(**kwargs)
            found += [plain(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of every table: for "nothing changed" comparisons."""
        return {variable: sorted_items(self.scan(variable)) for variable in self.names}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as ``int``)."""
    return {key: _plain_value(value) for key, value in item.items()}


def _plain_value(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    if kind == "N":
        return int(value)
    if kind == "M":
        return {k: _plain_value(v) for k, v in value.items()}
    if kind == "L":
        return [_plain_value(v) for v in value]
    return value


def sorted_items(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items in a stable order, for equality between two dumps."""
    return sorted(found, key=lambda item: repr(sorted(item.items())))
