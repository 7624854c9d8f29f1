"""Conversion between domain objects and DynamoDB's attribute-value maps.

Written out by hand instead of boto3's ``TypeSerializer`` because the shapes are few and known,
the numbers are all integers (no ``Decimal`` round trip), and it keeps boto3 out of the domain.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain import Address, Card, Customer, Event, Lock, Shipping
from chalicelib.idempotency import IdempotencyRecord

Item = dict[str, dict[str, Any]]


def to_attr(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, dict):
        return {"M": {k: to_attr(v) for k, v in value.items() if v is not None}}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    raise TypeError(f"unsupported attribute type {type(value).__name__}")


def from_attr(attr: dict[str, Any]) -> Any:
    """One DynamoDB attribute value as a Python value (numbers are integers here)."""
    ((kind, value),) = attr.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value)
    if kind == "M":
        return {k: from_attr(v) for k, v in value.items()}
    if kind == "L":
        return [from_attr(v) for v in value]
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    raise TypeError(f"unsupported attribute kind {kind}")


def to_item(values: dict[str, Any]) -> Item:
    """A mapping as a DynamoDB item, leaving out ``None`` (absent attributes)."""
    return {k: to_attr(v) for k, v in values.items() if v is not None}


def from_item(item: Item) -> dict[str, Any]:
    """A DynamoDB item as a plain mapping."""
    return {k: from_attr(v) for k, v in item.items()}


def card_to_item(card: Card) -> Item:
    """A card as the item stored in the cards table."""
    values: dict[str, Any] = {
        "card_id": card.card_id,
        "customer_id": card.customer_id,
        "product": card.product,
        "brand": card.brand,
        "last4": card.last4,
        "expiry": card.expiry,
        "status": card.status,
        "version": card.version,
        "created_at": card.created_at,
        "updated_at": card.updated_at,
        "replacement_for": card.replacement_for,
        "replaced_by": card.replaced_by,
        "closed_reason": card.closed_reason,
    }
    if card.lock is not None:
        values["lock"] = {
            "reason": card.lock.reason,
            "channel": card.lock.channel,
            "at": card.lock.at,
        }
    if card.shipping is not None:
        values["shipping"] = {
            "speed": card.shipping.speed,
            "estimated_delivery": card.shipping.estimated_delivery,
            "address_summary": card.shipping.address_summary,
        }
    return to_item(values)


def card_from_item(item: Item) -> Card:
    """A stored card item as a ``Card``."""
    v = from_item(item)
    lock = v.get("lock")
    shipping = v.get("shipping")
    return Card(
        card_id=v["card_id"],
        customer_id=v["customer_id"],
        product=v["product"],
        brand=v["brand"],
        last4=v["last4"],
        expiry=v["expiry"],
        status=v["status"],
        version=int(v.get("version", 0)),
        created_at=v.get("created_at", ""),
        updated_at=v.get("updated_at", ""),
        lock=Lock(**lock) if lock else None,
        replacement_for=v.get("replacement_for"),
        replaced_by=v.get("replaced_by"),
        closed_reason=v.get("closed_reason"),
        shipping=Shipping(**shipping) if shipping else None,
    )


def customer_from_item(item: Item) -> Customer:
    """A stored customer item as a ``Customer`` (only what card operations need)."""
    v = from_item(item)
    address = v.get("address")
    return Customer(
        customer_id=v["customer_id"],
        first_name=v.get("first_name", ""),
        last_name=v.get("last_name", ""),
        status=v.get("status", ""),
        address=Address(**address) if address else None,
    )


def event_to_item(event: Event, card: Card, expires_at: int) -> Item:
    """An event as the item stored in the card events table.

    ``card`` is the card the event produced: its owner and ``last4`` ride along (both never change
    on a card) so the published card event needs no second read.
    """
    return to_item(
        {
            "card_id": event.card_id,
            "customer_id": card.customer_id,
            "last4": card.last4,
            "version": event.version,
            "type": event.type,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
            "channel": event.channel,
            "actor": event.actor,
            "request_id": event.request_id,
            "occurred_at": event.occurred_at,
            "expires_at": expires_at,
        }
    )


def idempotency_to_item(record: IdempotencyRecord, expires_at: int) -> Item:
    """A keyed answer as the item stored in the idempotency table (TTL ``expires_at``)."""
    return {
        "idempotency_key": {"S": record.key},
        "request_hash": {"S": record.request_hash},
        "response": {"S": json.dumps(record.response, separators=(",", ":"))},
        "expires_at": {"N": str(expires_at)},
    }


def idempotency_from_item(item: Item) -> IdempotencyRecord:
    """A stored idempotency item as an ``IdempotencyRecord``."""
    return IdempotencyRecord(
        key=item["idempotency_key"]["S"],
        request_hash=item["request_hash"]["S"],
        response=json.loads(item["response"]["S"]),
        expires_at=int(item["expires_at"]["N"]) if "expires_at" in item else None,
    )
