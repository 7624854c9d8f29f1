"""Fault injection below the SDK: a ``before-send`` hook answers instead of the network, so
botocore's real retry logic (standard mode, our attempt budget) runs on the fake answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def aws_error(status: int, code: str, message: str = "injected", **extra: Any) -> AWSResponse:
    """A DynamoDB-style JSON error response."""
    body = json.dumps(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    )
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
    return AWSResponse("https://dynamodb.invalid", status, headers, _Raw(body.encode()))


def cancelled(reasons: list[str]) -> AWSResponse:
    """A TransactionCanceledException with one cancellation reason per action."""
    return aws_error(
        400,
        "TransactionCanceledException",
        "Transaction cancelled",
        CancellationReasons=[{"Code": code} for code in reasons],
    )


class FaultInjector:
    """Answers chosen DynamoDB operations with faults; counts every attempt it sees."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._rules: dict[str, Callable[[int], AWSResponse | None]] = {}
        self.attempts: dict[str, int] = {}
        client.meta.events.register("before-send.dynamodb", self)

    def on(self, operation: str, answer: Callable[[int], AWSResponse | None]) -> None:
        """``answer(n)`` for the n-th attempt (from 1); ``None`` lets the request through."""
        self._rules[operation] = answer

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = request.headers.get("X-Amz-Target", b"").decode().split(".")[-1]
        self.attempts[operation] = self.attempts.get(operation, 0) + 1
        rule = self._rules.get(operation)
        return rule(self.attempts[operation]) if rule else None

    def close(self) -> None:
        self._client.meta.events.unregister("before-send.dynamodb", self)
