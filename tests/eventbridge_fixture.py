"""EventBridge for the card-events tests: moto's server in this process, a bus, a rule, a queue.

moto is the right tool here: its EventBridge routes ``PutEvents`` through rules to an SQS target
in one process, and the tests call it from one thread. The app reaches it through the SDK's own
``AWS_ENDPOINT_URL_EVENTBRIDGE`` setting (no test-only code path in the app). Not faithful: moto
delivers in the order events were put, while EventBridge promises no order (consumers order by
``version``; docs/EVENTS.md), and it checks no IAM.

``PutEventsFaults`` is a botocore ``before-send`` hook: it throttles or fails whole calls, or
fails chosen entries while sending the others to moto for real, so botocore's retry logic and
the publisher's partial-failure handling run on realistic answers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.httpsession import URLLib3Session

from chalicelib.publishing.detail import SOURCE
from scripts.dynamodb_local_process import free_port
from tests.dynamodb_local_fixture import REGION, reset_app_caches
from tests.faults import _Raw, aws_error


@dataclass(frozen=True)
class CardEventBus:
    """A bus with a rule sending every card event to ``queue_url``; clients to both."""

    endpoint: str
    name: str
    queue_url: str
    events: Any
    sqs: Any

    def add_rule(self, name: str, pattern: dict[str, Any]) -> str:
        """A further rule on the bus routing ``pattern`` to a new queue; its URL."""
        queue_url = self.sqs.create_queue(QueueName=f"{self.name}-{name}")["QueueUrl"]
        _route(self, name, pattern, queue_url)
        return queue_url

    def received(self, queue_url: str | None = None) -> list[dict[str, Any]]:
        """Every event the queue holds (EventBridge envelopes), oldest first; drains it."""
        url = queue_url or self.queue_url
        envelopes: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return envelopes
            for message in messages:
                envelopes.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _route(bus: CardEventBus, rule: str, pattern: dict[str, Any], queue_url: str) -> None:
    bus.events.put_rule(Name=rule, EventBusName=bus.name, EventPattern=json.dumps(pattern))
    arn = bus.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    target = {"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}
    bus.events.put_targets(Rule=rule, EventBusName=bus.name, Targets=[target])


def client(service: str, endpoint: str) -> Any:
    """A client of moto's server (dummy credentials)."""
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server, in a thread of this test process, on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def card_event_bus(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CardEventBus]:
    """A fresh bus routing ``source: betterbank.cards`` to a fresh queue; the app points at it."""
    name = f"betterbank-cards-t{secrets.token_hex(4)}"
    events, sqs = client("events", moto_endpoint), client("sqs", moto_endpoint)
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=f"{name}-all")["QueueUrl"]
    bus = CardEventBus(moto_endpoint, name, queue_url, events, sqs)
    _route(bus, "all-card-events", {"source": [SOURCE]}, queue_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", moto_endpoint)
    monkeypatch.setenv("CARD_EVENTS_BUS", name)
    reset_app_caches()
    yield bus
    monkeypatch.undo()
    reset_app_caches()


@dataclass
class PutEventsFaults:
    """Faults for ``PutEvents`` on one client; ``calls`` counts the attempts that reached it.

    ``whole_call(n)`` may answer the n-th attempt with an error response; ``entry_error(detail,
    n)`` may name an error code for one entry of the n-th attempt, and the other entries of that
    attempt are sent to moto for real.
    """

    whole_call: Callable[[int], AWSResponse | None] = lambda _n: None
    entry_error: Callable[[dict[str, Any], int], str | None] = lambda _detail, _n: None
    calls: int = 0
    _http: URLLib3Session = field(default_factory=URLLib3Session)

    def attach(self, events_client: Any) -> PutEventsFaults:
        """Answer this client's ``PutEvents`` calls from now on."""
        events_client.meta.events.register("before-send.eventbridge.PutEvents", self)
        return self

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.calls += 1
        answer = self.whole_call(self.calls)
        if answer is not None:
            return answer
        body = json.loads(request.body)
        entries = body["Entries"]
        errors = [self.entry_error(json.loads(e["Detail"]), self.calls) for e in entries]
        if not any(errors):
            return None
        passing = [e for e, error in zip(entries, errors, strict=True) if not error]
        results: list[dict[str, Any]] = []
        if passing:
            results = self._send(request, {**body, "Entries": passing})
        answers = [
            {"ErrorCode": error, "ErrorMessage": "injected"} if error else results.pop(0)
            for error in errors
        ]
        failed = sum(1 for error in errors if error)
        payload = json.dumps({"FailedEntryCount": failed, "Entries": answers}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "injected"}
        return AWSResponse(request.url, 200, headers, _Raw(payload))

    def _send(self, request: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
        request.body = json.dumps(body).encode()
        request.headers["Content-Length"] = str(len(request.body))
        response = self._http.send(request)
        entries: list[dict[str, Any]] = json.loads(response.content)["Entries"]
        return entries


def throttled(status: int = 400) -> AWSResponse:
    """EventBridge's throttling answer to a whole call."""
    return aws_error(status, "ThrottlingException", "Rate exceeded")
