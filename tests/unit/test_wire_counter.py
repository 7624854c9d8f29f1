"""The wire counter the round-trip tests and ``make bench`` share: it counts what a client sends,
once per request, only while attached."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.session import Session

from tests.wire_counter import WireCounter


class _Body:
    def stream(self, **_: Any) -> Any:
        yield b"{}"


def _answer_at_once(request: Any, **_: Any) -> AWSResponse:
    """``before-send``: DynamoDB's empty answer, without any network."""
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.0"}, _Body())


def _client() -> Any:
    client = Session().create_client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    client.meta.events.register("before-send.dynamodb", _answer_at_once)
    return client


def _two_calls(client: Any) -> str:
    client.get_item(TableName="cards", Key={"card_id": {"S": "CARD001"}})
    client.query(TableName="events", KeyConditionExpression="card_id = :c")
    return "answered"


def test_it_counts_each_request_by_operation_and_returns_the_answer() -> None:
    client, counter = _client(), WireCounter()
    counter.attach(client)
    counter.attach(client)  # twice: still one count per request
    assert counter.record(lambda: _two_calls(client)) == (["GetItem", "Query"], "answered")
    assert counter.measure(lambda: _two_calls(client)) == 2


def test_it_counts_nothing_once_detached() -> None:
    client, counter = _client(), WireCounter()
    counter.attach(client)
    counter.detach(client)
    assert counter.measure(lambda: _two_calls(client)) == 0
