"""The publisher under EventBridge faults: which records it reports, and what reached the bus.

Batches are built in Lambda's shape (``tests/stream_batches.py``); ``PutEvents`` goes to moto's
EventBridge through the SDK with the publisher's own retry budget, and ``PutEventsFaults``
throttles, fails, or fails single entries of, the calls on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import app
from chalicelib.clients import EVENTS_BUDGET, ClientBudget, make_client
from chalicelib.publishing.failure_queue import FailureQueue
from chalicelib.publishing.publisher import ENTRY_ATTEMPTS, CardEventPublisher
from chalicelib.publishing.stream import handle_stream_batch
from tests.dynamodb_local_fixture import REGION, reset_app_caches
from tests.eventbridge_fixture import CardEventBus, PutEventsFaults, throttled
from tests.fakes.connect import FakeLambdaContext
from tests.faults import aws_error
from tests.stream_batches import event_values, sequence_numbers, stream_event, stream_record

#: Three cards, two versions each, interleaved as the shard orders them: the publisher sends
#: [A1 B1 C1] then [A2 B2 C2] (never two events of one card in one call).
ORDER = [
    ("CARDAAA", 1),
    ("CARDBBB", 1),
    ("CARDCCC", 1),
    ("CARDAAA", 2),
    ("CARDBBB", 2),
    ("CARDCCC", 2),
]


def _batch() -> dict[str, Any]:
    return stream_event(
        *(stream_record(event_values(c, v), n) for n, (c, v) in enumerate(ORDER, start=1))
    )


#: The publisher's attempts, with timeouts a loaded test machine cannot hit: a read timeout
#: would make the SDK send an accepted call again (a real duplicate), which is not under test.
BUDGET = ClientBudget(
    connect_timeout=5.0, read_timeout=30.0, max_attempts=EVENTS_BUDGET.max_attempts
)


def _publisher(bus: CardEventBus, faults: PutEventsFaults) -> CardEventPublisher:
    client = make_client("events", BUDGET, REGION, bus.endpoint)
    faults.attach(client)
    return CardEventPublisher(client, bus.name, sleep=lambda _s: None)


def _run(bus: CardEventBus, faults: PutEventsFaults, event: dict[str, Any]) -> list[str]:
    answer = handle_stream_batch(
        event, FakeLambdaContext(remaining_ms=60_000), lambda: _publisher(bus, faults)
    )
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


def _published(bus: CardEventBus) -> list[str]:
    return [envelope["detail"]["event_id"] for envelope in bus.received()]


def _fail_card(card_id: str, attempts: int) -> Callable[[dict[str, Any], int], str | None]:
    def rule(detail: dict[str, Any], call: int) -> str | None:
        return "InternalFailure" if detail["card_id"] == card_id and call <= attempts else None

    return rule


def test_all_published_when_nothing_fails(card_event_bus: CardEventBus) -> None:
    faults = PutEventsFaults()
    assert _run(card_event_bus, faults, _batch()) == []
    assert _published(card_event_bus) == [f"{c}:{v}" for c, v in ORDER]
    assert faults.calls == 2


def test_an_entry_failing_once_is_retried_and_order_per_card_kept(
    card_event_bus: CardEventBus,
) -> None:
    # GIVEN B's entry fails in the first call only
    faults = PutEventsFaults(entry_error=_fail_card("CARDBBB", attempts=1))
    # THEN nothing is reported: B1 went in the retry, before B2 was sent
    assert _run(card_event_bus, faults, _batch()) == []
    published = _published(card_event_bus)
    assert sorted(published) == sorted(f"{c}:{v}" for c, v in ORDER)
    assert published.index("CARDBBB:1") < published.index("CARDBBB:2")
    assert faults.calls == 3


def test_an_entry_that_keeps_failing_is_reported_with_everything_after_it(
    card_event_bus: CardEventBus,
) -> None:
    # GIVEN B's entry fails every time
    faults = PutEventsFaults(entry_error=_fail_card("CARDBBB", attempts=99))
    event = _batch()

    failures = _run(card_event_bus, faults, event)

    # THEN the stream is told to resume at B1: B1 and everything after it is reported
    assert failures == sequence_numbers(event)[1:]
    # A1 and C1 (same call) were accepted; nothing of the next call was sent
    assert _published(card_event_bus) == ["CARDAAA:1", "CARDCCC:1"]
    assert faults.calls == ENTRY_ATTEMPTS


def test_throttled_calls_are_retried_by_the_sdk(card_event_bus: CardEventBus) -> None:
    faults = PutEventsFaults(whole_call=lambda n: throttled() if n <= 2 else None)
    assert _run(card_event_bus, faults, _batch()) == []
    assert _published(card_event_bus) == [f"{c}:{v}" for c, v in ORDER]
    assert faults.calls == 4  # 2 throttled + the first call's success + the second call


def test_throttled_beyond_the_budget_reports_the_whole_batch(card_event_bus: CardEventBus) -> None:
    faults = PutEventsFaults(whole_call=lambda _n: throttled())
    event = _batch()
    assert _run(card_event_bus, faults, event) == sequence_numbers(event)
    assert _published(card_event_bus) == []
    assert faults.calls == EVENTS_BUDGET.max_attempts


@pytest.mark.parametrize("status", [500, 503])
def test_eventbridge_failing_entirely_reports_the_whole_batch(
    card_event_bus: CardEventBus, status: int
) -> None:
    faults = PutEventsFaults(whole_call=lambda _n: aws_error(status, "InternalException"))
    event = _batch()
    assert _run(card_event_bus, faults, event) == sequence_numbers(event)
    assert _published(card_event_bus) == []


def test_a_failure_in_the_second_call_reports_from_its_first_unpublished_record(
    card_event_bus: CardEventBus,
) -> None:
    # GIVEN the second call (A2 B2 C2) fails as a whole, every attempt
    faults = PutEventsFaults(whole_call=lambda n: None if n == 1 else throttled())
    event = _batch()
    assert _run(card_event_bus, faults, event) == sequence_numbers(event)[3:]
    assert _published(card_event_bus) == ["CARDAAA:1", "CARDBBB:1", "CARDCCC:1"]


def test_a_redelivered_batch_publishes_duplicates_with_the_same_event_id(
    card_event_bus: CardEventBus,
) -> None:
    event = _batch()
    assert _run(card_event_bus, PutEventsFaults(), event) == []
    assert _run(card_event_bus, PutEventsFaults(), event) == []

    envelopes = card_event_bus.received()
    by_id: dict[str, list[dict[str, Any]]] = {}
    for envelope in envelopes:
        by_id.setdefault(envelope["detail"]["event_id"], []).append(envelope)
    assert sorted(by_id) == sorted(f"{c}:{v}" for c, v in ORDER)
    for copies in by_id.values():
        assert len(copies) == 2
        assert copies[0]["detail"] == copies[1]["detail"]
        assert copies[0]["id"] != copies[1]["id"]  # two deliveries; event_id de-duplicates them


def test_retry_from_the_reported_record_completes_the_batch(card_event_bus: CardEventBus) -> None:
    # GIVEN a first delivery that left B1 and what follows unpublished
    event = _batch()
    failures = _run(card_event_bus, PutEventsFaults(entry_error=_fail_card("CARDBBB", 99)), event)
    # WHEN Lambda redelivers from the lowest reported sequence number, and EventBridge is back
    retry = stream_event(
        *(r for r in event["Records"] if r["dynamodb"]["SequenceNumber"] >= min(failures))
    )
    assert _run(card_event_bus, PutEventsFaults(), retry) == []
    # THEN every event is on the bus; only C1 (accepted beside the failed B1) came twice
    published = _published(card_event_bus)
    assert sorted(set(published)) == sorted(f"{c}:{v}" for c, v in ORDER)
    assert sorted(p for p in published if published.count(p) > 1) == ["CARDCCC:1", "CARDCCC:1"]


def test_a_record_that_is_not_a_card_event_goes_to_the_failure_queue_through_the_lambda(
    card_event_bus: CardEventBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the deployed wiring: the failure queue's URL in the environment
    failures = card_event_bus.sqs.create_queue(QueueName=f"{card_event_bus.name}-failures")
    monkeypatch.setenv("CARD_EVENTS_FAILURE_QUEUE_URL", failures["QueueUrl"])
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", card_event_bus.endpoint)
    reset_app_caches()
    bad = event_values("CARDBBB", 1)
    del bad["customer_id"]
    event = stream_event(
        stream_record(event_values("CARDAAA", 1), 1),
        stream_record(bad, 2),
        stream_record(event_values("CARDCCC", 1), 3),
    )

    # WHEN the batch reaches the Lambda THEN nothing is left to retry
    answer = app.publish_card_events(event, FakeLambdaContext(remaining_ms=60_000))
    assert answer == {"batchItemFailures": []}
    assert _published(card_event_bus) == ["CARDAAA:1", "CARDCCC:1"]
    (message,) = card_event_bus.sqs.receive_message(QueueUrl=failures["QueueUrl"])["Messages"]
    assert json.loads(message["Body"]) == {
        "kind": "unpublishable_card_event",
        "problem": "event item does not fit the card event",
        "event_id": "CARDBBB:1",
        "sequence_number": sequence_numbers(event)[1],
    }


def test_when_the_failure_queue_refuses_the_record_is_reported(
    card_event_bus: CardEventBus,
) -> None:
    sqs = make_client("sqs", BUDGET, REGION, card_event_bus.endpoint)
    missing = f"{card_event_bus.endpoint}/123456789012/no-such-queue"
    client = make_client("events", BUDGET, REGION, card_event_bus.endpoint)
    publisher = CardEventPublisher(
        client, card_event_bus.name, park=FailureQueue(sqs, missing).park
    )
    bad = event_values("CARDBBB", 1)
    bad["version"] = 0
    event = stream_event(stream_record(bad, 1), stream_record(event_values("CARDCCC", 1), 2))

    answer = handle_stream_batch(event, FakeLambdaContext(remaining_ms=60_000), lambda: publisher)

    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == sequence_numbers(event)
    assert _published(card_event_bus) == []
