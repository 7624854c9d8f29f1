"""The Connect Lambda under AWS misbehaving: every fault gets the right status within 6.5 s.

Faults are injected below the SDK, so botocore's real timeouts and retry logic run: hung and
unreachable endpoints are real TCP servers on 127.0.0.1 (the client's own connect and read
timeouts fire), throttling and 5xx are answers from a ``before-send`` hook. Each scenario runs
ten invocations at once and asserts the worst wall time, measured inside each invocation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from chalicelib.settings import Settings
from chalicelib.store.dynamodb import CardStore
from tests.fakes.connect import (
    FakeLambdaContext,
    SendHook,
    Timed,
    blackhole_server,
    connect_client,
    dependencies,
    dynamodb_client,
    full_backlog_server,
    invoke_concurrently,
    load_event,
    qconnect_client,
    rest_json_error,
    trickle_server,
)
from tests.faults import aws_error

LIMIT_SECONDS = 6.5
RUNS = 10
UPDATE = "before-send.qconnect.UpdateSessionData"
DESCRIBE = "before-send.connect.DescribeContact"
ALICE_ERROR = {
    "status": "ERROR",
    "customerFound": "true",
    "customerId": "CUST001",
    "firstName": "Alice",
    "cardCount": "2",
    "sessionUpdated": "false",
}
BRIAN_ERROR = {**ALICE_ERROR, "customerId": "CUST002", "firstName": "Brian"}
NOBODY_ERROR = {
    "status": "ERROR",
    "customerFound": "false",
    "customerId": "",
    "firstName": "",
    "cardCount": "0",
    "sessionUpdated": "false",
}


def worst(results: list[Timed], expected: dict[str, str]) -> float:
    """Every answer is ``expected``; returns the worst wall time (asserted under the limit)."""
    assert len(results) == RUNS
    assert [r.answer for r in results] == [expected] * RUNS
    slowest = max(r.seconds for r in results)
    print(f"worst of {RUNS}: {slowest:.2f} s")
    assert slowest < LIMIT_SECONDS
    return slowest


@pytest.fixture
def hung_endpoint() -> Iterator[str]:
    with blackhole_server() as endpoint:
        yield endpoint


def store_on(client: Any) -> CardStore:
    return CardStore(client, Settings.from_environ({}))


# -- UpdateSessionData -------------------------------------------------------------------------


def test_update_session_data_hangs(hung_endpoint: str) -> None:
    deps = dependencies(qconnect=qconnect_client(hung_endpoint))
    slowest = worst(invoke_concurrently(load_event("voice_with_session_arn"), deps), ALICE_ERROR)
    assert slowest >= 2 * 0.6  # both attempts really waited for their read timeout


def test_update_session_data_unreachable() -> None:
    with full_backlog_server() as endpoint:
        deps = dependencies(qconnect=qconnect_client(endpoint))
        slowest = worst(
            invoke_concurrently(load_event("voice_with_session_arn"), deps), ALICE_ERROR
        )
    assert slowest >= 2 * 0.2  # two connect timeouts


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "ThrottlingException"),
        (503, "ServiceUnavailableException"),
        (500, "InternalServerException"),
    ],
)
def test_update_session_data_throttled_or_failing_is_retried_once(status: int, code: str) -> None:
    qconnect = qconnect_client()
    hook = SendHook(qconnect, UPDATE, lambda _: rest_json_error(status, code))
    deps = dependencies(qconnect=qconnect)
    worst(invoke_concurrently(load_event("voice_with_session_arn"), deps), ALICE_ERROR)
    assert hook.attempts == 2 * RUNS


def test_session_not_found_is_not_retried() -> None:
    qconnect = qconnect_client()
    hook = SendHook(qconnect, UPDATE, lambda _: rest_json_error(404, "ResourceNotFoundException"))
    deps = dependencies(qconnect=qconnect)
    expected = {**ALICE_ERROR, "status": "SESSION_NOT_FOUND"}
    worst(invoke_concurrently(load_event("voice_with_session_arn"), deps), expected)
    assert hook.attempts == RUNS


def test_timeouts_raised_below_the_sdk_are_retried() -> None:
    def flaky(attempt: int) -> Any:
        if attempt % 2:
            raise ReadTimeoutError(endpoint_url="https://wisdom.invalid")
        raise ConnectTimeoutError(endpoint_url="https://wisdom.invalid")

    qconnect = qconnect_client()
    hook = SendHook(qconnect, UPDATE, flaky)
    worst(
        invoke_concurrently(load_event("voice_with_session_arn"), dependencies(qconnect=qconnect)),
        ALICE_ERROR,
    )
    assert hook.attempts == 2 * RUNS


def test_a_trickling_answer_is_cut_by_the_deadline() -> None:
    with trickle_server() as endpoint:
        deps = dependencies(qconnect=qconnect_client(endpoint))
        slowest = worst(
            invoke_concurrently(load_event("voice_with_session_arn"), deps), ALICE_ERROR
        )
    assert slowest >= 5.5  # no socket timeout fired: only the 6 s deadline ended the wait


def test_a_short_lambda_context_shortens_the_deadline(hung_endpoint: str) -> None:
    deps = dependencies(qconnect=qconnect_client(hung_endpoint))
    event = load_event("voice_with_session_arn")
    results = invoke_concurrently(event, deps, context=FakeLambdaContext(remaining_ms=1500))
    assert max(worst(results, ALICE_ERROR), 0) < 1.5


# -- DescribeContact ---------------------------------------------------------------------------


def test_describe_contact_hangs(hung_endpoint: str) -> None:
    deps = dependencies(connect=connect_client(hung_endpoint))
    worst(invoke_concurrently(load_event("voice_without_session_arn"), deps), BRIAN_ERROR)


@pytest.mark.parametrize(
    ("status", "code"), [(429, "ThrottlingException"), (500, "InternalServiceException")]
)
def test_describe_contact_failing(status: int, code: str) -> None:
    connect = connect_client()
    hook = SendHook(connect, DESCRIBE, lambda _: rest_json_error(status, code))
    deps = dependencies(connect=connect)
    worst(invoke_concurrently(load_event("voice_without_session_arn"), deps), BRIAN_ERROR)
    assert hook.attempts == 2 * RUNS


def test_describe_contact_for_an_unknown_contact() -> None:
    connect = connect_client()
    SendHook(connect, DESCRIBE, lambda _: rest_json_error(404, "ResourceNotFoundException"))
    expected = {**BRIAN_ERROR, "status": "SESSION_NOT_FOUND"}
    worst(
        invoke_concurrently(load_event("voice_without_session_arn"), dependencies(connect=connect)),
        expected,
    )


# -- DynamoDB ----------------------------------------------------------------------------------


def test_dynamodb_hangs(hung_endpoint: str) -> None:
    deps = dependencies(directory=store_on(dynamodb_client(hung_endpoint)))
    worst(invoke_concurrently(load_event("voice_with_session_arn"), deps), NOBODY_ERROR)


def test_dynamodb_throttled() -> None:
    client = dynamodb_client("http://127.0.0.1:9")  # never reached: the hook answers
    hook = SendHook(
        client,
        "before-send.dynamodb",
        lambda _: aws_error(400, "ProvisionedThroughputExceededException"),
    )
    deps = dependencies(directory=store_on(client))
    worst(invoke_concurrently(load_event("voice_customer_id_parameter"), deps), NOBODY_ERROR)
    assert hook.attempts == 2 * RUNS


def test_everything_hangs_at_once(hung_endpoint: str) -> None:
    deps = dependencies(
        directory=store_on(dynamodb_client(hung_endpoint)),
        connect=connect_client(hung_endpoint),
        qconnect=qconnect_client(hung_endpoint),
    )
    worst(invoke_concurrently(load_event("voice_without_session_arn"), deps), NOBODY_ERROR)
