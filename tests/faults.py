"""Fault injection below the SDK: a ``before-send`` hook answers instead of the network, so
botocore's real retry logic (standard mode, our attempt budget) runs on the fake answers.

An answer can also be an exception the hook raises (``READ_TIMEOUT``: botocore treats it as the
socket timing out and retries it), or ``LOST_RESPONSE``: the hook sends the real request itself,
lets DynamoDB commit it, and then raises a read timeout, as when a response is lost on the way
back. The SDK then retries a transaction that already happened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session

#: Answer markers: raise a read timeout; send for real, then lose the response.
READ_TIMEOUT = "read-timeout"
LOST_RESPONSE = "lost-response"
Answer = AWSResponse | str | None


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
        self._rules: dict[str, Callable[[int], Answer]] = {}
        self.attempts: dict[str, int] = {}
        #: Requests that reached DynamoDB although the SDK was told they failed.
        self.lost: list[str] = []
        self._http: URLLib3Session | None = None
        client.meta.events.register("before-send.dynamodb", self)

    def on(self, operation: str, answer: Callable[[int], Answer]) -> None:
        """``answer(n)`` for the n-th attempt (from 1): a response, ``READ_TIMEOUT``,
        ``LOST_RESPONSE``, or ``None`` to let the request through."""
        self._rules[operation] = answer

    def clear(self) -> None:
        """Forget every rule (attempt counts stay)."""
        self._rules.clear()

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        operation = request.headers.get("X-Amz-Target", b"").decode().split(".")[-1]
        self.attempts[operation] = self.attempts.get(operation, 0) + 1
        rule = self._rules.get(operation)
        answer = rule(self.attempts[operation]) if rule else None
        if answer == READ_TIMEOUT:
            raise ReadTimeoutError(endpoint_url=request.url)
        if answer == LOST_RESPONSE:
            if self._http is None:
                self._http = URLLib3Session(timeout=10)
            delivered = self._http.send(request)
            self.lost.append(f"{operation} {delivered.status_code}")
            raise ReadTimeoutError(endpoint_url=request.url)
        assert answer is None or isinstance(answer, AWSResponse), answer
        return answer

    def close(self) -> None:
        self._client.meta.events.unregister("before-send.dynamodb", self)
        if self._http is not None:
            self._http.close()
