"""The route table is written once, in ``app.py``'s decorators; the OpenAPI document is generated
from what Chalice registered (``app.routes``) and what each ``api_operation`` declares.

The document's paths were once a second, hand-kept list beside the routes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice import Chalice

from app import app
from chalicelib import errors, models
from chalicelib.rest import edge as rest
from chalicelib.rest.headers import IF_MATCH_PATTERN
from chalicelib.rest.openapi import DocumentedRoute, documented_routes, openapi_document


def test_a_new_route_is_documented_from_its_decorator_alone() -> None:
    # GIVEN an app with one more route than ours, declared the way app.py declares routes
    other = Chalice(app_name="t")

    @other.route("/v1/customers/{customer_id}/cards/{card_id}/summary", methods=["GET"])
    @rest.api_operation(response=models.CardView, refuses=(*rest.READ_REFUSALS,))
    def card_summary(customer_id: str, card_id: str) -> dict[str, Any]:
        """One card, briefly."""
        return {}

    @other.route("/plain")
    def plain() -> dict[str, Any]:
        return {}

    # WHEN its document is generated THEN the route is in it, and only the API operation
    document = openapi_document(other.routes)
    assert list(document["paths"]) == ["/v1/customers/{customer_id}/cards/{card_id}/summary"]
    get = document["paths"]["/v1/customers/{customer_id}/cards/{card_id}/summary"]["get"]
    assert (get["operationId"], get["summary"]) == ("cardSummary", "One card, briefly")
    assert sorted(get["responses"]) == ["200", "400", "401", "415", "500", "503"]
    assert [p["name"] for p in get["parameters"]] == ["customer_id", "card_id"]
    assert "CardView" in document["components"]["schemas"]


def test_every_documented_status_is_a_declared_refusals_status() -> None:
    document = openapi_document(app.routes)
    unlock = document["paths"]["/v1/cards/unlock"]["post"]["responses"]
    assert "403" in unlock  # errors.UnlockNotPermittedError.http_status
    lock = document["paths"]["/v1/cards/lock"]["post"]["responses"]
    assert "403" not in lock
    assert str(errors.PreconditionFailedError.http_status) in lock
    headers = {p["name"]: p for p in document["paths"]["/v1/cards/lock"]["post"]["parameters"]}
    assert headers["If-Match"]["schema"]["pattern"] == IF_MATCH_PATTERN


def test_health_documents_the_envelope_it_answers_and_its_refusals() -> None:
    health = openapi_document(app.routes)["paths"]["/health"]["get"]["responses"]
    assert sorted(health) == ["200", "400", "415", "500"]
    data = health["200"]["content"]["application/json"]["schema"]["properties"]["data"]
    assert data == {"$ref": "#/components/schemas/Health"}


def _concrete(path: str) -> str:
    return path.replace("{customer_id}", "CUST001").replace("{card_id}", "CARD001")


#: Refusals every route answers before its view reads anything (no database needed): a body
#: type Chalice refuses (it checks Content-Type on every route, GET too), a query parameter the
#: route does not take.
EDGE_EVENTS = {
    "text-body": {"headers": {"Content-Type": "text/plain"}},
    "unknown-query": {"queryStringParameters": {"page": "2"}},
}


@pytest.mark.parametrize("kind", list(EDGE_EVENTS))
@pytest.mark.parametrize(
    "route", documented_routes(app.routes), ids=lambda r: f"{r.method}-{r.operation_id}"
)
def test_every_edge_refusal_a_route_answers_is_documented_under_it(
    route: DocumentedRoute, kind: str
) -> None:
    # GIVEN a request of the route's method and path that the edge refuses
    event = {"httpMethod": route.method.upper(), "path": _concrete(route.path), "body": "{}"}
    event.update(EDGE_EVENTS[kind])
    # WHEN the API Lambda answers it THEN its status is one the document lists for the route
    answer = app(event, None)
    assert json.loads(answer["body"])["success"] is False
    responses = openapi_document(app.routes)["paths"][route.path][route.method]["responses"]
    assert str(answer["statusCode"]) in responses, (kind, answer["statusCode"], sorted(responses))
