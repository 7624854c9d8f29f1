"""Test doubles for the Connect session Lambda: an in-memory customer directory, faults below
the SDK (``before-send`` hooks, so botocore's real retry logic runs) and misbehaving TCP servers
on 127.0.0.1 that exercise the real socket timeouts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from chalicelib.clients import (
    CONNECT_DESCRIBE_BUDGET,
    CONNECT_DYNAMODB_BUDGET,
    QCONNECT_BUDGET,
    ClientBudget,
    endpoint_credentials,
)
from chalicelib.connect.handler import ConnectDependencies, handle_contact_flow_event
from chalicelib.domain import Card, Customer

EVENTS = Path(__file__).parents[1] / "events" / "connect"
REGION = "us-east-1"
INSTANCE_ID = "6f4d8c2a-1b3e-4f5a-9c7d-2e8b0a4f6c1d"
ASSISTANT_ID = "3e1f9a7b-5c2d-4e8f-a6b0-7d9c1e3f5a2b"
SESSION_ID = "b7c5e3a1-9f2d-4b6e-8a0c-1d3f5b7e9a2c"
SESSION_ARN = f"arn:aws:wisdom:us-east-1:123456789012:session/{ASSISTANT_ID}/{SESSION_ID}"
#: Every caller's number that appears in the sample events and the seed data.
PHONES = ("+15555550101", "+15555550102", "+15555550103", "+15555550199", "555-0101", "5550101")


def load_event(name: str) -> dict[str, Any]:
    """A sample ContactFlowEvent from ``tests/events/connect``."""
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


def _card(card_id: str, customer_id: str, *spec: str) -> Card:
    """A card from ``product, brand, last4, status``."""
    product, brand, last4, status = spec
    return Card(card_id, customer_id, product, brand, last4, "09/29", status, 1, "t0", "t0")


SEED_CUSTOMERS = (
    Customer("CUST001", "Alice", "Martin", "active"),
    Customer("CUST002", "Brian", "Okafor", "active"),
    Customer("CUST003", "Chen", "Wei", "active"),
)
SEED_PHONES = {"+15555550101": "CUST001", "+15555550102": "CUST002", "+15555550103": "CUST003"}
SEED_CARDS = (
    _card("CARD001", "CUST001", "debit", "visa", "4821", "active"),
    _card("CARD002", "CUST001", "credit", "mastercard", "1934", "active"),
    _card("CARD003", "CUST002", "debit", "visa", "7710", "active"),
    _card("CARD004", "CUST002", "credit", "visa", "3056", "locked"),
    _card("CARD005", "CUST003", "debit", "mastercard", "6642", "active"),
)


@dataclass
class InMemoryDirectory:
    """The demo customers and cards, behind the ``CustomerDirectory`` reads."""

    customers: dict[str, Customer] = field(
        default_factory=lambda: {c.customer_id: c for c in SEED_CUSTOMERS}
    )
    phones: dict[str, list[str]] = field(
        default_factory=lambda: {p: [c] for p, c in SEED_PHONES.items()}
    )
    cards: list[Card] = field(default_factory=lambda: list(SEED_CARDS))
    phone_queries: list[str] = field(default_factory=list)

    def get_customer(self, customer_id: str) -> Customer | None:
        return self.customers.get(customer_id)

    def customers_with_phone(self, phone: str) -> list[Customer]:
        self.phone_queries.append(phone)
        return [self.customers[c] for c in self.phones.get(phone, [])]

    def cards_of(self, customer_id: str) -> list[Card]:
        return [c for c in self.cards if c.customer_id == customer_id]


#: One session for every test client: it parses each service model once (connect's is large),
#: where ``make_client``'s fresh session per client would take ~0.5 s per test.
_SESSION = boto3.session.Session()


def _client(service: str, budget: ClientBudget, endpoint_url: str | None) -> Any:
    """Like ``chalicelib.clients.make_client`` (same budget config), from the shared session."""
    kwargs: dict[str, Any] = {"region_name": REGION, "config": budget.config()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    kwargs.update(endpoint_credentials(endpoint_url))
    return _SESSION.client(service, **kwargs)


def qconnect_client(endpoint_url: str | None = None) -> Any:
    """A ``qconnect`` client with the production budget."""
    return _client("qconnect", QCONNECT_BUDGET, endpoint_url)


def connect_client(endpoint_url: str | None = None) -> Any:
    """A ``connect`` client with the production budget."""
    return _client("connect", CONNECT_DESCRIBE_BUDGET, endpoint_url)


def dynamodb_client(endpoint_url: str | None = None) -> Any:
    """A DynamoDB client with the Connect Lambda's budget."""
    return _client("dynamodb", CONNECT_DYNAMODB_BUDGET, endpoint_url)


def dependencies(
    directory: Any = None, connect: Any = None, qconnect: Any = None
) -> ConnectDependencies:
    """Dependencies with fresh production-budget clients unless given."""
    return ConnectDependencies(
        directory=directory if directory is not None else InMemoryDirectory(),
        connect=connect if connect is not None else connect_client(),
        qconnect=qconnect if qconnect is not None else qconnect_client(),
    )


@dataclass
class FakeLambdaContext:
    """The part of the Lambda context the handler reads: time left, counting down."""

    remaining_ms: float = 7000.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_ms - (time.monotonic() - self.started) * 1000)


# -- faults below the SDK --------------------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def rest_json_error(status: int, code: str) -> AWSResponse:
    """An error answer as the REST-JSON services (qconnect, connect) send one."""
    body = json.dumps({"message": "injected"}).encode()
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:http://internal"}
    return AWSResponse("https://fault.invalid", status, headers, _Raw(body))


class SendHook:
    """Answers every attempt of one operation with ``answer(n)`` (n from 1); counts attempts."""

    def __init__(self, client: Any, event: str, answer: Callable[[int], Any]) -> None:
        self.attempts = 0
        self._answer = answer
        self._lock = threading.Lock()
        client.meta.events.register(event, self)

    def __call__(self, request: Any, **_: Any) -> Any:
        with self._lock:
            self.attempts += 1
            attempt = self.attempts
        return self._answer(attempt)


# -- misbehaving servers ---------------------------------------------------------------------


class _Server:
    """A TCP server on 127.0.0.1 that handles each connection in its own thread."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def start(self) -> None:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            worker = threading.Thread(target=self.serve, args=(connection,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def serve(self, connection: socket.socket) -> None:
        """Hold the connection open and never answer."""
        self._stop.wait()

    def stop(self) -> None:
        self._stop.set()
        for connection in self._connections:
            connection.close()
        self._socket.close()
        for thread in self._threads:
            thread.join(timeout=2)


class _TrickleServer(_Server):
    """Answers one header byte every 0.1 s, forever: no socket read ever times out."""

    def serve(self, connection: socket.socket) -> None:
        payload = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
        for byte in payload:
            if self._stop.wait(0.1):
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return


@contextmanager
def blackhole_server() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hung AWS endpoint)."""
    server = _Server()
    server.start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@contextmanager
def full_backlog_server() -> Iterator[str]:
    """An endpoint whose accept queue is full: the kernel drops new connections' SYNs, so a
    client's connect attempt hangs until its connect timeout (a black-holed route)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@contextmanager
def trickle_server() -> Iterator[str]:
    """An endpoint that answers too slowly for any read timeout to notice."""
    server = _TrickleServer()
    server.start()
    try:
        yield server.endpoint
    finally:
        server.stop()


# -- timing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """One invocation's answer and wall time."""

    answer: dict[str, str]
    seconds: float


def invoke_concurrently(
    event: dict[str, Any], deps: ConnectDependencies, runs: int = 10, context: Any = None
) -> list[Timed]:
    """Invoke the handler ``runs`` times at once, each timing itself (worst case in parallel)."""

    def one(_: int) -> Timed:
        started = time.perf_counter()
        answer = handle_contact_flow_event(event, context or FakeLambdaContext(), lambda: deps)
        return Timed(answer, time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=runs) as pool:
        return list(pool.map(one, range(runs)))
