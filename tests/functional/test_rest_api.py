"""The REST channel end to end: Chalice handler -> service -> DynamoDB Local.

Every lifecycle rule and every error code with its HTTP status, in the error envelope.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import app
from tests.functional.conftest import Api

EVENTS = Path(__file__).parent.parent / "events" / "rest"
LOCK = "/v1/cards/lock"
UNLOCK = "/v1/cards/unlock"
NEW = "/v1/cards/request-new"
ACTIVATE = "/v1/cards/activate"


def ref(customer: str = "CUST001", card: str = "CARD001", **extra: Any) -> dict[str, Any]:
    return {"customer_id": customer, "card_id": card, **extra}


def error_of(response: Any) -> dict[str, Any]:
    assert response.body["success"] is False
    error: dict[str, Any] = response.body["error"]
    assert set(error) <= {"code", "message", "request_id", "retryable", "details"}
    return error


def versions(events: list[dict[str, Any]]) -> list[int]:
    return [int(e["version"]["N"]) for e in events]


# -- the lifecycle ---------------------------------------------------------------------------


def test_lock_then_unlock(api: Api, ddb_tables: Any) -> None:
    locked = api.post(LOCK, ref(reason="misplaced"))
    assert locked.status == 200
    data = locked.body["data"]
    assert data["changed"] is True
    assert data["card"]["status"] == "locked"
    assert data["card"]["lock"]["reason"] == "misplaced"
    assert data["card"]["version"] == 2
    again = api.post(LOCK, ref())
    assert (again.status, again.body["data"]["changed"]) == (200, False)
    unlocked = api.post(UNLOCK, ref())
    assert unlocked.body["data"]["card"]["status"] == "active"
    assert "lock" not in unlocked.body["data"]["card"]
    assert versions(ddb_tables.events("CARD001")) == [1, 2, 3]


def test_write_response_carries_the_card_fields_and_nothing_sensitive(api: Api) -> None:
    card = api.post(LOCK, ref()).body["data"]["card"]
    assert {
        "card_id",
        "customer_id",
        "product",
        "brand",
        "last4",
        "expiry",
        "status",
        "version",
        "updated_at",
        "lock",
    } <= set(card)
    assert not {"number", "pan", "cvv", "pin"} & set(card)


def test_the_api_channel_may_lift_a_fraud_lock(api: Api) -> None:
    api.post(LOCK, ref(reason="suspected_fraud"))
    assert api.post(UNLOCK, ref()).body["data"]["card"]["status"] == "active"


def test_request_new_lost_closes_the_old_card_at_once(api: Api, ddb_tables: Any) -> None:
    response = api.post(NEW, ref(reason="lost", shipping_speed="expedited"))
    assert response.status == 200
    data = response.body["data"]
    new = data["card"]
    assert new["status"] == "pending_activation"
    assert new["replacement_for"] == "CARD001"
    assert new["shipping"]["speed"] == "expedited"
    assert data["replaced_card"]["status"] == "closed"
    assert data["replaced_card"]["closed_reason"] == "lost"
    old = ddb_tables.card("CARD001")
    assert old["status"]["S"] == "closed"
    assert old["replaced_by"]["S"] == new["card_id"]
    assert versions(ddb_tables.events(new["card_id"])) == [1]


def test_damaged_then_activate_closes_the_old_card(api: Api, ddb_tables: Any) -> None:
    new = api.post(NEW, ref(reason="damaged")).body["data"]["card"]
    assert ddb_tables.card("CARD001")["status"]["S"] == "active"
    second = api.post(NEW, ref(reason="expiring"))
    assert second.status == 409
    assert error_of(second)["code"] == "REPLACEMENT_ALREADY_REQUESTED"
    assert error_of(second)["details"] == {"replacement_card_id": new["card_id"]}
    activated = api.post(ACTIVATE, ref(card=new["card_id"]))
    assert activated.status == 200
    assert activated.body["data"]["card"]["status"] == "active"
    assert activated.body["data"]["replaced_card"]["closed_reason"] == "replaced"
    assert ddb_tables.card("CARD001")["status"]["S"] == "closed"
    again = api.post(ACTIVATE, ref(card=new["card_id"]))
    assert again.body["data"]["changed"] is False


def test_list_cards_and_history_with_cursor(api: Api) -> None:
    for _ in range(3):
        api.post(LOCK, ref())
        api.post(UNLOCK, ref())
    cards = api.get("/v1/customers/CUST001/cards").body["data"]["cards"]
    assert [c["card_id"] for c in cards] == ["CARD001", "CARD002"]
    seen: list[int] = []
    path = "/v1/customers/CUST001/cards/CARD001/events?limit=3"
    page = api.get(path).body["data"]
    seen += [e["version"] for e in page["events"]]
    while page.get("next_cursor"):
        page = api.get(f"{path}&cursor={page['next_cursor']}").body["data"]
        seen += [e["version"] for e in page["events"]]
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_a_full_last_page_has_no_cursor(api: Api) -> None:
    api.post(LOCK, ref())  # CARD001 now has events 1 and 2
    path = "/v1/customers/CUST001/cards/CARD001/events"
    first = api.get(f"{path}?limit=1").body["data"]
    last = api.get(f"{path}?limit=1&cursor={first['next_cursor']}").body["data"]
    assert [e["version"] for e in last["events"]] == [1]
    assert last.get("next_cursor") is None
    assert api.get(f"{path}?limit=2").body["data"].get("next_cursor") is None


def test_an_unknown_field_is_named_and_a_card_secret_is_not(api: Api) -> None:
    typo = error_of(api.post(NEW, ref(reason="lost", shipping_sped="expedited")))
    assert typo["details"]["fields"] == [{"field": "shipping_sped", "issue": "unknown field"}]
    secret = error_of(api.post(LOCK, ref(cvv="123")))
    assert secret["details"]["fields"] == [
        {"field": "body", "issue": "card numbers, CVVs and PINs are never accepted"}
    ]
    odd = error_of(api.post(LOCK, ref(**{"4111111111111111": "x"})))
    assert odd["details"]["fields"] == [{"field": "body", "issue": "unknown field"}]


def test_history_of_another_customers_card_is_card_not_found(api: Api) -> None:
    response = api.get("/v1/customers/CUST001/cards/CARD003/events")
    assert (response.status, error_of(response)["code"]) == (404, "CARD_NOT_FOUND")


def test_a_cursor_for_another_card_is_refused(api: Api) -> None:
    api.post(LOCK, ref())
    cursor = api.get("/v1/customers/CUST001/cards/CARD001/events?limit=1").body["data"][
        "next_cursor"
    ]
    response = api.get(f"/v1/customers/CUST001/cards/CARD002/events?cursor={cursor}")
    assert (response.status, error_of(response)["code"]) == (400, "VALIDATION_ERROR")
    assert error_of(response)["details"] == {
        "fields": [{"field": "cursor", "issue": "is not a valid cursor"}]
    }


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=abc", "limit=%C2%B2", "cursor=%%%"]
)
def test_bad_history_queries_are_validation_errors(api: Api, query: str) -> None:
    response = api.get(f"/v1/customers/CUST001/cards/CARD001/events?{query}")
    assert (response.status, error_of(response)["code"]) == (400, "VALIDATION_ERROR")


def test_health_and_openapi(api: Api) -> None:
    assert api.get("/health").body == {"success": True, "data": {"status": "ok"}}
    document = api.get("/openapi.json").body
    assert document["openapi"] == "3.1.0"
    routes = {path for path in app.routes if path not in {"/openapi.json", "/mcp"}}
    assert routes == set(document["paths"])
    assert "LockCardRequest" in document["components"]["schemas"]
    for path in ("/v1/cards/lock", "/v1/cards/request-new", "/v1/cards/activate"):
        post = document["paths"][path]["post"]
        assert "Idempotent-Replayed" in post["responses"]["200"]["headers"]
    for path in ("/v1/cards/unlock", "/v1/cards/request-new", "/v1/cards/activate"):
        assert "403" in document["paths"][path]["post"]["responses"]  # the fraud rules


# -- the old guide's shapes -------------------------------------------------------------------


def test_unknown_customer_is_the_guides_401(api: Api) -> None:
    response = api.post(LOCK, ref(customer="CUST999"))
    assert response.status == 401
    assert response.body["success"] is False
    assert response.body["error"]["code"] == "AUTH_FAILED"
    assert response.body["error"]["message"] == "Authentication failed. Customer not found."


def test_unknown_card_is_the_guides_404(api: Api) -> None:
    response = api.post(LOCK, ref(card="CARD999"))
    assert response.status == 404
    assert response.body["error"]["code"] == "CARD_NOT_FOUND"
    assert response.body["error"]["message"] == "Card not found."


@pytest.mark.parametrize("path", [LOCK, UNLOCK, ACTIVATE])
def test_another_customers_card_is_indistinguishable_from_a_missing_one(
    api: Api, ddb_tables: Any, path: str
) -> None:
    before = ddb_tables.card("CARD003")
    other = api.post(path, ref(card="CARD003"))
    missing = api.post(path, ref(card="CARD999"))
    assert other.status == missing.status == 404
    other_error, missing_error = error_of(other), error_of(missing)
    other_error.pop("request_id")
    missing_error.pop("request_id")
    assert other_error == missing_error
    assert other.headers == missing.headers
    assert ddb_tables.card("CARD003") == before


def test_suspended_customer_is_refused(api: Api, ddb_tables: Any) -> None:
    ddb_tables.set_customer_status("CUST001", "suspended")
    assert error_of(api.post(LOCK, ref()))["code"] == "AUTH_FAILED"
    assert error_of(api.get("/v1/customers/CUST001/cards"))["code"] == "AUTH_FAILED"


def test_bare_proxy_event_locks_card001(ddb_tables: Any) -> None:
    event = json.loads((EVENTS / "bare_lock_event.json").read_text())
    response = app(event, None)
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["data"]["card"]["status"] == "locked"
    assert ddb_tables.card("CARD001")["status"]["S"] == "locked"


def test_api_gateway_event_lists_cards_and_records_no_arn_in_errors(ddb_tables: Any) -> None:
    event = json.loads((EVENTS / "apigw_list_cards_event.json").read_text())
    response = app(event, None)
    assert response["statusCode"] == 200
    cards = json.loads(response["body"])["data"]["cards"]
    assert {c["card_id"] for c in cards} == {"CARD003", "CARD004"}


@pytest.mark.parametrize(
    "event",
    [
        {"httpMethod": "POST", "path": "/v1/nowhere", "body": "{}"},
        {"httpMethod": "POST"},
        {"path": 42},
        [],
        "lock my card",
    ],
)
def test_garbage_events_get_an_envelope(ddb_tables: Any, event: Any) -> None:
    response = app(event, None)
    assert 400 <= response["statusCode"] < 500
    assert json.loads(response["body"])["success"] is False


# -- every other error code -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", "body"),
        ("[]", "body"),
        ("null", "body"),
        (json.dumps(ref(card=123)), "card_id"),
        (json.dumps(ref(customer="cust001")), "customer_id"),
        (json.dumps(ref(card="CARD1")), "card_id"),
        (json.dumps(ref(reason="bored")), "reason"),
        (json.dumps(ref(pan="4111111111111111")), "body"),
        (json.dumps({"customer_id": "CUST001"}), "card_id"),
    ],
)
def test_bad_bodies_are_400_without_echoing_input(api: Api, body: str, field: str) -> None:
    response = api.post(LOCK, body)
    error = error_of(response)
    assert (response.status, error["code"]) == (400, "VALIDATION_ERROR")
    assert field in {f["field"] for f in error["details"]["fields"]}
    text = json.dumps(response.body)
    for secret in ("4111111111111111", "bored", "cust001", 'CARD1"'):
        assert secret not in text


def test_unknown_field_is_rejected_and_nothing_changes(api: Api, ddb_tables: Any) -> None:
    before = ddb_tables.card("CARD001")
    response = api.post(LOCK, ref(cvv="123"))
    assert response.status == 400
    assert ddb_tables.card("CARD001") == before


def test_bodies_over_16_kb_are_413(api: Api) -> None:
    response = api.post(LOCK, ref(padding="x" * 17_000))
    assert (response.status, error_of(response)["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_non_json_content_type_is_415_in_our_envelope(api: Api) -> None:
    response = api.post(LOCK, "customer_id=CUST001", headers={"Content-Type": "text/plain"})
    assert (response.status, error_of(response)["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_closed_and_invalid_state_are_409(api: Api) -> None:
    new = api.post(NEW, ref(reason="stolen")).body["data"]["card"]
    closed = api.post(LOCK, ref())
    assert (closed.status, error_of(closed)["code"]) == (409, "CARD_CLOSED")
    pending = api.post(LOCK, ref(card=new["card_id"]))
    assert (pending.status, error_of(pending)["code"]) == (409, "INVALID_CARD_STATE")
    not_new = api.post(ACTIVATE, ref(card="CARD002"))
    assert not_new.body["data"]["changed"] is False


def test_if_match(api: Api) -> None:
    stale = api.post(LOCK, ref(), headers={"If-Match": '"7"'})
    assert (stale.status, error_of(stale)["code"]) == (412, "PRECONDITION_FAILED")
    assert stale.body["error"]["details"] == {"current_version": 1}
    fresh = api.post(LOCK, ref(), headers={"If-Match": '"1"'})
    assert fresh.body["data"]["card"]["version"] == 2
    garbage = api.post(LOCK, ref(), headers={"If-Match": "yesterday"})
    assert garbage.status == 400


def test_idempotency_key_replays_and_refuses_reuse(api: Api, ddb_tables: Any) -> None:
    headers = {"Idempotency-Key": "order-7f3a"}
    first = api.post(NEW, ref(reason="damaged"), headers=headers)
    replay = api.post(NEW, ref(reason="damaged"), headers=headers)
    assert first.status == replay.status == 200
    assert first.body == replay.body
    reused = api.post(NEW, ref(reason="lost"), headers=headers)
    assert (reused.status, error_of(reused)["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert versions(ddb_tables.events("CARD001")) == [1, 2]
    bad = api.post(NEW, ref(reason="damaged"), headers={"Idempotency-Key": "x" * 256})
    assert bad.status == 400
