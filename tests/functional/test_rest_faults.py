"""What REST says when DynamoDB misbehaves: honest codes, no leaks, no partial writes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.runtime import dynamodb_client
from tests.faults import FaultInjector, aws_error, cancelled
from tests.functional.conftest import Api

LOCK_BODY = {"customer_id": "CUST001", "card_id": "CARD001"}
MISSING_TABLE = "Table: betterbank-cards-qa not found"
LEAKS = ("Traceback", "betterbank-", "arn:aws", "ClientError", "Exception", "botocore")


@pytest.fixture
def faults(ddb_tables: Any) -> Iterator[FaultInjector]:
    injector = FaultInjector(dynamodb_client())
    yield injector
    injector.close()


def assert_no_leak(body: dict[str, Any]) -> None:
    text = json.dumps(body)
    for leak in LEAKS:
        assert leak not in text


def test_one_throttle_is_absorbed_by_the_sdk(api: Api, faults: FaultInjector) -> None:
    faults.on(
        "TransactWriteItems", lambda n: aws_error(400, "ThrottlingException") if n == 1 else None
    )
    response = api.post("/v1/cards/lock", LOCK_BODY)
    assert response.status == 200
    assert faults.attempts["TransactWriteItems"] == 2


def test_persistent_throttling_is_503_with_retry_after(
    api: Api, faults: FaultInjector, ddb_tables: Any
) -> None:
    faults.on(
        "TransactWriteItems", lambda n: aws_error(400, "ProvisionedThroughputExceededException")
    )
    response = api.post("/v1/cards/lock", LOCK_BODY)
    assert response.status == 503
    assert response.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.body["error"]["retryable"] is True
    assert response.headers["Retry-After"] == "1"
    assert faults.attempts["TransactWriteItems"] == 3  # our budget, not botocore's default
    assert int(ddb_tables.card("CARD001")["version"]["N"]) == 1
    assert_no_leak(response.body)


def test_a_missing_table_is_a_500_that_names_nothing(api: Api, faults: FaultInjector) -> None:
    faults.on(
        "TransactGetItems",
        lambda n: aws_error(
            400,
            "ResourceNotFoundException",
            "Requested resource not found: Table: betterbank-cards-dev not found",
        ),
    )
    response = api.post("/v1/cards/lock", LOCK_BODY)
    assert (response.status, response.body["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert_no_leak(response.body)
    assert "cause" not in json.dumps(response.body)


def operation_log(caplog: pytest.LogCaptureFixture, request_id: str) -> logging.LogRecord:
    """The one 'card operation' record the service logged for ``request_id``."""
    [record] = [
        record
        for record in caplog.records
        if record.getMessage() == "card operation"
        and getattr(record, "request_id", None) == request_id
    ]
    return record


def test_a_500_is_logged_as_an_error_with_its_aws_code(
    api: Api, faults: FaultInjector, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a table that is missing, as after a wrong stage name or a deleted table
    faults.on(
        "TransactGetItems",
        lambda n: aws_error(400, "ResourceNotFoundException", MISSING_TABLE),
    )
    response = api.post("/v1/cards/lock", LOCK_BODY)
    # THEN the log line under the response's request id says what AWS answered
    line = operation_log(caplog, response.body["error"]["request_id"])
    assert (line.levelname, getattr(line, "outcome", None)) == ("ERROR", "INTERNAL_ERROR")
    # (the text of a setup error names the table: the operator's clue, kept in the logs only)
    assert line.cause == f"ResourceNotFoundException: {MISSING_TABLE}"
    assert "betterbank-cards-qa" not in json.dumps(response.body)


def test_a_503_is_logged_as_a_warning_with_its_aws_code(
    api: Api, faults: FaultInjector, caplog: pytest.LogCaptureFixture
) -> None:
    faults.on("TransactWriteItems", lambda n: aws_error(400, "ThrottlingException"))
    response = api.post("/v1/cards/lock", LOCK_BODY)
    line = operation_log(caplog, response.body["error"]["request_id"])
    assert (line.levelname, getattr(line, "outcome", None)) == ("WARNING", "SERVICE_UNAVAILABLE")
    assert getattr(line, "cause", None) == "ThrottlingException"


def test_endless_version_conflicts_are_409_concurrent_modification(
    api: Api, faults: FaultInjector, ddb_tables: Any, caplog: pytest.LogCaptureFixture
) -> None:
    faults.on("TransactWriteItems", lambda n: cancelled(["None", "ConditionalCheckFailed", "None"]))
    response = api.post("/v1/cards/lock", LOCK_BODY)
    assert (response.status, response.body["error"]["code"]) == (409, "CONCURRENT_MODIFICATION")
    assert response.body["error"]["retryable"] is True
    assert faults.attempts["TransactWriteItems"] == 4
    assert int(ddb_tables.card("CARD001")["version"]["N"]) == 1
    line = operation_log(caplog, response.body["error"]["request_id"])
    assert line.levelname == "WARNING"
    assert line.cause == "TransactionCanceledException: None,ConditionalCheckFailed,None"


def test_an_event_that_is_not_http_is_a_validation_error_with_fields() -> None:
    from app import app

    answer = app(["not", "an", "event"], None)
    body = json.loads(answer["body"])
    assert (answer["statusCode"], body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert body["error"]["details"]["fields"][0]["field"] == "body"


def test_a_transaction_conflict_then_success(api: Api, faults: FaultInjector) -> None:
    faults.on(
        "TransactWriteItems",
        lambda n: cancelled(["None", "TransactionConflict", "None"]) if n == 1 else None,
    )
    assert api.post("/v1/cards/lock", LOCK_BODY).status == 200


def test_customer_suspended_between_read_and_write_is_auth_failed(
    api: Api, faults: FaultInjector
) -> None:
    faults.on("TransactWriteItems", lambda n: cancelled(["ConditionalCheckFailed", "None", "None"]))
    response = api.post("/v1/cards/lock", LOCK_BODY)
    assert (response.status, response.body["error"]["code"]) == (401, "AUTH_FAILED")


@pytest.mark.parametrize(
    ("path", "module", "name"),
    [
        ("/openapi.json", "chalicelib.rest.edge", "openapi_response"),
        ("/mcp", "mcp_handlers.http", "handle_http"),
    ],
)
def test_a_raise_in_a_view_that_answers_its_own_body_is_logged_once_under_the_request_id(
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    module: str,
    name: str,
) -> None:
    # GIVEN a view outside api_operation (its answer is not our envelope) that raises
    from app import app

    def broken(*args: Any) -> Any:
        raise RuntimeError("arn:aws:dynamodb:us-east-1:123456789012:table/betterbank-cards")

    monkeypatch.setattr(f"{module}.{name}", broken)
    headers = {"Content-Type": "application/json"}
    event = {"httpMethod": "POST" if path == "/mcp" else "GET", "path": path, "headers": headers}
    # WHEN it is asked THEN the answer is a 500 in our envelope, leaking nothing
    with caplog.at_level(logging.INFO):
        answer = app({**event, "body": "{}"}, None)
    body = json.loads(answer["body"])
    assert (answer["statusCode"], body["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert_no_leak(body)
    # AND the traceback is in one log line, under the request id the answer gives
    [line] = [record for record in caplog.records if record.exc_info]
    assert getattr(line, "request_id", None) == body["error"]["request_id"]
