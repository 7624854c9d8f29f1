"""The route table is written once, in ``app.py``'s decorators; the OpenAPI document is generated
from what Chalice registered (``app.routes``) and what each ``api_operation`` declares.

The document's paths were once a second, hand-kept list beside the routes.
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice

from app import app
from chalicelib import errors, models
from chalicelib.rest import edge as rest
from chalicelib.rest.headers import IF_MATCH_PATTERN
from chalicelib.rest.openapi import openapi_document


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
    assert sorted(get["responses"]) == ["200", "400", "401", "500", "503"]
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
    assert sorted(health) == ["200", "400", "500"]
    data = health["200"]["content"]["application/json"]["schema"]["properties"]["data"]
    assert data == {"$ref": "#/components/schemas/Health"}
