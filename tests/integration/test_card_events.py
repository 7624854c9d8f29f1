"""Card events end to end: the service writes, DynamoDB Local's real stream carries the event
items, the publisher Lambda (``app.publish_card_events``) puts them on moto's EventBridge, and a
rule routes them to an SQS queue.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

import app
from chalicelib.commands import Caller
from chalicelib.publishing.detail import DETAIL_TYPES, SCHEMA_PATH, SOURCE
from chalicelib.runtime import card_service
from tests.card_commands import command, run
from tests.dynamodb_local_fixture import DynamoDBTables
from tests.eventbridge_fixture import CardEventBus
from tests.fakes.connect import FakeLambdaContext
from tests.stream_batches import lambda_batches

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DOC = ROOT / "docs" / "EVENTS.md"
AGENT = Caller(channel="mcp", actor="agentcore:gw/target", request_id="req-agent")
BACK_OFFICE = Caller(channel="api", actor="arn:aws:iam::123456789012:user/ops", request_id="req-bo")


def _write(operation: str, card_id: str, params: dict[str, Any], caller: Caller) -> dict[str, Any]:
    return run(card_service(), command(operation, "CUST001", card_id, params), caller)


def _publish_the_stream(ddb_tables: DynamoDBTables) -> list[dict[str, Any]]:
    """Hand every batch of the stream to the Lambda entry point; its answers."""
    table = ddb_tables.names["CARD_EVENTS_TABLE"]
    return [
        app.publish_card_events(batch, FakeLambdaContext(remaining_ms=60_000))
        for batch in lambda_batches(ddb_tables.endpoint, table)
    ]


def _lifecycle() -> str:
    """Lock (suspected fraud), unlock, report lost, activate the replacement; its id."""
    _write("lock", "CARD001", {"reason": "suspected_fraud"}, BACK_OFFICE)
    _write("unlock", "CARD001", {}, BACK_OFFICE)
    replaced = _write("request_new", "CARD001", {"reason": "lost"}, AGENT)
    new_card = str(replaced["card"]["card_id"])
    _write("activate", new_card, {}, AGENT)
    return new_card


def test_every_change_reaches_eventbridge_once_in_order_with_the_documented_schema(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus
) -> None:
    # GIVEN a card's whole lifecycle committed through the service
    new_card = _lifecycle()

    # WHEN the stream's batches are handed to the publisher as Lambda would
    answers = _publish_the_stream(ddb_tables)

    # THEN every batch is acknowledged, and each stored event is on the bus exactly once
    assert answers
    assert all(a == {"batchItemFailures": []} for a in answers)
    envelopes = card_event_bus.received()
    assert {e["source"] for e in envelopes} == {SOURCE}
    details = [e["detail"] for e in envelopes]
    for card_id in ("CARD001", "CARD002", new_card):
        stored = ddb_tables.events(card_id)
        published = [d for d in details if d["card_id"] == card_id]
        # per-card order, one event per version, the same facts as the audit log
        assert [d["version"] for d in published] == [int(e["version"]["N"]) for e in stored]
        assert [d["type"] for d in published] == [e["type"]["S"] for e in stored]
    old = [d for d in details if d["card_id"] == "CARD001"]
    assert [(d["type"], d["from_status"], d["to_status"]) for d in old] == [
        ("issued", "none", "active"),
        ("locked", "active", "locked"),
        ("unlocked", "locked", "active"),
        ("replacement_requested", "active", "closed"),
    ]
    assert [d["type"] for d in details if d["card_id"] == new_card] == ["issued", "activated"]
    assert len({d["event_id"] for d in details}) == len(details)


def test_published_details_validate_against_the_committed_schema_and_carry_no_pii(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus
) -> None:
    _lifecycle()
    _publish_the_stream(ddb_tables)
    envelopes = card_event_bus.received()

    validator = Draft202012Validator(
        json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), format_checker=FormatChecker()
    )
    for envelope in envelopes:
        detail = envelope["detail"]
        assert list(validator.iter_errors(detail)) == [], detail
        assert detail["event_id"] == f"{detail['card_id']}:{detail['version']}"
        assert envelope["detail-type"] == DETAIL_TYPES[detail["type"]]
        card = ddb_tables.card(detail["card_id"])
        assert detail["customer_id"] == card["customer_id"]["S"]
        assert detail["last4"] == card["last4"]["S"]
        text = json.dumps(envelope)
        for pii in ("+1", "phone", "email", "address", "Jane", "line1", "postal"):
            assert pii not in text, pii
    locked = next(e for e in envelopes if e["detail"]["type"] == "locked")
    assert locked["detail"]["actor"] == BACK_OFFICE.actor
    assert locked["detail"]["last4"] == "4821"
    assert locked["time"].startswith(locked["detail"]["occurred_at"][:19])


def _documented_rule() -> dict[str, Any]:
    """The example rule's event pattern, as docs/EVENTS.md gives it."""
    text = EVENTS_DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- fraud-rule -->\s*```json\n(.*?)```", text, re.DOTALL)
    assert block, "docs/EVENTS.md lost its example rule"
    pattern: dict[str, Any] = json.loads(block.group(1))
    return pattern


@pytest.mark.parametrize("reason", ["suspected_fraud", "customer_request"])
def test_the_documented_fraud_rule_routes_only_fraud_locks(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus, reason: str
) -> None:
    fraud_queue = card_event_bus.add_rule("fraud-locks", _documented_rule())
    _write("lock", "CARD002", {"reason": reason}, BACK_OFFICE)
    _write("unlock", "CARD002", {}, BACK_OFFICE)

    _publish_the_stream(ddb_tables)

    routed = card_event_bus.received(fraud_queue)
    if reason == "suspected_fraud":
        assert [(e["detail-type"], e["detail"]["event_id"]) for e in routed] == [
            ("Card Locked", "CARD002:2")
        ]
    else:
        assert routed == []


def test_each_event_item_names_its_cards_owner_and_last4(ddb_tables: DynamoDBTables) -> None:
    """The outbox row is enough to publish from: no second read of the card per event."""
    _write("lock", "CARD002", {"reason": "misplaced"}, BACK_OFFICE)
    replaced = _write("request_new", "CARD002", {"reason": "stolen"}, AGENT)
    new_card = replaced["card"]

    (_, locked, requested) = ddb_tables.events("CARD002")
    for item in (locked, requested):
        assert (item["customer_id"], item["last4"]) == ({"S": "CUST001"}, {"S": "1934"})
    (issued,) = ddb_tables.events(new_card["card_id"])
    assert issued["last4"] == {"S": new_card["last4"]}
    assert issued["customer_id"] == {"S": "CUST001"}
