"""Card events: the publisher's throughput on one shard, in process.

Stream batches of the event source mapping's size, in Lambda's shape, handed one after another
to the publisher (a shard is processed one batch at a time) with an EventBridge that accepts
everything at once: what is left is the publisher's own cost (parse, model, JSON, cutting the
calls). Distinct cards fill calls of ten entries; one hot card takes a call per event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from chalicelib.publishing import STREAM_BATCH_SIZE
from chalicelib.publishing.publisher import CardEventPublisher
from chalicelib.publishing.stream import handle_stream_batch
from tests.stream_batches import event_values, stream_event, stream_record

EVENTS = 2_000


@dataclass(frozen=True)
class PublishRun:
    """One run: what was published, in how many calls, how fast."""

    label: str
    events: int
    calls: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Events published per second on one shard."""
        return self.events / self.seconds


@dataclass
class Instant:
    """An EventBridge that accepts every entry at once, and counts the calls."""

    calls: int = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "x"} for _ in Entries]}


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _run(label: str, cards: int) -> PublishRun:
    records = [
        stream_record(event_values(f"CARDB{n % cards:05d}", 2 + n // cards), n + 1)
        for n in range(EVENTS)
    ]
    batches = [
        stream_event(*records[i : i + STREAM_BATCH_SIZE])
        for i in range(0, EVENTS, STREAM_BATCH_SIZE)
    ]
    bus = Instant()
    publisher = CardEventPublisher(bus, "betterbank-cards-bench")
    began = time.perf_counter()
    for batch in batches:
        answer = handle_stream_batch(batch, _Context(), lambda: publisher)
        if answer != {"batchItemFailures": []}:
            raise RuntimeError(f"the publisher failed records: {answer}")
    return PublishRun(label, EVENTS, bus.calls, time.perf_counter() - began)


def throughput() -> list[PublishRun]:
    """Events on 500 distinct cards, then all on one hot card, after a run that warms up."""
    _run("warm-up: the first batch builds the models and serialisers", 500)
    return [_run("500 distinct cards", 500), _run("one hot card", 1)]
