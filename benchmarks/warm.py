"""Warm latency per operation, in process through the REST handler, against the raw DynamoDB
calls the operation makes (replayed with the same client, interleaved with the app's calls)."""

from __future__ import annotations

import copy
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.harness import (
    BENCH_CUSTOMER,
    Stack,
    history_event,
    list_event,
    rest_call,
    write_event,
)
from benchmarks.roundtrips import pending_card_id

KEY_ATTRIBUTES = ("idempotency_key", "card_id", "customer_id")
#: Warm lock p50 at most this many times the p50 of its raw DynamoDB calls.
WARM_BUDGET = 1.5


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class Latency:
    """Seconds per call of one operation, and of the raw DynamoDB calls it makes."""

    operation: str
    app: list[float]
    floor: list[float]
    calls: list[str]
    budget: float | None = None

    def app_p(self, q: float) -> float:
        """A percentile of the app, in milliseconds."""
        return percentile(self.app, q) * 1000

    @property
    def floor_p50(self) -> float:
        """The floor's median, in milliseconds."""
        return statistics.median(self.floor) * 1000

    @property
    def ratio(self) -> float:
        """App p50 over floor p50."""
        return self.app_p(0.5) / self.floor_p50


class Recorder:
    """Records the DynamoDB calls (operation, parameters) the app makes, to replay them raw."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.recording = False
        client.meta.events.register(
            "before-parameter-build.dynamodb", self._record, unique_id="bench-recorder"
        )

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if self.recording:
            self.calls.append((model.name, copy.deepcopy(params)))

    def capture(self, action: Callable[[], Any]) -> list[tuple[str, dict[str, Any]]]:
        """Run ``action`` and return the calls it made."""
        self.calls, self.recording = [], True
        try:
            action()
        finally:
            self.recording = False
        return self.calls

    def prepare(self, calls: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
        """Issuing ``calls`` directly (transactions on fresh keys, so that they commit), with the
        parameters built before the clock starts: the floor is only what the client does."""
        from botocore import xform_name

        methods = [
            (
                getattr(self.client, xform_name(name)),
                _on_fresh_keys(params) if name == "TransactWriteItems" else params,
            )
            for name, params in calls
        ]

        def replay() -> None:
            for method, params in methods:
                method(**params)

        return replay


def _on_fresh_keys(params: dict[str, Any]) -> dict[str, Any]:
    """The same transaction with every ``Put`` moved to a new key (``attribute_not_exists``),
    so it commits every time: same items, same sizes, same number of actions."""
    fresh = copy.deepcopy(params)
    suffix = uuid.uuid4().hex[:12].upper()
    for action in fresh["TransactItems"]:
        put = action.get("Put")
        if put is None:
            continue
        item = put["Item"]
        key = next(name for name in KEY_ATTRIBUTES if name in item)
        item[key] = {"S": f"{item[key]['S'][:16]}F{suffix}"}
        put["ConditionExpression"] = f"attribute_not_exists({key})"
        put.pop("ExpressionAttributeNames", None)
        put.pop("ExpressionAttributeValues", None)
    fresh.pop("ClientRequestToken", None)
    return fresh


def _timed(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _ok(event: dict[str, Any]) -> dict[str, Any]:
    status, body = rest_call(event)
    if status >= 300:
        raise RuntimeError(f"{event['path']} answered {status}: {body}")
    return body


def _measure(
    recorder: Recorder, name: str, events: list[dict[str, Any]], budget: float | None = None
) -> Latency:
    """Run each event through the handler, alternating with a raw replay of its calls."""
    calls = recorder.capture(lambda: _ok(events[0]))
    app_times, floor_times = [], []
    for event in events[1:]:
        app_times.append(_timed(lambda event=event: _ok(event)))
        floor_times.append(_timed(recorder.prepare(calls)))
    return Latency(name, app_times, floor_times, [call for call, _ in calls], budget)


def warm_latencies(stack: Stack, samples: int) -> list[Latency]:
    """Every operation ``samples`` times (after one captured warm-up)."""
    from chalicelib.runtime import dynamodb_client

    recorder = Recorder(dynamodb_client())
    n = samples + 1
    card, locked = stack.add_cards("WL", 2)
    _ok(write_event("lock", BENCH_CUSTOMER, locked))
    results: list[Latency] = []
    lock_unlock = [
        write_event(op, BENCH_CUSTOMER, card) for _ in range(n) for op in ("lock", "unlock")
    ]
    both = _measure(recorder, "lock+unlock", lock_unlock)
    # Alternating events: the even samples are locks, the odd ones unlocks.
    for name, offset, budget in [("lock", 1, WARM_BUDGET), ("unlock", 0, None)]:
        results.append(
            Latency(name, both.app[offset::2], both.floor[offset::2], both.calls, budget)
        )
    no_op = [write_event("lock", BENCH_CUSTOMER, locked) for _ in range(n)]
    results.append(_measure(recorder, "lock (no-op)", no_op))
    fresh = stack.add_cards("WN", n)
    request_new = [
        write_event(
            "request-new", BENCH_CUSTOMER, c, reason="damaged", idempotency_key=uuid.uuid4().hex
        )
        for c in fresh
    ]
    new_cards: list[str] = []
    calls = recorder.capture(lambda: new_cards.append(_new_card(request_new[0])))
    app_times, floor_times = [], []
    for event in request_new[1:]:
        app_times.append(_timed(lambda event=event: new_cards.append(_new_card(event))))
        floor_times.append(_timed(recorder.prepare(calls)))
    results.append(Latency("request-new", app_times, floor_times, [c for c, _ in calls]))
    results.append(_measure(recorder, "request-new (replay)", [request_new[0]] * n))
    activate = [write_event("activate", BENCH_CUSTOMER, c) for c in new_cards]
    results.append(_measure(recorder, "activate (closes replaced)", activate))
    results.append(_measure(recorder, "list cards", [list_event("CUST001")] * n))
    results.append(_measure(recorder, "history", [history_event("CUST001", "CARD001")] * n))
    return results


def _new_card(event: dict[str, Any]) -> str:
    card = pending_card_id(_ok(event))
    if card is None:
        raise RuntimeError("request-new answered no pending card")
    return card
