"""DynamoDB's refusals as the service's errors: by error code and cancellation reason, never by
message text. First the translation on its own, then through ``CardStore`` with botocore's
``Stubber``, so the errors have the exact shape the real client raises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from chalicelib import errors
from chalicelib.domain import Card, CardWrite, Context, lock
from chalicelib.idempotency import IdempotencyRecord
from chalicelib.settings import Settings
from chalicelib.store.dynamodb import CardStore
from chalicelib.store.errors import (
    CONFLICT_CODES,
    MAX_CAUSE_TEXT,
    SETUP_CODES,
    UNAVAILABLE_CODES,
    IdempotencyRaceError,
    VersionConflictError,
    transaction_error,
    translate_client_error,
)


def client_error(code: str | None, message: str = "", **extra: Any) -> ClientError:
    error = {"Code": code, "Message": message} if code is not None else {"Message": message}
    return ClientError({"Error": error, **extra}, "TransactWriteItems")


def canceled(*reasons: str) -> ClientError:
    return client_error(
        "TransactionCanceledException",
        "Transaction cancelled, please refer cancellation reasons for specific reasons",
        CancellationReasons=[{"Code": code} for code in reasons],
    )


# -- one error ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(UNAVAILABLE_CODES))
def test_throttling_and_outages_are_retryable_unavailability(code: str) -> None:
    translated = translate_client_error(client_error(code))
    assert type(translated) is errors.ServiceUnavailableError
    assert (translated.cause, translated.retryable) == (code, True)


@pytest.mark.parametrize("code", sorted(CONFLICT_CODES))
def test_a_competing_transaction_is_a_version_conflict(code: str) -> None:
    assert type(translate_client_error(client_error(code))) is VersionConflictError


@pytest.mark.parametrize("code", sorted(SETUP_CODES))
def test_a_deployment_problem_is_internal_and_keeps_its_text_for_the_logs(code: str) -> None:
    translated = translate_client_error(client_error(code, "x" * (MAX_CAUSE_TEXT + 50)))
    assert type(translated) is errors.InternalError
    assert translated.cause == f"{code}: " + "x" * MAX_CAUSE_TEXT
    assert translate_client_error(client_error(code)).cause == code
    assert translated.message == errors.InternalError.default_message  # the client: nothing


def test_classification_is_by_code_never_by_message_text() -> None:
    translated = translate_client_error(client_error("ValidationException", "ThrottlingException"))
    assert (type(translated), translated.cause) == (errors.InternalError, "ValidationException")
    assert translate_client_error(client_error(None, "throttled")).cause == "ClientError"


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"),
    ],
)
def test_a_connection_failure_is_unavailability_named_by_its_class(exc: Exception) -> None:
    translated = translate_client_error(exc)
    assert (type(translated), translated.cause) == (
        errors.ServiceUnavailableError,
        type(exc).__name__,
    )


# -- a transaction ---------------------------------------------------------------------------

PUTS = [
    {"ConditionCheck": {"TableName": "customers"}},
    {"Put": {"TableName": "cards", "Item": {"card_id": {"S": "CARD001"}}}},
    {"Put": {"TableName": "events", "Item": {"card_id": {"S": "CARD001"}}}},
    {"Put": {"TableName": "idempotency", "Item": {"idempotency_key": {"S": "K"}}}},
]


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        (("ConditionalCheckFailed", "None", "None", "None"), errors.AuthFailedError),
        (
            ("ConditionalCheckFailed", "ConditionalCheckFailed", "None", "None"),
            errors.AuthFailedError,
        ),
        (("None", "None", "None", "ConditionalCheckFailed"), IdempotencyRaceError),
        (
            ("None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed"),
            IdempotencyRaceError,
        ),
        (("None", "ConditionalCheckFailed", "None", "None"), VersionConflictError),
        (("None", "None", "ConditionalCheckFailed", "None"), VersionConflictError),
        (("None", "TransactionConflict", "None", "None"), VersionConflictError),
        (
            ("None", "ThrottlingError", "None", "ConditionalCheckFailed"),
            errors.ServiceUnavailableError,
        ),
        (("None", "ValidationError", "None", "None"), errors.InternalError),
    ],
)
def test_a_canceled_transaction_is_explained_by_its_reasons(
    reasons: tuple[str, ...], expected: type[Exception]
) -> None:
    translated = transaction_error(canceled(*reasons), PUTS)
    assert type(translated) is expected
    if expected is not errors.AuthFailedError and expected is not IdempotencyRaceError:
        assert translated.cause == "TransactionCanceledException: " + ",".join(reasons)


def test_a_transaction_refused_for_another_cause_is_translated_as_one_error() -> None:
    translated = transaction_error(client_error("ThrottlingException"), PUTS)
    assert (type(translated), translated.cause) == (
        errors.ServiceUnavailableError,
        "ThrottlingException",
    )


# -- through the store, with the client's own error shapes -----------------------------------

SETTINGS = Settings.from_environ(
    {
        "CUSTOMERS_TABLE": "customers",
        "CARDS_TABLE": "cards",
        "CARD_EVENTS_TABLE": "events",
        "IDEMPOTENCY_TABLE": "idempotency",
    }
)
CARD = Card("CARD001", "CUST001", "debit", "visa", "4821", "08/29", "active", 1, "t0", "t0")


@pytest.fixture(scope="module")
def client() -> Any:
    """A real DynamoDB client (never sending: the stubber answers every call)."""
    return boto3.session.Session().client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def stubbed(client: Any) -> Iterator[tuple[CardStore, Stubber]]:
    with Stubber(client) as stubber:
        yield CardStore(client, SETTINGS), stubber
        stubber.assert_no_pending_responses()


def writes() -> tuple[CardWrite, ...]:
    ctx = Context("api", "tester", "req-1", datetime(2026, 12, 2, tzinfo=UTC))
    return lock(CARD, "misplaced", ctx).writes


def cancel_next(stubber: Stubber, method: str, *codes: str) -> None:
    """The next ``method`` call is refused as DynamoDB cancels a transaction, one reason per
    action (``modeled_fields``: the reasons travel as the real client parses them)."""
    reasons = [{"Code": code} for code in codes]
    stubber.add_client_error(
        method,
        service_error_code="TransactionCanceledException",
        modeled_fields={"CancellationReasons": reasons},
    )


def test_a_commit_that_loses_its_key_is_an_idempotency_race(
    stubbed: tuple[CardStore, Stubber],
) -> None:
    store, stubber = stubbed
    cancel_next(stubber, "transact_write_items", "None", "None", "None", "ConditionalCheckFailed")
    record = IdempotencyRecord("CUST001#api#lock#K", "h", {"changed": True})
    with pytest.raises(IdempotencyRaceError) as raised:
        store.commit(writes(), "CUST001", 1_800_000_000, record)
    assert isinstance(raised.value.__cause__, ClientError)  # raise ... from: the logs keep it


def test_a_stale_no_op_record_is_a_version_conflict(stubbed: tuple[CardStore, Stubber]) -> None:
    store, stubber = stubbed
    cancel_next(stubber, "transact_write_items", "None", "ConditionalCheckFailed", "None")
    record = IdempotencyRecord("CUST001#api#unlock#K", "h", {"changed": False})
    with pytest.raises(VersionConflictError):
        store.record_answer(CARD, "CUST001", 1_800_000_000, record)


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda store: store.get_card("CARD001"), "get_item"),
        (lambda store: store.cards_of("CUST001"), "query"),
        (lambda store: store.load("CUST001", "CARD001"), "transact_get_items"),
    ],
)
def test_a_throttled_read_is_unavailability(
    stubbed: tuple[CardStore, Stubber], call: Any, method: str
) -> None:
    store, stubber = stubbed
    stubber.add_client_error(method, service_error_code="ProvisionedThroughputExceededException")
    with pytest.raises(errors.ServiceUnavailableError) as raised:
        call(store)
    assert raised.value.cause == "ProvisionedThroughputExceededException"


def test_a_read_in_conflict_with_a_write_is_a_version_conflict(
    stubbed: tuple[CardStore, Stubber],
) -> None:
    store, stubber = stubbed
    cancel_next(stubber, "transact_get_items", "TransactionConflict", "None")
    with pytest.raises(VersionConflictError):
        store.load("CUST001", "CARD001")


def test_a_missing_table_is_internal_and_the_client_hears_nothing_of_it(
    stubbed: tuple[CardStore, Stubber],
) -> None:
    store, stubber = stubbed
    stubber.add_client_error(
        "get_item",
        service_error_code="ResourceNotFoundException",
        service_message="Requested resource not found: Table: cards not found",
    )
    with pytest.raises(errors.InternalError) as raised:
        store.get_customer("CUST001")
    assert (
        raised.value.cause
        == "ResourceNotFoundException: Requested resource not found: Table: cards not found"
    )
    assert raised.value.message == errors.InternalError.default_message
