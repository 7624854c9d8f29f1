"""The publisher's failure queue, for the records that can never be published.

A stream record whose new item is not a card event (it lacks a field, or has one of the wrong
shape) fails the same way on every retry. Retrying it would hold up every card behind it on its
shard until the stream's retry budget ran out; instead the publisher sends a description of it
(ids and the problem, never the item) to the queue that also receives Lambda's on-failure
records, and moves on. The queue's alarm fires either way.
"""

from __future__ import annotations

import json
from typing import Any, Final

from chalicelib.observability import get_logger
from chalicelib.publishing.publisher import StreamRecord

KIND: Final = "unpublishable_card_event"


class FailureQueue:
    """Parks records in one SQS queue."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def park(self, record: StreamRecord) -> bool:
        """Send the record's description; False (and a log line) when SQS did not take it."""
        body = {
            "kind": KIND,
            "problem": record.problem,
            "event_id": record.key,
            "sequence_number": record.sequence_number,
        }
        fields = {k: v for k, v in body.items() if k != "kind"}
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body))
        except Exception as exc:  # any SDK failure: the record is reported instead
            get_logger().warning(
                "card event not parked", extra={**fields, "cause": type(exc).__name__}
            )
            return False
        get_logger().error("card event parked in the failure queue", extra=fields)
        return True
