"""Card events: what publishing costs per shard, and what it adds to a change (nothing).

Throughput: stream batches of the mapping's size, in Lambda's shape, handed one after another
to the publisher (one shard is processed one batch at a time), once with an in-process
EventBridge that answers at once (the publisher's own cost: parse, model, JSON, cutting calls)
and once with moto's EventBridge server on 127.0.0.1 (plus botocore and HTTP). Distinct cards
fill calls of ten; one hot card takes one call per event.

Write path: the stream is asynchronous, so a change's latency does not include publishing.
Measured anyway on the emulator, alternating the same lock/unlock on tables with and without
the card-events stream.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import REGION, Stack
from chalicelib.clients import API_DYNAMODB_BUDGET, EVENTS_BUDGET, make_client
from chalicelib.commands import Caller, WriteCommand
from chalicelib.publishing import STREAM_BATCH_SIZE
from chalicelib.publishing.publisher import CardEventPublisher
from chalicelib.publishing.stream import handle_stream_batch
from chalicelib.service import CardService
from chalicelib.settings import Settings
from chalicelib.store.dynamodb import CardStore
from chalicelib.store.tables import create_table_request, table_names
from scripts._common import logical_names
from scripts.seed_data import seed
from tests.stream_batches import event_values, stream_event, stream_record

EVENTS = 2_000
CALLER = Caller(channel="api", actor="bench", request_id="bench-events")


@dataclass(frozen=True)
class PublishRun:
    """One throughput run: what was published, through what, how fast."""

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
    """An EventBridge that accepts every entry at once (counts the calls)."""

    calls: int = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "x"} for _ in Entries]}


@dataclass
class PublisherFigures:
    """The section's numbers."""

    runs: list[PublishRun] = field(default_factory=list)
    write_ms: dict[str, list[float]] = field(default_factory=dict)


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _batches(cards: int) -> list[dict[str, Any]]:
    records = [
        stream_record(event_values(f"CARDB{n % cards:05d}", 2 + n // cards), n + 1)
        for n in range(EVENTS)
    ]
    return [
        stream_event(*records[i : i + STREAM_BATCH_SIZE])
        for i in range(0, EVENTS, STREAM_BATCH_SIZE)
    ]


def _run(label: str, client: Any, cards: int, count_calls: Any) -> PublishRun:
    publisher = CardEventPublisher(client, "betterbank-cards-bench")
    batches = _batches(cards)
    before = count_calls()
    began = time.perf_counter()
    for batch in batches:
        answer = handle_stream_batch(batch, _Context(), publisher)
        assert answer == {"batchItemFailures": []}, answer
    return PublishRun(label, EVENTS, count_calls() - before, time.perf_counter() - began)


def _moto_client() -> tuple[Any, Any]:
    import logging

    from moto.server import ThreadedMotoServer

    from scripts.dynamodb_local_process import free_port

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = make_client("events", EVENTS_BUDGET, REGION, f"http://{host}:{port}")
    client.create_event_bus(Name="betterbank-cards-bench")
    return server, client


def throughput() -> list[PublishRun]:
    """Distinct cards and one hot card, against the instant fake and moto's server."""
    instant = Instant()
    runs = [_run("in process, instant EventBridge", instant, 500, lambda: instant.calls)]
    server, client = _moto_client()
    calls: list[int] = [0]
    client.meta.events.register("before-send.eventbridge.PutEvents", lambda **_: calls.append(1))
    try:
        runs.append(_run("moto EventBridge over HTTP", client, 500, lambda: len(calls) - 1))
        runs.append(_run("moto, one hot card", client, 1, lambda: len(calls) - 1))
    finally:
        server.stop()
    return runs


def _tables_without_stream(stack: Stack) -> dict[str, str]:
    """The four tables again, seeded, with no stream on the card-events table."""
    names = table_names("benchnostream")
    for logical, name in logical_names(names).items():
        request = create_table_request(logical, name)
        request.pop("StreamSpecification", None)
        stack.admin.create_table(**request)
    seed(stack.admin, names, fresh_tables=True)
    return names


def _service(stack: Stack, names: dict[str, str]) -> CardService:
    settings = Settings.from_environ({**names, "DYNAMODB_ENDPOINT": stack.local.endpoint})
    client = make_client("dynamodb", API_DYNAMODB_BUDGET, REGION, stack.local.endpoint)
    return CardService(CardStore(client, settings))


def write_path(stack: Stack, samples: int) -> dict[str, list[float]]:
    """Lock/unlock latency (ms) of CARD001 with and without the stream, alternating."""
    services = {
        "with the card-events stream": _service(stack, stack.names),
        "without a stream": _service(stack, _tables_without_stream(stack)),
    }
    timings: dict[str, list[float]] = {label: [] for label in services}
    for index in range(samples + 2):
        operation = "lock" if index % 2 == 0 else "unlock"
        for label, service in services.items():
            command = WriteCommand(operation, "CUST001", "CARD001", {"reason": "misplaced"})
            began = time.perf_counter()
            use_case = service.lock_card if operation == "lock" else service.unlock_card
            use_case(command, CALLER)
            if index >= 2:  # the first lock and unlock warm the clients
                timings[label].append((time.perf_counter() - began) * 1000)
    return timings


def measure(stack: Stack, samples: int) -> PublisherFigures:
    """Both measurements."""
    return PublisherFigures(runs=throughput(), write_ms=write_path(stack, samples))


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q * 100) - 1]


def section(f: PublisherFigures) -> list[str]:
    """The document's section."""
    from benchmarks.markdown_sections import markdown_table

    runs = [
        [
            r.label,
            str(r.events),
            str(r.calls),
            f"{r.seconds * 1000 / (r.events / STREAM_BATCH_SIZE):.1f}",
            f"{r.per_second:,.0f}",
        ]
        for r in f.runs
    ]
    writes = [
        [label, f"{_p(ms, 0.5):.2f}", f"{_p(ms, 0.9):.2f}", f"{_p(ms, 0.99):.2f}", str(len(ms))]
        for label, ms in f.write_ms.items()
    ]
    return [
        "## Card events",
        "",
        f"Publisher throughput on one shard: {EVENTS} stream records in batches of "
        f"{STREAM_BATCH_SIZE}, handed one after another to `handle_stream_batch` in process.",
        "",
        markdown_table(
            ["EventBridge", "events", "PutEvents calls", "ms per batch", "events/s per shard"], runs
        ),
        "",
        "On AWS a shard's rate is bounded by the PutEvents round trip: at most ten events per "
        "call (one per card), so about 10,000 / (call latency in ms) events/s per shard, "
        "e.g. 500/s at 20 ms; a hot card goes one event per call. The stream has one shard "
        "per table partition, processed in parallel.",
        "",
        "Added latency per change: none by design. The publisher reads the stream after the "
        "transaction committed; the write path's requests are the same (round-trip table "
        "above). On DynamoDB Local, the same lock/unlock alternating on tables with and without "
        "the stream, in the same run:",
        "",
        markdown_table(["tables", "p50 ms", "p90 ms", "p99 ms", "samples"], writes),
        "",
    ]


def summary(f: PublisherFigures) -> list[str]:
    """Lines for the terminal."""
    lines = [f"{r.label:<34} {r.per_second:9,.0f} events/s per shard" for r in f.runs]
    lines += [f"write p50 {label:<28} {_p(ms, 0.5):6.2f} ms" for label, ms in f.write_ms.items()]
    return lines
