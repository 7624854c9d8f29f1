"""The DynamoDB tables: names per stage, keys, indexes, TTL and streams, in one place.

The create/delete scripts, the test fixtures and the store all read this module, so a key,
index name or stream cannot drift between them. The CloudFormation template declares the same
tables; a test in ``tests/infra`` compares the two.
"""

from __future__ import annotations

from typing import Any, Final

PHONE_INDEX: Final = "phone-index"
CUSTOMER_INDEX: Final = "customer-index"

#: Logical table -> (environment variable, base name).
TABLES: Final = {
    "customers": ("CUSTOMERS_TABLE", "betterbank-customers"),
    "cards": ("CARDS_TABLE", "betterbank-cards"),
    "card_events": ("CARD_EVENTS_TABLE", "betterbank-card-events"),
    "idempotency": ("IDEMPOTENCY_TABLE", "betterbank-idempotency"),
}

#: TTL attribute per logical table (tables without one keep items forever).
TTL_ATTRIBUTES: Final = {"card_events": "expires_at", "idempotency": "expires_at"}

#: Stream view per logical table: the card-events table is the outbox the publisher of card
#: events reads (each new event item, as written; tables without an entry have no stream).
STREAM_VIEW_TYPES: Final = {"card_events": "NEW_IMAGE"}


def table_name(logical: str, stage: str) -> str:
    """The deployed name of a table: stage ``local`` has none, others end in ``-STAGE``."""
    base = TABLES[logical][1]
    return base if stage == "local" else f"{base}-{stage}"


def table_names(stage: str) -> dict[str, str]:
    """Return ``{environment variable: table name}`` for every table of a stage."""
    return {env: table_name(logical, stage) for logical, (env, _) in TABLES.items()}


def _string_key(name: str) -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": "S"}


def _gsi(index: str, key: str) -> dict[str, Any]:
    return {
        "IndexName": index,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }


def create_table_request(logical: str, name: str) -> dict[str, Any]:
    """Return the ``CreateTable`` arguments (on-demand billing) for one logical table."""
    request: dict[str, Any] = {"TableName": name, "BillingMode": "PAY_PER_REQUEST"}
    if logical == "customers":
        request["AttributeDefinitions"] = [_string_key("customer_id"), _string_key("phone")]
        request["KeySchema"] = [{"AttributeName": "customer_id", "KeyType": "HASH"}]
        request["GlobalSecondaryIndexes"] = [_gsi(PHONE_INDEX, "phone")]
    elif logical == "cards":
        request["AttributeDefinitions"] = [_string_key("card_id"), _string_key("customer_id")]
        request["KeySchema"] = [{"AttributeName": "card_id", "KeyType": "HASH"}]
        request["GlobalSecondaryIndexes"] = [_gsi(CUSTOMER_INDEX, "customer_id")]
    elif logical == "card_events":
        request["AttributeDefinitions"] = [
            _string_key("card_id"),
            {"AttributeName": "version", "AttributeType": "N"},
        ]
        request["KeySchema"] = [
            {"AttributeName": "card_id", "KeyType": "HASH"},
            {"AttributeName": "version", "KeyType": "RANGE"},
        ]
    elif logical == "idempotency":
        request["AttributeDefinitions"] = [_string_key("idempotency_key")]
        request["KeySchema"] = [{"AttributeName": "idempotency_key", "KeyType": "HASH"}]
    else:
        raise KeyError(logical)
    if logical in STREAM_VIEW_TYPES:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": STREAM_VIEW_TYPES[logical],
        }
    return request
