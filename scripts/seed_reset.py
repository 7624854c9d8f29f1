"""Clearing what the app added for the seed customers, so that a reseed is a reset.

Replacement cards, events other than the seed's, and idempotency records are found (queries on
the customer index and the events table, one scan of the idempotency table) and deleted in
batches; ``batch_write`` is also how ``seed_data.py`` puts the seed items back. Split from
``seed_data.py``, which stays the entry point and import path.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from chalicelib.store.tables import CUSTOMER_INDEX
from scripts.seed_items import SEED_CARD_IDS, SEED_CUSTOMER_IDS


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


def batch_write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
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
        batch_write(client, table, [{"DeleteRequest": {"Key": key}} for key in keys])
    return len(card_keys) + len(events) + len(records)
