"""The Connect edge: event parsing, phone numbers, session ARNs and the flow's string map."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.connect.caller import identify_caller
from chalicelib.connect.events import (
    FlowResult,
    instance_id_of,
    normalise_phone,
    parse_event,
    parse_session_arn,
)
from tests.fakes.connect import ASSISTANT_ID, INSTANCE_ID, SESSION_ARN, SESSION_ID, load_event


@pytest.mark.parametrize(
    "name",
    [
        "voice_with_session_arn",
        "voice_without_session_arn",
        "voice_formatted_number",
        "voice_unknown_number",
        "voice_withheld_number",
        "voice_customer_id_parameter",
        "chat_with_customer_attribute",
        "nulls_everywhere",
    ],
)
def test_every_sample_event_parses(name: str) -> None:
    parsed = parse_event(load_event(name))
    assert parsed is not None
    assert parsed.contact.ContactId
    assert instance_id_of(parsed.contact.InstanceARN) == INSTANCE_ID


def test_nulls_are_empty_maps_and_absent_fields() -> None:
    parsed = parse_event(load_event("nulls_everywhere"))
    assert parsed is not None
    assert parsed.contact.Attributes == {}
    assert parsed.Details.Parameters == {}
    assert parsed.contact.CustomerEndpoint is None
    assert identify_caller(parsed) is None


@pytest.mark.parametrize(
    "event",
    [
        None,
        "ContactFlowEvent",
        [],
        {},
        {"Details": None},
        {"Details": {"ContactData": None}},
        {"Details": {"ContactData": {"ContactId": "c", "Channel": "VOICE", "Attributes": {}}}},
        {"Details": {"ContactData": {"InstanceARN": "a", "Channel": "VOICE", "Attributes": {}}}},
        {"Details": {"ContactData": {"ContactId": "c", "InstanceARN": "a", "Attributes": {}}}},
        {"Details": {"ContactData": {"ContactId": "c", "InstanceARN": "a", "Channel": "VOICE"}}},
        {"Details": {"ContactData": {"ContactId": "", "InstanceARN": "a", "Channel": "V"}}},
    ],
)
def test_malformed_events_parse_to_none(event: Any) -> None:
    assert parse_event(event) is None


def test_the_malformed_sample_parses_to_none() -> None:
    assert parse_event(load_event("malformed_missing_contact_id")) is None


def test_unknown_fields_and_non_string_values_are_ignored() -> None:
    event = load_event("voice_with_session_arn")
    event["Details"]["ContactData"]["BrandNewField"] = {"x": 1}
    event["Details"]["Parameters"]["retries"] = 3
    event["Details"]["ContactData"]["Attributes"] = {"customerId": None, "tier": "gold"}
    parsed = parse_event(event)
    assert parsed is not None
    assert parsed.Details.Parameters == {"sessionArn": SESSION_ARN}
    assert parsed.contact.Attributes == {"tier": "gold"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+15555550101", "+15555550101"),
        ("+1 555 555 0101", "+15555550101"),
        ("+1 (555) 555-0101", "+15555550101"),
        ("+1.555.555.0101", "+15555550101"),
        (" +447700900123 ", "+447700900123"),
        ("anonymous", None),
        ("Anonymous", None),
        ("withheld", None),
        ("private", None),
        ("unknown", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("15555550101", None),  # not E.164 without the +
        ("+0555550101", None),
        ("+1555", None),
        ("+1234567890123456", None),  # 16 digits: too long for E.164
        ("+1555555010x", None),
    ],
)
def test_normalise_phone(raw: str | None, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_session_arn_gives_assistant_and_session() -> None:
    ref = parse_session_arn(SESSION_ARN)
    assert ref is not None
    assert (ref.assistant_id, ref.session_id, ref.region) == (ASSISTANT_ID, SESSION_ID, "us-east-1")


@pytest.mark.parametrize(
    "arn",
    [
        None,
        "",
        SESSION_ID,
        f"arn:aws:wisdom:us-east-1:123456789012:assistant/{ASSISTANT_ID}",
        f"arn:aws:wisdom:us-east-1:123456789012:session/{ASSISTANT_ID}",
        f"arn:aws:wisdom:us-east-1:123456789012:session/{ASSISTANT_ID}/{SESSION_ID}/x",
        f"arn:aws:connect:us-east-1:123456789012:session/{ASSISTANT_ID}/{SESSION_ID}",
        f"arn:aws:wisdom:us-east-1:12345678901:session/{ASSISTANT_ID}/{SESSION_ID}",
        f"arn:aws:wisdom::123456789012:session/{ASSISTANT_ID}/{SESSION_ID}",
        f"arn:aws:wisdom:us-east-1:123456789012:session/{ASSISTANT_ID.upper()}/{SESSION_ID}",
        f"arn:aws:wisdom:us-east-1:123456789012:session/not-a-uuid/{SESSION_ID}",
        "$.Wisdom.SessionArn",
    ],
)
def test_anything_but_a_session_arn_is_rejected(arn: str | None) -> None:
    assert parse_session_arn(arn) is None


def test_session_arn_in_other_partitions() -> None:
    arn = f"arn:aws-us-gov:wisdom:us-gov-west-1:123456789012:session/{ASSISTANT_ID}/{SESSION_ID}"
    ref = parse_session_arn(arn)
    assert ref is not None
    assert ref.region == "us-gov-west-1"


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "arn:aws:connect:us-east-1:123456789012:instance/",
        f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE_ID}/contact/x",
        f"arn:aws:wisdom:us-east-1:123456789012:instance/{INSTANCE_ID}",
    ],
)
def test_bad_instance_arns(arn: str) -> None:
    assert instance_id_of(arn) is None


def test_flow_result_map_is_all_strings_for_every_status() -> None:
    results = [
        FlowResult("OK", "CUST001", "Alice", 2, True),
        FlowResult("CUSTOMER_NOT_FOUND"),
        FlowResult("SESSION_NOT_FOUND", "CUST001", "Alice", 2),
        FlowResult("ERROR"),
    ]
    for result in results:
        answer = result.to_map()
        assert set(answer) == {
            "status",
            "customerFound",
            "customerId",
            "firstName",
            "cardCount",
            "sessionUpdated",
        }
        assert all(isinstance(v, str) for v in answer.values())
    assert results[2].to_map()["customerFound"] == "true"
    assert results[3].to_map() == {
        "status": "ERROR",
        "customerFound": "false",
        "customerId": "",
        "firstName": "",
        "cardCount": "0",
        "sessionUpdated": "false",
    }


@pytest.mark.parametrize(
    ("name", "source", "customer_id", "phone"),
    [
        ("voice_with_session_arn", "phone", None, "+15555550101"),
        ("voice_formatted_number", "phone", None, "+15555550103"),
        ("voice_customer_id_parameter", "parameter", "CUST002", None),
        ("chat_with_customer_attribute", "attribute", "CUST003", None),
    ],
)
def test_caller_identification_order(
    name: str, source: str, customer_id: str | None, phone: str | None
) -> None:
    parsed = parse_event(load_event(name))
    assert parsed is not None
    key = identify_caller(parsed)
    assert key is not None
    assert (key.source, key.customer_id, key.phone) == (source, customer_id, phone)


def test_parameter_beats_attribute_and_a_malformed_id_is_nobody() -> None:
    event = load_event("chat_with_customer_attribute")
    event["Details"]["Parameters"]["customerId"] = "cust-1; DROP"
    parsed = parse_event(event)
    assert parsed is not None
    key = identify_caller(parsed)
    assert key is not None
    assert (key.source, key.customer_id, key.phone) == ("parameter", None, None)


def test_blank_ids_fall_through_to_the_phone() -> None:
    event = load_event("voice_with_session_arn")
    event["Details"]["Parameters"]["customerId"] = "  "
    event["Details"]["ContactData"]["Attributes"]["customerId"] = ""
    parsed = parse_event(event)
    assert parsed is not None
    key = identify_caller(parsed)
    assert key is not None
    assert key.source == "phone"


def test_a_non_telephone_endpoint_is_not_looked_up() -> None:
    event = load_event("voice_with_session_arn")
    event["Details"]["ContactData"]["CustomerEndpoint"]["Type"] = "EMAIL"
    parsed = parse_event(event)
    assert parsed is not None
    assert identify_caller(parsed) is None
