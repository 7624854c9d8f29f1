"""Seed the three demo customers and five cards of SPEC §3, repeatably.

Every value is fixed, timestamps included, so running the seed twice writes byte-identical
items. Each card's ``issued`` event expires 13 months after it occurred (the rule the app
applies to every event), not 13 months after the seed ran: that keeps the data identical
between runs. Before writing, the seed removes what the app may have added for the demo
customers (replacement cards, events other than the seed's, idempotency records) and rewrites
the seed's own items, so a reseed is a reset.

    python scripts/seed_data.py                          # stage local: $DYNAMODB_ENDPOINT,
                                                         # else http://localhost:8000
    python scripts/seed_data.py --endpoint http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import sys
import time
from calendar import timegm
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boto3.dynamodb.types import TypeSerializer

from chalicelib.schema import CUSTOMER_INDEX, table_names
from chalicelib.store import EVENT_TTL_SECONDS
from scripts._common import (
    add_target_arguments,
    dynamodb_client,
    logical_names,
    resolve_endpoint,
    run_script,
)

CREATED = "2026-01-15T09:00:00Z"

CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer_id": "CUST001",
        "first_name": "Alice",
        "last_name": "Martin",
        "phone": "+15555550101",
        "email": "alice.martin@example.com",
        "address": {
            "line1": "1458 Maple Avenue",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62704",
            "country": "US",
        },
    },
    {
        "customer_id": "CUST002",
        "first_name": "Brian",
        "last_name": "Okafor",
        "phone": "+15555550102",
        "email": "brian.okafor@example.com",
        "address": {
            "line1": "88 Harbor View Drive",
            "city": "Seattle",
            "region": "WA",
            "postal_code": "98121",
            "country": "US",
        },
    },
    {
        "customer_id": "CUST003",
        "first_name": "Chen",
        "last_name": "Wei",
        "phone": "+15555550103",
        "email": "chen.wei@example.com",
        "address": {
            "line1": "2301 South Lamar Boulevard Apt 4B",
            "city": "Austin",
            "region": "TX",
            "postal_code": "78704",
            "country": "US",
        },
    },
]

# card_id, customer_id, product, brand, last4, expiry, status, time of issue on 2026-01-15
CARDS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("CARD001", "CUST001", "debit", "visa", "4821", "08/29", "active", "09:05"),
    ("CARD002", "CUST001", "credit", "mastercard", "1934", "11/28", "active", "09:06"),
    ("CARD003", "CUST002", "debit", "visa", "7710", "03/30", "active", "09:07"),
    ("CARD004", "CUST002", "credit", "visa", "3056", "06/28", "locked", "09:08"),
    ("CARD005", "CUST003", "debit", "mastercard", "6642", "01/29", "active", "09:09"),
]
CARD004_LOCKED_AT = "2026-01-20T14:30:00Z"

SEED_CUSTOMER_IDS = tuple(c["customer_id"] for c in CUSTOMERS)
SEED_CARD_IDS = tuple(card[0] for card in CARDS)


def epoch_seconds(timestamp: str) -> int:
    """``2026-01-15T09:00:00Z`` as seconds since the epoch."""
    return timegm(time.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ"))


def customer_items() -> list[dict[str, Any]]:
    """The seed customers: active, created and last updated at a fixed time."""
    return [
        {**customer, "status": "active", "created_at": CREATED, "updated_at": CREATED}
        for customer in CUSTOMERS
    ]


def card_items() -> list[dict[str, Any]]:
    """The seed cards at version 1; CARD004 carries its lock."""
    items = []
    for card_id, customer_id, product, brand, last4, expiry, status, issued in CARDS:
        created = f"2026-01-15T{issued}:00Z"
        item: dict[str, Any] = {
            "card_id": card_id,
            "customer_id": customer_id,
            "product": product,
            "brand": brand,
            "last4": last4,
            "expiry": expiry,
            "status": status,
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }
        if status == "locked":
            lock = {"reason": "customer_request", "channel": "api", "at": CARD004_LOCKED_AT}
            item.update(lock=lock, updated_at=CARD004_LOCKED_AT)
        items.append(item)
    return items


def event_items() -> list[dict[str, Any]]:
    """One ``issued`` event per seed card, the version-1 entry of its history."""
    return [
        {
            "card_id": card["card_id"],
            "version": 1,
            "type": "issued",
            "from_status": "none",
            "to_status": card["status"],
            "reason": "seed",
            "channel": "api",
            "actor": "seed",
            "request_id": "seed",
            "occurred_at": card["created_at"],
            "expires_at": epoch_seconds(card["created_at"]) + EVENT_TTL_SECONDS,
        }
        for card in card_items()
    ]


def _pages(client: Any, operation: str, **request: Any) -> Iterator[dict[str, Any]]:
    yield from client.get_paginator(operation).paginate(**request)


def _customer_card_ids(client: Any, cards_table: str) -> set[str]:
    """Every card of the seed customers, seed cards or not (``customer-index``)."""
    found: set[str] = set()
    for customer_id in SEED_CUSTOMER_IDS:
        pages = _pages(
            client,
            "query",
            TableName=cards_table,
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="customer_id = :c",
            ExpressionAttributeValues={":c": {"S": customer_id}},
        )
        found.update(item["card_id"]["S"] for page in pages for item in page["Items"])
    return found


def _event_keys(client: Any, events_table: str, card_ids: Iterable[str]) -> list[dict[str, Any]]:
    keys = []
    for card_id in card_ids:
        pages = _pages(
            client,
            "query",
            TableName=events_table,
            KeyConditionExpression="card_id = :c",
            ExpressionAttributeValues={":c": {"S": card_id}},
            ProjectionExpression="card_id, version",
        )
        keys.extend(item for page in pages for item in page["Items"])
    return keys


def _idempotency_keys(client: Any, table: str) -> list[dict[str, Any]]:
    """Idempotency records of the seed customers (a scan is fine for a seed script)."""
    prefixes = {f":p{i}": {"S": f"{cid}#"} for i, cid in enumerate(SEED_CUSTOMER_IDS)}
    condition = " OR ".join(f"begins_with(idempotency_key, {p})" for p in prefixes)
    pages = _pages(
        client,
        "scan",
        TableName=table,
        FilterExpression=condition,
        ExpressionAttributeValues=prefixes,
        ProjectionExpression="idempotency_key",
    )
    return [item for page in pages for item in page["Items"]]


def _batch_write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    """``BatchWriteItem`` in chunks of 25, resending whatever comes back unprocessed."""
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        for attempt in range(8):
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems", {})
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise RuntimeError(f"DynamoDB kept items of {table} unprocessed")


def _is_seed_event(key: dict[str, Any]) -> bool:
    """Whether an event key is a seed card's version-1 ``issued`` event, which the seed rewrites."""
    return key["card_id"]["S"] in SEED_CARD_IDS and key["version"]["N"] == "1"


def remove_leftovers(client: Any, tables: dict[str, str]) -> int:
    """Delete what is not part of the seed but belongs to the seed customers (replacement cards,
    later events, idempotency records); return how many items went.

    The seed's own items are not deleted: the puts that follow replace them whole.
    """
    customer_cards = _customer_card_ids(client, tables["cards"])
    extra_cards = sorted(customer_cards - set(SEED_CARD_IDS))
    card_ids = sorted(customer_cards | set(SEED_CARD_IDS))
    events = [
        key
        for key in _event_keys(client, tables["card_events"], card_ids)
        if not _is_seed_event(key)
    ]
    records = _idempotency_keys(client, tables["idempotency"])
    card_keys = [{"card_id": {"S": card_id}} for card_id in extra_cards]
    for table, keys in [
        (tables["cards"], card_keys),
        (tables["card_events"], events),
        (tables["idempotency"], records),
    ]:
        _batch_write(client, table, [{"DeleteRequest": {"Key": key}} for key in keys])
    return len(card_keys) + len(events) + len(records)


def seed(dynamodb: Any, names: dict[str, str], fresh_tables: bool = False) -> dict[str, int]:
    """Reset the seed customers' data in the tables ``names`` (``{env var: table}``).

    ``dynamodb`` is a boto3 DynamoDB client or resource. ``fresh_tables=True`` skips looking for
    leftovers in tables just created (the test fixture). Returns item counts per table written,
    plus ``removed``: the items that are not part of the seed, deleted first.
    """
    client = dynamodb.meta.client if hasattr(dynamodb, "Table") else dynamodb
    tables = logical_names(names)
    removed = 0 if fresh_tables else remove_leftovers(client, tables)
    serializer = TypeSerializer()
    written = {"removed": removed}
    for logical, items in [
        ("customers", customer_items()),
        ("cards", card_items()),
        ("card_events", event_items()),
    ]:
        puts = [
            {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}}
            for item in items
        ]
        _batch_write(client, tables[logical], puts)
        written[tables[logical]] = len(puts)
    return written


def parse_args(
    argv: list[str] | None,
    stage_default: str | None,
    description: str | None = None,
    use_env: bool = True,
) -> argparse.Namespace:
    """``--stage``, ``--endpoint``, ``--region``; ``use_env`` as in ``resolve_endpoint``."""
    parser = argparse.ArgumentParser(description=description or __doc__.splitlines()[0])
    add_target_arguments(parser, stage_default=stage_default, use_env=use_env)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, endpoint: str | None) -> int:
    """Seed the stage's tables at ``endpoint`` (``None``: AWS) and report what changed."""

    def body() -> int:
        client = dynamodb_client(endpoint, args.region)
        written = seed(client, table_names(args.stage))
        removed = written.pop("removed")
        where = endpoint or f"AWS stage {args.stage}"
        counts = ", ".join(f"{n} into {table}" for table, n in written.items())
        print(f"seeded {where}: {counts}; removed {removed} items that are not part of the seed")
        return 0

    return run_script(body, endpoint)


def main(argv: list[str] | None = None) -> int:
    """Seed the local tables (or ``--stage``'s tables at ``--endpoint``)."""
    args = parse_args(argv, stage_default="local")
    return run(args, resolve_endpoint(args.stage, args.endpoint))


if __name__ == "__main__":
    sys.exit(main())
