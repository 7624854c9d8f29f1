"""``scripts/replay_card_events.py`` against DynamoDB Local's audit log and moto's EventBridge:
the replayed events are the ones the stream published, same ``event_id`` and detail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import app
from chalicelib.commands import Caller, LockCard, UnlockCard
from chalicelib.runtime import card_service
from scripts import replay_card_events
from tests.dynamodb_local_fixture import DynamoDBTables
from tests.eventbridge_fixture import CardEventBus
from tests.fakes.connect import FakeLambdaContext
from tests.stream_batches import lambda_batches

ROOT = Path(__file__).resolve().parents[2]
CALLER = Caller(channel="api", actor="ops", request_id="req-replay")


def _stage(ddb_tables: DynamoDBTables) -> str:
    return ddb_tables.names["CARDS_TABLE"].removeprefix("betterbank-cards-")


def _lock_unlock_lock() -> None:
    service = card_service()
    lock = LockCard(customer_id="CUST001", card_id="CARD001", reason="misplaced")
    service.lock_card(lock, CALLER)
    service.unlock_card(UnlockCard(customer_id="CUST001", card_id="CARD001"), CALLER)
    service.lock_card(lock, CALLER)


def _replay(ddb_tables: DynamoDBTables, bus: CardEventBus, *extra: str) -> int:
    args = ["--stage", _stage(ddb_tables), "--endpoint", ddb_tables.endpoint, "--bus", bus.name]
    return replay_card_events.main([*args, "--card", "CARD001", *extra])


def test_replay_republishes_what_the_stream_published_from_a_version_on(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the stream published CARD001's changes, and a consumer lost them from version 3 on
    _lock_unlock_lock()
    for batch in lambda_batches(ddb_tables.endpoint, ddb_tables.names["CARD_EVENTS_TABLE"]):
        app.publish_card_events(batch, FakeLambdaContext(remaining_ms=60_000))
    streamed = {
        e["detail"]["event_id"]: e["detail"]
        for e in card_event_bus.received()
        if e["detail"]["card_id"] == "CARD001"
    }

    # WHEN the card is replayed from version 3
    capsys.readouterr()
    assert _replay(ddb_tables, card_event_bus, "--from-version", "3") == 0

    # THEN versions 3 and 4 are on the bus again, identical to what the stream published
    replayed = card_event_bus.received()
    assert [e["detail"]["event_id"] for e in replayed] == ["CARD001:3", "CARD001:4"]
    for envelope in replayed:
        assert envelope["detail"] == streamed[envelope["detail"]["event_id"]]
        assert envelope["detail-type"] in ("Card Unlocked", "Card Locked")
    assert capsys.readouterr().out.splitlines() == [
        "published CARD001:3 Card Unlocked",
        "published CARD001:4 Card Locked",
    ]


def test_replay_fills_owner_and_last4_of_items_written_before_they_were_stored(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus
) -> None:
    # GIVEN an event item of the older shape (no customer_id, no last4)
    table = ddb_tables.names["CARD_EVENTS_TABLE"]
    key = {"card_id": {"S": "CARD001"}, "version": {"N": "1"}}
    ddb_tables.client.update_item(
        TableName=table, Key=key, UpdateExpression="REMOVE customer_id, last4"
    )

    assert _replay(ddb_tables, card_event_bus, "--to-version", "1") == 0

    (envelope,) = card_event_bus.received()
    assert envelope["detail"]["customer_id"] == "CUST001"
    assert envelope["detail"]["last4"] == "4821"


def test_dry_run_prints_and_publishes_nothing(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus, capsys: pytest.CaptureFixture[str]
) -> None:
    _lock_unlock_lock()
    capsys.readouterr()
    assert _replay(ddb_tables, card_event_bus, "--from-version", "2", "--dry-run") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" {", 1)[0] for line in lines] == [
        "Card Locked",
        "Card Unlocked",
        "Card Locked",
    ]
    assert json.loads("{" + lines[0].split(" {", 1)[1])["event_id"] == "CARD001:2"
    assert card_event_bus.received() == []


def test_a_card_without_events_from_that_version_is_a_clear_error(
    ddb_tables: DynamoDBTables, card_event_bus: CardEventBus, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _replay(ddb_tables, card_event_bus, "--from-version", "9") == 1
    assert capsys.readouterr().err == "error: CARD001 has no events from version 9\n"
    assert card_event_bus.received() == []


def test_local_tables_never_publish_to_a_real_bus(
    ddb_tables: DynamoDBTables, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--stage", _stage(ddb_tables), "--endpoint", ddb_tables.endpoint, "--card", "CARD001"]
    assert replay_card_events.main(args) == 2
    assert "AWS_ENDPOINT_URL_EVENTBRIDGE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--card", "card-1"], "is not a card id"),
        (["--card", "CARD001", "--from-version", "0"], "versions start at 1"),
        (["--card", "CARD001", "--from-version", "3", "--to-version", "2"], "versions start"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_read(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.replay_card_events", "--stage", "dev", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
