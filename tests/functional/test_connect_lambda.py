"""The Connect Lambda through the app's entry point, on seeded DynamoDB Local tables.

``connect_update_session_data`` runs as Connect would run it (Chalice's Lambda test client),
with the process-wide dependencies of ``chalicelib.runtime``: the real store on DynamoDB Local,
and the ``qconnect``/``connect`` clients under botocore's Stubber (real service models).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from chalice.test import Client

from app import app
from chalicelib import runtime
from tests.fakes.connect import (
    ASSISTANT_ID,
    INSTANCE_ID,
    PHONES,
    SESSION_ARN,
    SESSION_ID,
    SendHook,
    load_event,
)
from tests.faults import aws_error

FUNCTION = "connect_update_session_data"


class ConnectLambda:
    """Invokes the function; its AWS clients (other than DynamoDB) are stubbed."""

    def __init__(self, client: Client) -> None:
        self._client = client
        deps = runtime.connect_dependencies()
        self.qconnect = Stubber(deps.qconnect)
        self.connect = Stubber(deps.connect)
        self.dynamodb = deps.directory._client  # type: ignore[attr-defined]

    def invoke(self, event: Any) -> dict[str, str]:
        payload: dict[str, str] = self._client.lambda_.invoke(FUNCTION, event).payload
        return payload

    def expect_update(self, customer_id: str) -> None:
        self.qconnect.add_response(
            "update_session_data",
            {"sessionArn": SESSION_ARN, "sessionId": SESSION_ID, "namespace": "Custom", "data": []},
            expected_params={
                "assistantId": ASSISTANT_ID,
                "sessionId": SESSION_ID,
                "namespace": "Custom",
                "data": _any_data_for(customer_id),
            },
        )


class _DataFor:
    """Matches the ``data`` argument of the customer's update (keys checked in unit tests)."""

    def __init__(self, customer_id: str) -> None:
        self._customer_id = customer_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list):
            return False
        keys = [item["key"] for item in other]
        first = other[0]["value"]["stringValue"] if other else None
        return first == self._customer_id and keys[:2] == ["customerId", "firstName"]

    __hash__ = None  # type: ignore[assignment]


def _any_data_for(customer_id: str) -> Any:
    return _DataFor(customer_id)


@pytest.fixture
def connect_lambda(ddb_tables: Any, tmp_path: Path) -> Iterator[ConnectLambda]:
    with Client(app, project_dir=str(tmp_path)) as client:
        wrapper = ConnectLambda(client)
        with wrapper.qconnect, wrapper.connect:
            yield wrapper
        wrapper.qconnect.assert_no_pending_responses()
        wrapper.connect.assert_no_pending_responses()


def test_voice_caller_found_by_phone_index(connect_lambda: ConnectLambda) -> None:
    connect_lambda.expect_update("CUST001")
    assert connect_lambda.invoke(load_event("voice_with_session_arn")) == {
        "status": "OK",
        "customerFound": "true",
        "customerId": "CUST001",
        "firstName": "Alice",
        "cardCount": "2",
        "sessionUpdated": "true",
    }


def test_voice_without_session_asks_describe_contact(connect_lambda: ConnectLambda) -> None:
    event = load_event("voice_without_session_arn")
    contact_id = event["Details"]["ContactData"]["ContactId"]
    connect_lambda.connect.add_response(
        "describe_contact",
        {"Contact": {"Id": contact_id, "WisdomInfo": {"SessionArn": SESSION_ARN}}},
        expected_params={"InstanceId": INSTANCE_ID, "ContactId": contact_id},
    )
    connect_lambda.expect_update("CUST002")
    answer = connect_lambda.invoke(event)
    assert (answer["status"], answer["customerId"], answer["cardCount"]) == ("OK", "CUST002", "2")


def test_chat_by_attribute_and_formatted_number(connect_lambda: ConnectLambda) -> None:
    connect_lambda.expect_update("CUST003")
    connect_lambda.expect_update("CUST003")
    assert (
        connect_lambda.invoke(load_event("chat_with_customer_attribute"))["customerId"] == "CUST003"
    )
    assert connect_lambda.invoke(load_event("voice_formatted_number"))["customerId"] == "CUST003"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("voice_unknown_number", "CUSTOMER_NOT_FOUND"),
        ("voice_withheld_number", "CUSTOMER_NOT_FOUND"),
        ("nulls_everywhere", "CUSTOMER_NOT_FOUND"),
        ("malformed_missing_contact_id", "ERROR"),
    ],
)
def test_nobody_to_tell(connect_lambda: ConnectLambda, name: str, status: str) -> None:
    answer = connect_lambda.invoke(load_event(name))
    assert (answer["status"], answer["customerFound"], answer["sessionUpdated"]) == (
        status,
        "false",
        "false",
    )


def test_a_suspended_customer_is_not_found(connect_lambda: ConnectLambda, ddb_tables: Any) -> None:
    ddb_tables.set_customer_status("CUST001", "suspended")
    assert (
        connect_lambda.invoke(load_event("voice_with_session_arn"))["status"]
        == "CUSTOMER_NOT_FOUND"
    )


def test_a_number_on_two_customers_is_nobody(
    connect_lambda: ConnectLambda, ddb_tables: Any
) -> None:
    ddb_tables.client.update_item(
        TableName=ddb_tables.names["CUSTOMERS_TABLE"],
        Key={"customer_id": {"S": "CUST002"}},
        UpdateExpression="SET phone = :p",
        ExpressionAttributeValues={":p": {"S": "+15555550101"}},
    )
    assert (
        connect_lambda.invoke(load_event("voice_with_session_arn"))["status"]
        == "CUSTOMER_NOT_FOUND"
    )


def test_the_caller_s_number_never_reaches_the_logs(
    connect_lambda: ConnectLambda,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # GIVEN every logger at DEBUG, the SDK's included (its DEBUG records print request params)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    from chalicelib.observability import get_logger

    get_logger.cache_clear()
    caplog.set_level(logging.DEBUG)
    for name in ("botocore", "boto3", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    # WHEN callers are found, not found, malformed, and DynamoDB fails
    connect_lambda.expect_update("CUST001")
    connect_lambda.expect_update("CUST003")
    statuses = [
        connect_lambda.invoke(load_event(name))["status"]
        for name in (
            "voice_with_session_arn",
            "voice_formatted_number",
            "voice_unknown_number",
            "voice_withheld_number",
            "malformed_missing_contact_id",
        )
    ]
    assert statuses == ["OK", "OK", "CUSTOMER_NOT_FOUND", "CUSTOMER_NOT_FOUND", "ERROR"]
    hook = SendHook(
        connect_lambda.dynamodb,
        "before-send.dynamodb",
        lambda _: aws_error(500, "InternalServerError"),
    )
    assert connect_lambda.invoke(load_event("voice_with_session_arn"))["status"] == "ERROR"
    assert hook.attempts == 2
    # THEN the logs name the lookups but no number, in any format
    captured = capfd.readouterr()
    records = "\n".join(str(vars(record)) for record in caplog.records)  # extras included
    everything = caplog.text + records + captured.out + captured.err
    assert "phone lookup" in everything
    assert "CUST001" in everything
    for phone in (*PHONES, "555) 555", "555 555", "5555550"):
        assert phone not in everything
    get_logger.cache_clear()


def test_a_setup_error_in_the_caller_lookup_is_logged_with_its_code(
    connect_lambda: ConnectLambda, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a role that may not read the customers table
    denied = "User: arn:aws:sts::123456789012:assumed-role/x is not authorized"
    SendHook(
        connect_lambda.dynamodb,
        "before-send.dynamodb",
        lambda _: aws_error(400, "AccessDeniedException", denied),
    )
    # THEN the caller hears the ERROR path, and the log names AWS's code and text
    assert connect_lambda.invoke(load_event("voice_with_session_arn"))["status"] == "ERROR"
    [record] = [r for r in caplog.records if r.getMessage() == "caller lookup failed"]
    assert getattr(record, "error", None) == "AccessDeniedException"
    assert getattr(record, "cause", None) == f"AccessDeniedException: {denied}"
