"""The Connect session use case, event by event, against botocore's Stubber.

The Stubber runs the real ``qconnect`` and ``connect`` service models: a request that does not
match the model fails client-side, and ``expected_params`` pins exactly the keys we send.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from chalicelib.connect.handler import handle_contact_flow_event
from chalicelib.domain import Customer
from tests.fakes.connect import (
    ASSISTANT_ID,
    INSTANCE_ID,
    SESSION_ARN,
    SESSION_ID,
    FakeLambdaContext,
    InMemoryDirectory,
    connect_client,
    dependencies,
    load_event,
    qconnect_client,
)

ALICE_DATA = [
    {"key": "customerId", "value": {"stringValue": "CUST001"}},
    {"key": "firstName", "value": {"stringValue": "Alice"}},
    {"key": "lastName", "value": {"stringValue": "Martin"}},
    {"key": "cardCount", "value": {"stringValue": "2"}},
    {"key": "lockedCardCount", "value": {"stringValue": "0"}},
    {
        "key": "cardsSummary",
        "value": {
            "stringValue": "visa debit ending 4821: active; mastercard credit ending 1934: active"
        },
    },
]
BRIAN_DATA = [
    {"key": "customerId", "value": {"stringValue": "CUST002"}},
    {"key": "firstName", "value": {"stringValue": "Brian"}},
    {"key": "lastName", "value": {"stringValue": "Okafor"}},
    {"key": "cardCount", "value": {"stringValue": "2"}},
    {"key": "lockedCardCount", "value": {"stringValue": "1"}},
    {
        "key": "cardsSummary",
        "value": {"stringValue": "visa debit ending 7710: active; visa credit ending 3056: locked"},
    },
]
CHEN_DATA = [
    {"key": "customerId", "value": {"stringValue": "CUST003"}},
    {"key": "firstName", "value": {"stringValue": "Chen"}},
    {"key": "lastName", "value": {"stringValue": "Wei"}},
    {"key": "cardCount", "value": {"stringValue": "1"}},
    {"key": "lockedCardCount", "value": {"stringValue": "0"}},
    {"key": "cardsSummary", "value": {"stringValue": "mastercard debit ending 6642: active"}},
]


def answer(
    status: str, customer: str = "", name: str = "", cards: int = 0, updated: bool = False
) -> dict[str, str]:
    return {
        "status": status,
        "customerFound": "true" if customer else "false",
        "customerId": customer,
        "firstName": name,
        "cardCount": str(cards),
        "sessionUpdated": "true" if updated else "false",
    }


NOT_FOUND = answer("CUSTOMER_NOT_FOUND")


class Stubs:
    """Stubbed ``qconnect`` and ``connect`` clients plus a directory; counts calls made."""

    def __init__(self) -> None:
        self.directory = InMemoryDirectory()
        self.qconnect = qconnect_client()
        self.connect = connect_client()
        self.q = Stubber(self.qconnect)
        self.c = Stubber(self.connect)
        self.calls: list[str] = []
        for client in (self.qconnect, self.connect):
            client.meta.events.register("before-parameter-build", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def expect_update(self, data: list[dict[str, Any]]) -> None:
        self.q.add_response(
            "update_session_data",
            {"sessionArn": SESSION_ARN, "sessionId": SESSION_ID, "namespace": "Custom", "data": []},
            expected_params={
                "assistantId": ASSISTANT_ID,
                "sessionId": SESSION_ID,
                "namespace": "Custom",
                "data": data,
            },
        )

    def expect_describe(self, contact_id: str, contact: dict[str, Any]) -> None:
        self.c.add_response(
            "describe_contact",
            {"Contact": contact},
            expected_params={"InstanceId": INSTANCE_ID, "ContactId": contact_id},
        )

    def invoke(self, event: dict[str, Any]) -> dict[str, str]:
        deps = dependencies(self.directory, self.connect, self.qconnect)
        return handle_contact_flow_event(event, FakeLambdaContext(), lambda: deps)

    def verify(self) -> None:
        self.q.assert_no_pending_responses()
        self.c.assert_no_pending_responses()


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    stubs = Stubs()
    with stubs.q, stubs.c:
        yield stubs
    stubs.verify()


def contact_id(event: dict[str, Any]) -> str:
    return str(event["Details"]["ContactData"]["ContactId"])


def test_voice_with_the_session_arn_parameter(stubs: Stubs) -> None:
    stubs.expect_update(ALICE_DATA)
    assert stubs.invoke(load_event("voice_with_session_arn")) == answer(
        "OK", "CUST001", "Alice", 2, True
    )
    assert stubs.calls == ["UpdateSessionData"]


def test_voice_without_the_parameter_asks_describe_contact(stubs: Stubs) -> None:
    event = load_event("voice_without_session_arn")
    stubs.expect_describe(
        contact_id(event),
        {"Id": contact_id(event), "Channel": "VOICE", "WisdomInfo": {"SessionArn": SESSION_ARN}},
    )
    stubs.expect_update(BRIAN_DATA)
    assert stubs.invoke(event) == answer("OK", "CUST002", "Brian", 2, True)
    assert sorted(stubs.calls) == ["DescribeContact", "UpdateSessionData"]


def test_a_contact_without_a_q_session_keeps_the_customer(stubs: Stubs) -> None:
    event = load_event("voice_without_session_arn")
    stubs.expect_describe(contact_id(event), {"Id": contact_id(event), "Channel": "VOICE"})
    assert stubs.invoke(event) == answer("SESSION_NOT_FOUND", "CUST002", "Brian", 2)
    assert stubs.calls == ["DescribeContact"]


def test_an_unusable_session_parameter_falls_back_to_describe_contact(stubs: Stubs) -> None:
    event = load_event("voice_with_session_arn")
    event["Details"]["Parameters"]["sessionArn"] = "$.Wisdom.SessionArn"
    stubs.expect_describe(
        contact_id(event), {"Id": contact_id(event), "WisdomInfo": {"SessionArn": SESSION_ARN}}
    )
    stubs.expect_update(ALICE_DATA)
    assert stubs.invoke(event)["status"] == "OK"


def test_chat_identified_by_contact_attribute(stubs: Stubs) -> None:
    stubs.expect_update(CHEN_DATA)
    event = load_event("chat_with_customer_attribute")
    assert stubs.invoke(event) == answer("OK", "CUST003", "Chen", 1, True)
    assert stubs.directory.phone_queries == []


def test_formatted_number_is_normalised(stubs: Stubs) -> None:
    stubs.expect_update(CHEN_DATA)
    assert stubs.invoke(load_event("voice_formatted_number"))["customerId"] == "CUST003"
    assert stubs.directory.phone_queries == ["+15555550103"]


def test_customer_id_parameter_beats_the_number(stubs: Stubs) -> None:
    stubs.expect_update(BRIAN_DATA)
    assert stubs.invoke(load_event("voice_customer_id_parameter"))["customerId"] == "CUST002"
    assert stubs.directory.phone_queries == []


def test_unknown_number(stubs: Stubs) -> None:
    assert stubs.invoke(load_event("voice_unknown_number")) == NOT_FOUND
    assert stubs.calls == []


def test_withheld_number_is_not_even_looked_up(stubs: Stubs) -> None:
    assert stubs.invoke(load_event("voice_withheld_number")) == NOT_FOUND
    assert stubs.directory.phone_queries == []
    assert stubs.calls == []


def test_nulls_everywhere(stubs: Stubs) -> None:
    assert stubs.invoke(load_event("nulls_everywhere")) == NOT_FOUND


def test_malformed_event_is_an_error_answer(stubs: Stubs) -> None:
    assert stubs.invoke(load_event("malformed_missing_contact_id")) == answer("ERROR")
    for event in (None, [], "x", {"Details": {}}):
        assert stubs.invoke(event) == answer("ERROR")  # type: ignore[arg-type]
    assert stubs.calls == []


def test_one_number_shared_by_two_customers_is_nobody(stubs: Stubs) -> None:
    stubs.directory.phones["+15555550101"] = ["CUST001", "CUST002"]
    assert stubs.invoke(load_event("voice_with_session_arn")) == NOT_FOUND


def test_an_inactive_customer_is_not_found(stubs: Stubs) -> None:
    stubs.directory.customers["CUST001"] = Customer("CUST001", "Alice", "Martin", "suspended")
    assert stubs.invoke(load_event("voice_with_session_arn")) == NOT_FOUND


def test_an_unknown_or_malformed_customer_id_is_not_found(stubs: Stubs) -> None:
    for value in ("CUST999", "cust001", "CUST001 OR 1=1"):
        event = load_event("voice_with_session_arn")
        event["Details"]["Parameters"]["customerId"] = value
        assert stubs.invoke(event) == NOT_FOUND
    assert stubs.directory.phone_queries == []


def test_session_gone_is_session_not_found(stubs: Stubs) -> None:
    stubs.q.add_client_error(
        "update_session_data", "ResourceNotFoundException", http_status_code=404
    )
    assert stubs.invoke(load_event("voice_with_session_arn")) == answer(
        "SESSION_NOT_FOUND", "CUST001", "Alice", 2
    )


def test_access_denied_is_an_error_that_keeps_the_customer(stubs: Stubs) -> None:
    stubs.q.add_client_error("update_session_data", "AccessDeniedException", http_status_code=403)
    assert stubs.invoke(load_event("voice_with_session_arn")) == answer(
        "ERROR", "CUST001", "Alice", 2
    )


def test_describe_contact_not_found_is_session_not_found(stubs: Stubs) -> None:
    stubs.c.add_client_error("describe_contact", "ResourceNotFoundException", http_status_code=404)
    assert stubs.invoke(load_event("voice_without_session_arn"))["status"] == "SESSION_NOT_FOUND"


def test_botocore_rejects_an_empty_value_before_sending() -> None:
    # GIVEN the real service model WHEN a value is empty THEN the client refuses it before any
    # network traffic: which is why session_data() leaves empty values out.
    with pytest.raises(ParamValidationError):
        qconnect_client().update_session_data(
            assistantId=ASSISTANT_ID,
            sessionId=SESSION_ID,
            namespace="Custom",
            data=[{"key": "firstName", "value": {"stringValue": ""}}],
        )


def test_a_broken_directory_is_an_error_answer_not_a_raise(stubs: Stubs) -> None:
    class Broken(InMemoryDirectory):
        def customers_with_phone(self, phone: str) -> list[Customer]:
            raise RuntimeError("boom")

    stubs.directory = Broken()
    assert stubs.invoke(load_event("voice_with_session_arn")) == answer("ERROR")


def test_one_metric_per_invocation_names_the_outcome(
    stubs: Stubs, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    stubs.invoke(load_event("voice_unknown_number"))
    metrics = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]
    assert [(m["operation"], m["channel"], m["outcome"]) for m in metrics] == [
        ("connect_update_session", "connect", "CUSTOMER_NOT_FOUND")
    ]
