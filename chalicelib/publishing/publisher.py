"""Put a stream batch's card events on the bus, in order, and say where the stream must resume.

Order: the records of a batch come from one shard, in commit order. They are put in consecutive
``PutEvents`` calls of at most ten entries, and a call never holds two events of one card, so a
card's version N+1 is only sent once version N was accepted; nothing runs in parallel. A call's
failed entries are retried (EventBridge reports them per entry); what still fails stops the
batch there. Lambda resumes a shard from the lowest sequence number reported, so every record
from the first unpublished one onward is reported, and nothing after it is sent (records of the
same call that were accepted are sent again on redelivery: at-least-once, same ``event_id``).
A record that can never be published (not a card event) is parked in the failure queue
instead, when there is one, so that it cannot hold up its shard.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.clients import EVENTS_BUDGET
from chalicelib.publishing.detail import CardEventDetail

#: PutEvents takes at most ten entries per call.
MAX_ENTRIES = 10
#: Rounds for a call's failed entries (the SDK already retried the call itself on throttling).
ENTRY_ATTEMPTS = 3
#: Stop sending when less time is left than one call can take (retries included) and a margin:
#: what is not sent is reported, which beats a timeout that fails the whole batch.
SAFETY_SECONDS = EVENTS_BUDGET.worst_case_seconds() + 3.0


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One record of the batch: where it sits in the shard, and what it asks to publish.

    ``detail`` is None for a record with nothing to publish (not a new event item);
    ``problem`` names why a new event item can never be published (it is parked in the failure
    queue, or reported when it cannot be); ``key`` is its ``card_id:version`` when known.
    """

    sequence_number: str
    detail: CardEventDetail | None = None
    problem: str | None = None
    key: str | None = None


@dataclass
class Outcome:
    """What one batch did: events accepted, and the sequence numbers to report as failures."""

    published: list[CardEventDetail] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    parked: list[StreamRecord] = field(default_factory=list)


def _jitter(attempt: int) -> float:
    return float(random.uniform(0.05, 0.1) * 2**attempt)  # noqa: S311 - jitter, not a secret


class CardEventPublisher:
    """Publishes stream batches through one EventBridge client onto one bus.

    ``park(record)`` puts a record that can never be published aside (the failure queue) and
    says whether it did; a parked record no longer holds up the cards behind it on its shard,
    which retrying it would do until the stream gives up. Without it, such a record is reported.
    """

    def __init__(
        self,
        client: Any,
        bus: str,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[int], float] = _jitter,
        park: Callable[[StreamRecord], bool] | None = None,
    ) -> None:
        self._client = client
        self._bus = bus
        self._sleep = sleep
        self._jitter = jitter
        self._park = park

    def publish(
        self, records: Sequence[StreamRecord], seconds_left: Callable[[], float] | None = None
    ) -> Outcome:
        """Publish ``records`` in order; stop at the first that cannot be, or when time runs out."""
        outcome = Outcome()
        start = 0
        while start < len(records):
            if seconds_left is not None and seconds_left() < SAFETY_SECONDS:
                outcome.causes.append("invocation time running out")
                return self._fail_from(records, start, outcome)
            end = _chunk_end(records, start)
            failed = self._put(records[start:end], outcome)
            if failed is None:
                start = end
                continue
            index = start + failed
            if not self._parked(records[index], outcome):
                return self._fail_from(records, index, outcome)
            start = index + 1
        return outcome

    def _parked(self, record: StreamRecord, outcome: Outcome) -> bool:
        """Whether a record that can never be published was put aside (then it is skipped)."""
        if record.problem is None or self._park is None or not self._park(record):
            return False
        outcome.parked.append(record)
        return True

    def _fail_from(self, records: Sequence[StreamRecord], index: int, outcome: Outcome) -> Outcome:
        problem = records[index].problem
        if problem:
            outcome.causes.append(problem)
        outcome.failures = [r.sequence_number for r in records[index:]]
        return outcome

    def _put(self, chunk: Sequence[StreamRecord], outcome: Outcome) -> int | None:
        """Put one chunk; the index (in the chunk) of the first record left unpublished."""
        stop = next((i for i, r in enumerate(chunk) if r.problem), len(chunk))
        pending = [i for i in range(stop) if chunk[i].detail is not None]
        for attempt in range(ENTRY_ATTEMPTS):
            if not pending:
                break
            if attempt:
                self._sleep(self._jitter(attempt - 1))
            entries = [_detail(chunk[i]).entry(self._bus) for i in pending]
            try:
                answers = self._client.put_events(Entries=entries)["Entries"]
            except Exception as exc:
                outcome.causes.append(_error_code(exc))
                return pending[0]
            failed = []
            for index, answer in zip(pending, answers, strict=True):
                if answer.get("ErrorCode") or not answer.get("EventId"):
                    failed.append(index)  # only an EventId says EventBridge took the entry
                    outcome.causes.append(str(answer.get("ErrorCode") or "NoEventId"))
                else:
                    outcome.published.append(_detail(chunk[index]))
            pending = failed
        if pending:
            return pending[0]
        return stop if stop < len(chunk) else None


def _detail(record: StreamRecord) -> CardEventDetail:
    assert record.detail is not None  # only records with a detail are put
    return record.detail


def _chunk_end(records: Sequence[StreamRecord], start: int) -> int:
    """End (exclusive) of the chunk from ``start``: at most ten events, one per card, and a
    record that cannot be published closes it (it is reported, not sent)."""
    cards: set[str] = set()
    index = start
    while index < len(records):
        record = records[index]
        if record.problem:
            return index + 1
        if record.detail is not None:
            if len(cards) == MAX_ENTRIES or record.detail.card_id in cards:
                return index
            cards.add(record.detail.card_id)
        index += 1
    return index


def _error_code(exc: Exception) -> str:
    """The AWS error code of an SDK error, else its class name (never its text)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__
