"""The REST edge on its own, without Chalice: the request a view reads, its body, headers, path
and query parsed into models or refused as validation errors, and what ``api_operation`` makes
of a view's answer or error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import errors, models
from chalicelib.rest import edge
from chalicelib.rest.request import HttpRequest, set_current

HISTORY = "/v1/customers/{customer_id}/cards/{card_id}/events"
PAN = "4111111111111111"


@pytest.fixture
def serve() -> Iterator[Any]:
    """Make a request the one this thread is serving."""

    def bind(
        body: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        principal: str | None = None,
        route: str = "/v1/cards/lock",
        method: str = "POST",
    ) -> None:
        set_current(
            HttpRequest("req-7", headers or {}, query or {}, body, principal, method, route)
        )

    yield bind
    set_current(None)


def operation(view: Any) -> Any:
    """``view`` as app.py declares a route: an API operation answering ``WriteResult``."""
    return edge.api_operation(response=models.WriteResult)(view)


def refusal(call: Any) -> dict[str, Any]:
    with pytest.raises(errors.ValidationFailedError) as refused:
        call()
    details: dict[str, Any] = refused.value.details or {}
    return details


# -- the body ----------------------------------------------------------------------------------


def test_a_valid_body_becomes_its_model_with_the_models_defaults(serve: Any) -> None:
    serve(json.dumps({"customer_id": "CUST001", "card_id": "CARD001"}))
    body = edge.parse_body(models.LockCardRequest)
    assert (body.customer_id, body.card_id, body.reason) == (
        "CUST001",
        "CARD001",
        "customer_request",
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            '{"customer_id": "CUST001", "card_id": "CARD001", "colour": 1}',
            [("colour", "unknown field")],
        ),
        (None, [("body", "must be a JSON object")]),
        ("not json", [("body", "is not valid JSON")]),
        # strict: a number is no id
        (
            '{"customer_id": "CUST001", "card_id": 7}',
            [("card_id", "Input should be a valid string")],
        ),
        ('{"customer_id": "CUST001"}', [("card_id", "Field required")]),
    ],
)
def test_a_body_that_does_not_fit_is_refused_field_by_field(
    serve: Any, body: str | None, fields: list[tuple[str, str]]
) -> None:
    serve(body)
    details = refusal(lambda: edge.parse_body(models.LockCardRequest))
    assert [(f["field"], f["issue"]) for f in details["fields"]] == fields


def test_a_card_number_anywhere_in_the_body_is_refused_and_never_echoed(serve: Any) -> None:
    for body in (
        {"customer_id": "CUST001", "card_id": "CARD001", "pan": PAN},
        {"customer_id": f"CUST{PAN}", "card_id": "CARD001"},
    ):
        serve(json.dumps(body))
        details = refusal(lambda: edge.parse_body(models.LockCardRequest))
        assert PAN not in json.dumps(details)


def test_a_body_past_the_limit_is_too_large_before_it_is_parsed(serve: Any) -> None:
    serve("x" * (edge.MAX_BODY_BYTES + 1))
    with pytest.raises(errors.PayloadTooLargeError) as refused:
        edge.parse_body(models.LockCardRequest)
    assert refused.value.details == {"max_bytes": edge.MAX_BODY_BYTES}
    serve(" " * edge.MAX_BODY_BYTES)
    refusal(lambda: edge.parse_body(models.LockCardRequest))  # at the limit: parsed (and invalid)


# -- headers, caller, path, query -------------------------------------------------------------


def test_the_write_guards_come_from_their_headers(serve: Any) -> None:
    serve(headers={"idempotency-key": "order-7f3a", "if-match": '"4", "5"'})
    assert (edge.idempotency_key(), edge.if_match()) == ("order-7f3a", frozenset({4, 5}))
    serve()
    assert (edge.idempotency_key(), edge.if_match()) == (None, None)
    serve(headers={"idempotency-key": "has space"})
    assert refusal(edge.idempotency_key)["fields"][0]["field"] == "Idempotency-Key"
    serve(headers={"if-match": "yesterday"})
    assert refusal(edge.if_match)["fields"][0]["field"] == "If-Match"


def test_the_caller_is_the_api_channel_under_the_iam_principal(serve: Any) -> None:
    principal = "arn:aws:iam::123456789012:user/ops"
    serve(principal=principal)
    assert edge.caller() == edge.Caller(channel="api", actor=principal, request_id="req-7")
    serve()
    assert edge.caller().actor == "api"


def test_path_ids_are_validated_like_body_ids(serve: Any) -> None:
    assert edge.path_customer_id("CUST001") == "CUST001"
    assert refusal(lambda: edge.path_customer_id("cust001"))["fields"][0]["field"] == "customer_id"
    ref = edge.path_card_ref("CUST001", "CARD001")
    assert (ref.customer_id, ref.card_id) == ("CUST001", "CARD001")
    fields = refusal(lambda: edge.path_card_ref("CUST001", f"CARD{PAN}"))["fields"]
    assert [f["field"] for f in fields] == ["card_id"]
    assert PAN not in json.dumps(fields)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (20, None)),
        ({"limit": "5"}, (5, None)),
        ({"limit": "100", "cursor": "abc"}, (100, "abc")),
    ],
)
def test_the_history_query_reads_text_numbers(
    serve: Any, query: dict[str, str], expected: tuple[int, str | None]
) -> None:
    serve(query=query, route=HISTORY, method="GET")
    page = edge.history_query()
    assert (page.limit, page.cursor) == expected


@pytest.mark.parametrize(
    "query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"cursor": ""}]
)
def test_a_history_query_out_of_bounds_is_refused(serve: Any, query: dict[str, str]) -> None:
    serve(query=query, route=HISTORY, method="GET")
    assert [f["field"] for f in refusal(edge.history_query)["fields"]] == list(query)


def test_query_parameters_a_route_does_not_take_are_refused(serve: Any) -> None:
    history, lock = models.HistoryQuery, None  # what app.py declares for the two routes
    serve(query={"limit": "5"}, route=HISTORY, method="GET")
    edge.refuse_unknown_query(history)
    serve(query={"limit": "5", "debug": "1"}, route=HISTORY, method="GET")
    assert refusal(lambda: edge.refuse_unknown_query(history))["fields"] == [
        {"field": "debug", "issue": "unknown field"}
    ]
    serve(query={"limit": "5"}, route="/v1/cards/lock")
    assert [f["field"] for f in refusal(lambda: edge.refuse_unknown_query(lock))["fields"]] == [
        "limit"
    ]


# -- what a view's answer or error becomes -----------------------------------------------------


def body_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.body
    return body


def test_a_views_answer_is_the_success_envelope(serve: Any) -> None:
    serve()
    response = operation(lambda: {"changed": True})()
    assert (response.status_code, body_of(response)) == (
        200,
        {"success": True, "data": {"changed": True}},
    )
    assert "Idempotent-Replayed" not in response.headers


def test_a_replayed_answer_is_the_first_body_with_the_replay_header(serve: Any) -> None:
    serve()
    response = operation(lambda: {"changed": True, "replayed": True})()
    assert body_of(response)["data"] == {"changed": True}
    assert response.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.CardNotFoundError(), 404),
        (errors.UnlockNotPermittedError(), 403),
        (errors.PreconditionFailedError(details={"current_version": 3}), 412),
        (errors.IdempotencyKeyReusedError(), 422),
        (errors.ConcurrentModificationError(), 409),
    ],
)
def test_a_domain_error_is_its_status_and_the_error_envelope(
    serve: Any, error: errors.CardOpsError, status: int
) -> None:
    serve()

    def view() -> dict[str, Any]:
        raise error

    response = operation(view)()
    assert response.status_code == status
    expected = {"code": error.code, "message": error.message, "request_id": "req-7"}
    expected["retryable"] = error.retryable  # type: ignore[assignment]
    if error.details:
        expected["details"] = error.details  # type: ignore[assignment]
    assert body_of(response) == {"success": False, "error": expected}


def test_unavailability_tells_the_client_when_to_retry(serve: Any) -> None:
    serve()

    def view() -> dict[str, Any]:
        raise errors.ServiceUnavailableError(cause="ThrottlingException")

    response = operation(view)()
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert "ThrottlingException" not in json.dumps(body_of(response))


def test_a_bug_is_a_500_that_leaks_nothing(serve: Any) -> None:
    serve()

    def view() -> dict[str, Any]:
        raise KeyError("arn:aws:dynamodb:us-east-1:123456789012:table/betterbank-cards")

    response = operation(view)()
    assert (response.status_code, body_of(response)["error"]["code"]) == (500, "INTERNAL_ERROR")
    assert "arn:" not in json.dumps(body_of(response))
    assert "KeyError" not in json.dumps(body_of(response))


def test_an_unknown_query_parameter_is_refused_before_the_view_runs(serve: Any) -> None:
    ran: list[bool] = []
    serve(query={"x": "1"})
    response = operation(lambda: ran.append(True) or {})()
    assert (response.status_code, ran) == (400, [])
