"""The card-events publisher without AWS: parsing stream records, cutting calls, reporting.

``RecordingEventBridge`` is a fake of the one call the publisher makes: it keeps what it was
sent and answers each entry as its rule says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import app
from chalicelib.publishing.detail import (
    DETAIL_TYPES,
    SCHEMA_PATH,
    CardEventDetail,
    bus_name,
    detail_type,
    json_schema_text,
)
from chalicelib.publishing.publisher import (
    MAX_ENTRIES,
    SAFETY_SECONDS,
    CardEventPublisher,
    StreamRecord,
)
from chalicelib.publishing.stream import UNREADABLE, handle_stream_batch
from tests.fakes.connect import FakeLambdaContext
from tests.stream_batches import event_values, sequence_numbers, stream_event, stream_record

SAMPLE = Path(__file__).resolve().parents[1] / "events" / "stream" / "card_events_batch.json"


@dataclass
class RecordingEventBridge:
    """``put_events`` only; ``fail(entry, call)`` returns an error code for an entry, or None."""

    fail: Callable[[dict[str, Any], int], str | None] = lambda _entry, _call: None
    calls: list[list[dict[str, Any]]] = field(default_factory=list)

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        answers = []
        for entry in Entries:
            code = self.fail(json.loads(entry["Detail"]), len(self.calls))
            answers.append({"ErrorCode": code} if code else {"EventId": f"id-{len(answers)}"})
        return {"FailedEntryCount": sum("ErrorCode" in a for a in answers), "Entries": answers}

    def sent(self) -> list[str]:
        return [json.loads(e["Detail"])["event_id"] for call in self.calls for e in call]


def _context() -> FakeLambdaContext:
    """A fresh invocation's context (its clock starts now)."""
    return FakeLambdaContext(remaining_ms=60_000)


def _publish(
    event: Any,
    fake: RecordingEventBridge,
    context: Any = None,
    park: Callable[[StreamRecord], bool] | None = None,
) -> list[str]:
    publisher = CardEventPublisher(fake, "betterbank-cards-test", sleep=lambda _s: None, park=park)
    answer = handle_stream_batch(event, context or _context(), lambda: publisher)
    return [f["itemIdentifier"] for f in answer["batchItemFailures"]]


def _batch(cards: list[tuple[str, int]]) -> dict[str, Any]:
    return stream_event(
        *(stream_record(event_values(c, v), n) for n, (c, v) in enumerate(cards, start=1))
    )


def test_the_sample_batch_publishes_its_insert_and_skips_modify_and_remove() -> None:
    event = json.loads(SAMPLE.read_text(encoding="utf-8"))
    fake = RecordingEventBridge()
    assert _publish(event, fake) == []
    ((entry,),) = fake.calls
    assert entry["Source"] == "betterbank.cards"
    assert entry["DetailType"] == "Card Locked"
    assert entry["EventBusName"] == "betterbank-cards-test"
    detail = json.loads(entry["Detail"])
    assert detail == {
        "schema_version": 1,
        "event_id": "CARD001:2",
        "type": "locked",
        "card_id": "CARD001",
        "customer_id": "CUST001",
        "version": 2,
        "from_status": "active",
        "to_status": "locked",
        "reason": "suspected_fraud",
        "channel": "api",
        "actor": "arn:aws:iam::123456789012:user/ops",
        "occurred_at": "2026-12-01T09:30:00.000Z",
        "last4": "4821",
    }
    assert "request_id" not in detail
    assert "expires_at" not in detail


def test_through_the_chalice_entry_point_too() -> None:
    """``app.publish_card_events`` is the deployed handler: Chalice wraps the event for it."""
    event = json.loads(SAMPLE.read_text(encoding="utf-8"))
    answer = app.publish_card_events({"Records": [event["Records"][1]]}, _context())
    assert answer == {"batchItemFailures": []}  # a MODIFY: nothing to send, no client built


def test_calls_hold_at_most_ten_events_and_never_two_of_one_card() -> None:
    cards = [(f"CARD{n:03d}", 1) for n in range(25)] + [("CARD000", 2), ("CARD000", 3)]
    fake = RecordingEventBridge()
    assert _publish(_batch(cards), fake) == []
    assert [len(call) for call in fake.calls] == [MAX_ENTRIES, MAX_ENTRIES, 6, 1]
    for call in fake.calls:
        ids = [json.loads(e["Detail"])["card_id"] for e in call]
        assert len(ids) == len(set(ids))
    assert fake.sent() == [f"{c}:{v}" for c, v in cards]


def test_one_hot_card_is_sent_one_version_per_call_in_order() -> None:
    fake = RecordingEventBridge()
    _publish(_batch([("CARD001", v) for v in range(2, 6)]), fake)
    assert [[json.loads(e["Detail"])["version"] for e in call] for call in fake.calls] == [
        [2],
        [3],
        [4],
        [5],
    ]


def test_a_record_that_is_not_a_card_event_is_reported_with_what_follows() -> None:
    # GIVEN the second record's image lacks the owner (an item the publisher cannot describe)
    bad = event_values("CARD002", 1)
    del bad["customer_id"]
    event = stream_event(
        stream_record(event_values("CARD001", 2), 1),
        stream_record(bad, 2),
        stream_record(event_values("CARD003", 2), 3),
    )
    fake = RecordingEventBridge()
    assert _publish(event, fake) == sequence_numbers(event)[1:]
    assert fake.sent() == ["CARD001:2"]


def _with_bad_second_record() -> dict[str, Any]:
    bad = event_values("CARD002", 1)
    bad["last4"] = "48211"  # not four digits
    return stream_event(
        stream_record(event_values("CARD001", 2), 1),
        stream_record(bad, 2),
        stream_record(event_values("CARD003", 2), 3),
    )


def test_a_record_that_is_not_a_card_event_is_parked_and_the_shard_moves_on() -> None:
    parked: list[StreamRecord] = []

    def park(record: StreamRecord) -> bool:
        parked.append(record)
        return True

    fake = RecordingEventBridge()
    assert _publish(_with_bad_second_record(), fake, park=park) == []
    assert fake.sent() == ["CARD001:2", "CARD003:2"]
    assert [(r.key, r.problem) for r in parked] == [
        ("CARD002:1", "event item does not fit the card event")
    ]


def test_a_record_that_cannot_be_parked_is_reported() -> None:
    event = _with_bad_second_record()
    fake = RecordingEventBridge()
    assert _publish(event, fake, park=lambda _record: False) == sequence_numbers(event)[1:]
    assert fake.sent() == ["CARD001:2"]


@pytest.mark.parametrize(
    "event",
    [None, [], {}, {"Records": "x"}, {"Records": [None]}, {"Records": [{"dynamodb": {}}]}],
)
def test_an_unreadable_event_fails_the_whole_batch_without_raising(event: Any) -> None:
    fake = RecordingEventBridge()
    assert _publish(event, fake) == [UNREADABLE]
    assert fake.calls == []


def test_an_unknown_event_name_is_skipped() -> None:
    event = stream_event(stream_record(event_values("CARD001", 2), 1, event_name="MODIFY"))
    fake = RecordingEventBridge()
    assert _publish(event, fake) == []
    assert fake.calls == []


def test_when_time_runs_out_the_rest_is_reported_unsent() -> None:
    event = _batch([("CARD001", 2), ("CARD001", 3)])
    fake = RecordingEventBridge()
    low = FakeLambdaContext(remaining_ms=(SAFETY_SECONDS - 1) * 1000)
    assert _publish(event, fake, low) == sequence_numbers(event)
    assert fake.calls == []


def test_an_sdk_error_reports_the_call_and_the_rest() -> None:
    class Broken(RecordingEventBridge):
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            raise ConnectionError("no route")

    event = _batch([("CARD001", 2), ("CARD002", 2)])
    assert _publish(event, Broken()) == sequence_numbers(event)


def test_detail_types_name_every_lifecycle_event_and_any_new_one() -> None:
    assert detail_type("locked") == "Card Locked"
    assert detail_type("replacement_requested") == "Replacement Requested"
    assert detail_type("fraud_hold_released") == "Card Fraud Hold Released"
    assert len(set(DETAIL_TYPES.values())) == len(DETAIL_TYPES)


def test_bus_names_follow_the_table_naming() -> None:
    assert bus_name("dev") == "betterbank-cards-dev"
    assert bus_name("local") == "betterbank-cards"


def test_committed_json_schema_matches_the_model() -> None:
    committed = SCHEMA_PATH.read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        "docs/card-event.schema.json is stale: run python -m chalicelib.publishing.detail"
    )


def test_the_detail_takes_only_its_own_fields_from_an_item_and_refuses_others() -> None:
    # GIVEN an item that (wrongly) carried contact details beside the event
    item = {**event_values("CARD001", 2), "phone": "+15555550100", "address": {"city": "X"}}
    # THEN the published detail holds none of them
    detail = CardEventDetail.from_event_item(item).model_dump()
    assert not {"phone", "address", "request_id", "expires_at"} & set(detail)
    # AND the model itself refuses a field it does not define
    with pytest.raises(ValueError, match="phone"):
        CardEventDetail.model_validate({**detail, "phone": "+15555550100"})


def test_an_image_nested_past_any_real_depth_fails_the_batch_without_raising() -> None:
    # GIVEN a record whose image nests maps deeper than Python's recursion limit
    nested: dict[str, Any] = {"S": "x"}
    for _ in range(5000):
        nested = {"M": {"a": nested}}
    record = stream_record(event_values("CARD001", 1), 1)
    record["dynamodb"]["NewImage"]["extra"] = nested
    # THEN the handler answers (the whole batch is retried) instead of raising
    assert _publish(stream_event(record), RecordingEventBridge()) == [UNREADABLE]


def test_an_impossible_date_is_parked_and_the_cards_behind_it_are_published() -> None:
    # GIVEN an event item whose occurred_at fits the pattern but is no date (30 February)
    bad = event_values("CARD002", 2)
    bad["occurred_at"] = "2026-02-30T10:00:00.000Z"
    event = stream_event(
        stream_record(event_values("CARD001", 1), 1),
        stream_record(bad, 2),
        stream_record(event_values("CARD003", 1), 3),
    )
    parked: list[StreamRecord] = []
    fake = RecordingEventBridge()
    # THEN it is parked like any item that is not a card event, and the shard moves on
    assert _publish(event, fake, park=lambda r: parked.append(r) is None) == []
    assert [r.key for r in parked] == ["CARD002:2"]
    assert fake.sent() == ["CARD001:1", "CARD003:1"]


SSO_ADMIN = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123/jane.doe@bank.example"


@pytest.mark.parametrize(
    ("actor", "published"),
    [
        (SSO_ADMIN, "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123"),
        ("jane.doe@bank.example", "api"),
        ("arn:aws:iam::123456789012:user/4111111111111111", "api"),
    ],
)
def test_an_actor_never_carries_an_email_or_a_card_number(actor: str, published: str) -> None:
    values = event_values("CARD001", 2)
    values["actor"] = actor
    fake = RecordingEventBridge()
    assert _publish(stream_event(stream_record(values, 1)), fake) == []
    ((entry,),) = fake.calls
    assert json.loads(entry["Detail"])["actor"] == published
    assert "@" not in entry["Detail"]
    assert "4111111111111111" not in entry["Detail"]


def test_a_free_text_reason_is_never_published() -> None:
    # GIVEN an item whose reason is free text with a phone and a card number (not the app's)
    values = event_values("CARD001", 2)
    values["reason"] = "call +44 7700 900123, card 4111111111111111"
    fake = RecordingEventBridge()
    parked: list[StreamRecord] = []
    # THEN it is parked, not sent
    assert (
        _publish(
            stream_event(stream_record(values, 1)), fake, park=lambda r: parked.append(r) is None
        )
        == []
    )
    assert fake.calls == []
    assert [r.key for r in parked] == ["CARD001:2"]


class AnswersWithoutEventIds:
    """A PutEvents answer whose entries say neither EventId nor ErrorCode."""

    def __init__(self) -> None:
        self.calls = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        return {"FailedEntryCount": len(Entries), "Entries": [{} for _ in Entries]}


def test_an_entry_answered_without_an_event_id_is_not_counted_as_published() -> None:
    event = _batch([("CARD001", 1), ("CARD002", 1)])
    fake = AnswersWithoutEventIds()
    assert _publish(event, fake) == sequence_numbers(event)
    assert fake.calls == 3  # retried like any failed entry
