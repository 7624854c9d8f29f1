"""Warm latency per operation, in process through the REST handler, against the raw DynamoDB
calls the operation makes: recorded from the app's own client, replayed with it, each sample
of the app alternating with a replay (a transaction replays on fresh keys, so it commits)."""

from __future__ import annotations

import copy
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import BENCH_CUSTOMER, Stack, read_event, rest_call, write_event

KEY_ATTRIBUTES = ("idempotency_key", "card_id", "customer_id")
#: Warm lock p50 at most this many times the p50 of its raw DynamoDB calls.
WARM_BUDGET = 1.5
Calls = list[tuple[str, dict[str, Any]]]


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass(frozen=True)
class Latency:
    """Seconds per call of one operation, and of the raw DynamoDB calls it makes."""

    operation: str
    app: list[float]
    floor: list[float]
    calls: list[str]
    budget: float | None = None

    def app_ms(self, q: float) -> float:
        """A percentile of the app, in milliseconds."""
        return percentile(self.app, q) * 1000

    @property
    def floor_ms(self) -> float:
        """The floor's median, in milliseconds."""
        return statistics.median(self.floor) * 1000

    @property
    def ratio(self) -> float:
        """App p50 over floor p50."""
        return self.app_ms(0.5) / self.floor_ms

    @property
    def within(self) -> bool:
        """No budget, or the ratio meets it."""
        return self.budget is None or self.ratio <= self.budget


class Recorder:
    """Records the DynamoDB calls (operation, parameters) the app makes, to replay them raw."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: Calls = []
        self.recording = False
        client.meta.events.register(
            "before-parameter-build.dynamodb", self._record, unique_id=f"bench-recorder-{id(self)}"
        )

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.recording:
            self.calls.append((model.name, copy.deepcopy(params)))

    def capture(self, action: Callable[[], Any]) -> Calls:
        """Run ``action`` and return the calls it made."""
        self.calls, self.recording = [], True
        try:
            action()
        finally:
            self.recording = False
        return self.calls

    def replay(self, calls: Calls, tables: dict[str, str] | None = None) -> Callable[[], None]:
        """Issuing ``calls`` directly (on other ``tables`` if given: ``{name: other name}``),
        parameters built before the clock starts: the floor is only what the client does."""
        from botocore import xform_name

        methods = [
            (getattr(self.client, xform_name(name)), _prepared(name, params, tables or {}))
            for name, params in calls
        ]

        def replay() -> None:
            for method, params in methods:
                method(**params)

        return replay


def _prepared(name: str, params: dict[str, Any], tables: dict[str, str]) -> dict[str, Any]:
    """A copy of ``params`` on ``tables``; a transaction's ``Put``s moved to new keys
    (``attribute_not_exists``) so that it commits every time: same items, same sizes."""
    fresh = copy.deepcopy(params)
    actions = [next(iter(action.values())) for action in fresh.get("TransactItems", [])]
    for part in [fresh, *actions]:
        if "TableName" in part:
            part["TableName"] = tables.get(part["TableName"], part["TableName"])
    if name != "TransactWriteItems":
        return fresh
    suffix = uuid.uuid4().hex[:12].upper()
    for put in (action["Put"] for action in fresh["TransactItems"] if "Put" in action):
        key = next(name for name in KEY_ATTRIBUTES if name in put["Item"])
        put["Item"][key] = {"S": f"{put['Item'][key]['S'][:16]}F{suffix}"}
        put["ConditionExpression"] = f"attribute_not_exists({key})"
        put.pop("ExpressionAttributeNames", None)
        put.pop("ExpressionAttributeValues", None)
    fresh.pop("ClientRequestToken", None)
    return fresh


def _timed(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _ok(event: dict[str, Any]) -> None:
    status, body = rest_call(event)
    if status >= 300:
        raise RuntimeError(f"{event['path']} answered {status}: {body}")


def _measure(recorder: Recorder, name: str, events: list[dict[str, Any]]) -> Latency:
    """Run each event through the handler, alternating with a raw replay of its calls."""
    calls = recorder.capture(lambda: _ok(events[0]))
    app, floor = [], []
    for event in events[1:]:
        app.append(_timed(lambda event=event: _ok(event)))
        floor.append(_timed(recorder.replay(calls)))
    return Latency(name, app, floor, [call for call, _ in calls])


def warm_latencies(stack: Stack, samples: int) -> list[Latency]:
    """Each operation ``samples`` times, after one warm-up whose calls are recorded."""
    from chalicelib.runtime import dynamodb_client

    recorder = Recorder(dynamodb_client())
    n = samples + 1
    card, locked = stack.new_cards(2)
    _ok(write_event("lock", BENCH_CUSTOMER, locked))
    pairs = [write_event(op, BENCH_CUSTOMER, card) for _ in range(n) for op in ("lock", "unlock")]
    both = _measure(recorder, "lock+unlock", pairs)
    # Alternating events: the odd samples are locks, the even ones unlocks.
    return [
        Latency("lock", both.app[1::2], both.floor[1::2], both.calls, WARM_BUDGET),
        Latency("unlock", both.app[::2], both.floor[::2], both.calls),
        _measure(recorder, "lock (no-op)", [write_event("lock", BENCH_CUSTOMER, locked)] * n),
        _measure(recorder, "list cards", [read_event("CUST001")] * n),
        _measure(recorder, "history", [read_event("CUST001", "CARD001")] * n),
    ]


def write_path(stack: Stack, samples: int) -> dict[str, list[float]]:
    """A lock's DynamoDB calls (ms), replayed on tables with and without the card-events
    stream, alternating: the app's code is the same either way, the stream is the difference."""
    from chalicelib.runtime import dynamodb_client

    recorder = Recorder(dynamodb_client())
    other = stack.tables_without_stream()
    calls = recorder.capture(lambda: _ok(write_event("lock", "CUST001", "CARD001")))
    tables = {
        "with the card-events stream": {},
        "without a stream": {stack.names[variable]: name for variable, name in other.items()},
    }
    timings: dict[str, list[float]] = {label: [] for label in tables}
    for _ in range(samples):
        for label, names in tables.items():
            timings[label].append(_timed(recorder.replay(calls, names)) * 1000)
    return timings
