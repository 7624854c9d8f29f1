"""What a hostile or sloppy caller sends the REST Lambda: each a clear 400/412, never a raise,
never a 500, never an echo of the value, and nothing changed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from app import app
from tests.functional.conftest import Api

EVENTS = Path(__file__).parent.parent / "events" / "rest"
LOCK = "/v1/cards/lock"
HISTORY = "/v1/customers/CUST001/cards/CARD001/events"
PAN = "4111111111111111"


def ref(**extra: Any) -> dict[str, Any]:
    return {"customer_id": "CUST001", "card_id": "CARD001", **extra}


def version(ddb_tables: Any) -> int:
    return int(ddb_tables.card("CARD001")["version"]["N"])


def invoke(event: Any) -> tuple[int, dict[str, Any]]:
    """The REST Lambda invoked directly (``aws lambda invoke``), as the handler sees it."""
    answer = app(event, None)
    return answer["statusCode"], json.loads(answer["body"])


def lock_event(**changes: Any) -> dict[str, Any]:
    """An API Gateway proxy event for a lock, with ``changes`` applied (``None`` deletes)."""
    event: dict[str, Any] = json.loads((EVENTS / "apigw_list_cards_event.json").read_text())
    event.update(
        resource=LOCK,
        path=LOCK,
        httpMethod="POST",
        pathParameters=None,
        headers={"Content-Type": "application/json"},
        multiValueHeaders={"Content-Type": ["application/json"]},
        body=json.dumps(ref()),
    )
    event["requestContext"].update(resourcePath=LOCK, httpMethod="POST")
    for key, value in changes.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return event


def test_the_api_gateway_lock_event_works(ddb_tables: Any) -> None:
    status, body = invoke(lock_event())
    assert (status, body["data"]["card"]["version"]) == (200, 2)


@pytest.mark.parametrize(
    "changes",
    [
        {"headers": ["Content-Type", "application/json"]},
        {"headers": "Content-Type: application/json"},
        {"headers": {"Content-Type": None}},
        {"queryStringParameters": ["limit"]},
        {"queryStringParameters": "limit=1"},
        {"multiValueQueryStringParameters": {"limit": "1"}},
        {"multiValueHeaders": {"If-Match": '"1"'}},
        {"requestContext": "not an object"},
        {"requestContext": {"resourcePath": LOCK, "httpMethod": "POST", "identity": "me"}},
        {"requestContext": {"resourcePath": LOCK, "httpMethod": 7}},
        {"requestContext": {"resourcePath": LOCK, "identity": {"userArn": 12}}},
        {"pathParameters": ["CUST001"]},
        {"body": {"customer_id": "CUST001"}},
        {"isBase64Encoded": "yes"},
        {"stageVariables": "dev"},
    ],
)
def test_malformed_proxy_events_are_400_envelopes(ddb_tables: Any, changes: Any) -> None:
    status, body = invoke(lock_event(**changes))
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert version(ddb_tables) == 1


@pytest.mark.parametrize(
    "missing",
    [
        "multiValueQueryStringParameters",
        "queryStringParameters",
        "multiValueHeaders",
        "pathParameters",
        "stageVariables",
        "isBase64Encoded",
    ],
)
def test_a_missing_optional_field_means_none(ddb_tables: Any, missing: str) -> None:
    status, _ = invoke(lock_event(**{missing: None}))
    assert status == 200


def test_deeply_nested_json_is_a_400(api: Api, ddb_tables: Any) -> None:
    response = api.post(LOCK, "[" * 5000 + "]" * 5000)
    assert (response.status, response.body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert version(ddb_tables) == 1


def test_a_forged_cursor_version_is_a_400(api: Api) -> None:
    for forged in (10**38, 10**126):
        raw = json.dumps({"c": "CARD001", "v": forged}, separators=(",", ":")).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = api.get(f"{HISTORY}?cursor={cursor}")
        assert (response.status, response.body["error"]["code"]) == (400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", ["/v1/customers/CUST001/cards?debug=1", f"{HISTORY}?limit=1&x=2"])
def test_unknown_query_parameters_are_refused(api: Api, path: str) -> None:
    response = api.get(path)
    assert (response.status, response.body["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_a_repeated_query_parameter_is_refused(ddb_tables: Any) -> None:
    event = {
        "httpMethod": "GET",
        "path": HISTORY,
        "multiValueQueryStringParameters": {"limit": ["1", "2"]},
    }
    status, body = invoke(event)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_a_query_parameter_the_two_query_maps_disagree_on_is_refused(ddb_tables: Any) -> None:
    # a hand-built event: which of the two limits would count?
    event = {
        "httpMethod": "GET",
        "path": HISTORY,
        "queryStringParameters": {"limit": "1"},
        "multiValueQueryStringParameters": {"limit": ["2"]},
    }
    status, body = invoke(event)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    agreed = {**event, "multiValueQueryStringParameters": {"limit": ["1"]}}
    assert invoke(agreed)[0] == 200


@pytest.mark.parametrize("card_id", [f"CARD{PAN}", "CARD5555555555554444"])
def test_a_card_number_shaped_id_is_refused_unlogged(
    api: Api, caplog: pytest.LogCaptureFixture, card_id: str
) -> None:
    response = api.post(LOCK, ref(card_id=card_id))
    assert (response.status, response.body["error"]["code"]) == (400, "VALIDATION_ERROR")
    digits = card_id[4:]
    assert digits not in json.dumps(response.body)
    assert all(
        digits not in record.getMessage() + str(record.__dict__) for record in caplog.records
    )


@pytest.mark.parametrize("key", [PAN, "4111-1111-1111-1111", "abc\n", "", "x" * 256, "a b"])
def test_a_bad_idempotency_key_is_refused_and_never_stored(
    api: Api, ddb_tables: Any, key: str
) -> None:
    response = api.post(LOCK, ref(), headers={"Idempotency-Key": key})
    assert (response.status, response.body["error"]["code"]) == (400, "VALIDATION_ERROR")
    if key:
        assert key not in json.dumps(response.body)
    stored = ddb_tables.client.scan(TableName=ddb_tables.names["IDEMPOTENCY_TABLE"])["Items"]
    assert stored == []
    assert version(ddb_tables) == 1


def test_a_null_header_never_becomes_the_key_none(ddb_tables: Any) -> None:
    status, _ = invoke(
        lock_event(headers={"Content-Type": "application/json", "Idempotency-Key": None})
    )
    assert status == 400
    stored = ddb_tables.client.scan(TableName=ddb_tables.names["IDEMPOTENCY_TABLE"])["Items"]
    assert stored == []


@pytest.mark.parametrize("name", ["If-Match", "Idempotency-Key"])
def test_a_duplicated_guard_header_is_refused(ddb_tables: Any, name: str) -> None:
    value = '"1"' if name == "If-Match" else "k-1"
    other = '"2"' if name == "If-Match" else "k-2"
    twice = lock_event(
        headers={"Content-Type": "application/json", name: other},
        multiValueHeaders={"Content-Type": ["application/json"], name: [value, other]},
    )
    status, body = invoke(twice)
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    cased = lock_event(
        headers={"Content-Type": "application/json", name: value, name.lower(): other}
    )
    assert invoke(cased)[0] == 400
    assert version(ddb_tables) == 1


@pytest.mark.parametrize("name", ["If-Match", "Idempotency-Key"])
def test_a_guard_header_given_two_values_across_the_header_maps_is_refused(
    ddb_tables: Any, name: str
) -> None:
    # A direct invoker builds both maps by hand: two copies that differ only in case, or a
    # headers value the multiValueHeaders contradict, are two values of one header.
    value = '"1"' if name == "If-Match" else "k-1"
    other = '"2"' if name == "If-Match" else "k-2"
    content = {"Content-Type": ["application/json"]}
    cased = lock_event(
        headers=None, multiValueHeaders={**content, name: [value], name.lower(): [other]}
    )
    contradicted = lock_event(
        headers={"Content-Type": "application/json", name: value},
        multiValueHeaders={**content, name: [other]},
    )
    for event in (cased, contradicted):
        status, body = invoke(event)
        assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert version(ddb_tables) == 1
    # API Gateway's own event repeats each header in both maps: that is one value
    agreed = lock_event(
        headers={"Content-Type": "application/json", name: value},
        multiValueHeaders={**content, name: [value]},
    )
    assert invoke(agreed)[0] == 200


def test_if_match_uses_strong_comparison(api: Api, ddb_tables: Any) -> None:
    weak = api.post(LOCK, ref(), headers={"If-Match": 'W/"1"'})
    assert (weak.status, weak.body["error"]["code"]) == (412, "PRECONDITION_FAILED")
    unicode_digit = api.post(LOCK, ref(), headers={"If-Match": '"\u0661"'})
    assert (unicode_digit.status, unicode_digit.body["error"]["code"]) == (400, "VALIDATION_ERROR")
    assert version(ddb_tables) == 1
    listed = api.post(LOCK, ref(), headers={"If-Match": '"7", W/"1", "1"'})
    assert (listed.status, listed.body["data"]["card"]["version"]) == (200, 2)


def test_if_match_star_means_the_card_exists(api: Api) -> None:
    assert api.post(LOCK, ref(), headers={"If-Match": "*"}).status == 200
    missing = api.post(LOCK, ref(card_id="CARD0MISSING0"), headers={"If-Match": "*"})
    assert (missing.status, missing.body["error"]["code"]) == (404, "CARD_NOT_FOUND")


def test_a_forged_request_id_is_replaced(ddb_tables: Any) -> None:
    event = lock_event()
    event["requestContext"]["requestId"] = f"req-{PAN}"
    status, body = invoke(event)
    assert status == 200
    assert PAN not in json.dumps(body)
    assert all(PAN not in json.dumps(item) for item in ddb_tables.events("CARD001"))
