"""The publisher Lambda's body: a DynamoDB stream batch in, its batch item failures out.

The event source mapping is configured with ``ReportBatchItemFailures``: the answer
``{"batchItemFailures": [{"itemIdentifier": SEQUENCE_NUMBER}, ...]}`` makes Lambda retry the
shard from the lowest number given, and an empty list acknowledges the whole batch. Nothing
raises out of here: a record that is not a card event is parked in the failure queue
(``failure_queue``), and whatever cannot be published or parked is reported, so the stream
retries it and, after the retry budget, hands it to the same queue (an alarm watches it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from chalicelib.observability import get_logger
from chalicelib.publishing.detail import CardEventDetail
from chalicelib.publishing.publisher import CardEventPublisher, Outcome, StreamRecord
from chalicelib.store import items

#: Records whose sequence number cannot even be read cannot be reported either; Lambda gets
#: this one instead, which fails the whole batch (the shard is retried from its start).
UNREADABLE = ""


def stream_record(record: Any) -> StreamRecord:
    """What one Lambda stream record asks to publish; only a new item (``INSERT``) is an event.

    Event items are written once and never changed by the app; ``MODIFY`` (a seed rewriting its
    own items) and ``REMOVE`` (TTL expiry, seed reset) publish nothing.
    """
    if not isinstance(record, dict) or not isinstance(record.get("dynamodb"), dict):
        return StreamRecord(UNREADABLE, problem="malformed stream record")
    sequence_number = record["dynamodb"].get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number:
        return StreamRecord(UNREADABLE, problem="stream record without a sequence number")
    if record.get("eventName") != "INSERT":
        return StreamRecord(sequence_number)
    key = _key(record["dynamodb"].get("Keys"))
    image = record["dynamodb"].get("NewImage")
    try:
        detail = CardEventDetail.from_event_item(items.from_item(image))
    except (ValidationError, TypeError, ValueError, AttributeError):
        problem = "event item does not fit the card event"
        return StreamRecord(sequence_number, problem=problem, key=key)
    return StreamRecord(sequence_number, detail=detail, key=key)


def _key(keys: Any) -> str | None:
    """``card_id:version`` of the record's item, when its keys are readable."""
    try:
        values = items.from_item(keys)
        return f"{values['card_id']}:{values['version']}"
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def stream_records(event: Any) -> list[StreamRecord]:
    """The batch's records in shard order (an event without ``Records`` is one bad record)."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        return [StreamRecord(UNREADABLE, problem="event without Records")]
    return [stream_record(record) for record in records]


def batch_response(failures: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """The partial batch response Lambda reads."""
    return {"batchItemFailures": [{"itemIdentifier": number} for number in failures]}


def handle_stream_batch(
    event: Any, context: Any, publisher: Callable[[], CardEventPublisher]
) -> dict[str, list[dict[str, str]]]:
    """Publish one batch; report, and log with ids only, what must be retried.

    ``publisher`` gives the publisher (the app passes the process-wide one; tests their own),
    asked for only once the batch is read.
    """
    try:
        records = stream_records(event)
    except Exception:  # e.g. an image nested past any real item's depth (RecursionError)
        get_logger().warning("card events batch unreadable")
        return batch_response([UNREADABLE])
    try:
        outcome = publisher().publish(records, _seconds_left(context))
    except Exception as exc:
        get_logger().exception("card events not published", extra={"records": len(records)})
        outcome = Outcome(failures=[r.sequence_number for r in records], causes=[_name(exc)])
    _log(outcome, records)
    return batch_response(outcome.failures)


def _seconds_left(context: Any) -> Callable[[], float] | None:
    """The invocation's remaining time, from the Lambda context (None without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    return lambda: float(remaining()) / 1000.0


def _name(exc: Exception) -> str:
    return type(exc).__name__


def _log(outcome: Outcome, records: list[StreamRecord]) -> None:
    """Ids only: which events went, and from which record the stream must retry."""
    fields: dict[str, Any] = {
        "records": len(records),
        "published": len(outcome.published),
        "event_ids": [detail.event_id for detail in outcome.published],
    }
    if outcome.parked:
        fields["parked"] = [r.key or r.sequence_number for r in outcome.parked]
    if outcome.failures:
        retry = set(outcome.failures)
        fields.update(
            retry_from=outcome.failures[0],
            unpublished=[
                r.detail.event_id for r in records if r.detail and r.sequence_number in retry
            ],
            causes=sorted(set(outcome.causes)),
        )
        get_logger().warning("card events left for the stream to retry", extra=fields)
    else:
        get_logger().info("card events published", extra=fields)
