"""The seed itself: the three demo customers and five cards, as DynamoDB items.

Every value is fixed, timestamps included, so running the seed twice writes byte-identical
items; an ``issued`` event expires 13 months after it occurred, not after the seed ran. Kept
apart from ``seed_data.py`` (which writes these) and ``seed_reset.py`` (which clears what the
app added) so the data reads as data. ``seed_data`` stays the import path for the rest.
"""

from __future__ import annotations

import time
from calendar import timegm
from typing import Any

from chalicelib.store.dynamodb import EVENT_TTL_SECONDS

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
            "customer_id": card["customer_id"],
            "last4": card["last4"],
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
