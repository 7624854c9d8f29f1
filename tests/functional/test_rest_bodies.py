"""Every body the REST handler writes is serialised the same way: compact JSON.

Chalice's own 405 and 415 answers are re-wrapped in our envelope; they once went through
``json.dumps`` with its default separators (``{"success": false, ...}``) while every other body,
serialised by Chalice's ``Response``, was compact.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import app


def api_event(method: str, resource: str, path: str, content_type: str, body: str | None) -> Any:
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {"Content-Type": [content_type]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "requestId": "r-1"},
        "body": body,
        "isBase64Encoded": False,
    }


LOCK_BODY = json.dumps({"customer_id": "CUST001", "card_id": "CARD001"})


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (api_event("POST", "/v1/cards/lock", "/v1/cards/lock", "application/json", LOCK_BODY), 200),
        (api_event("POST", "/v1/cards/lock", "/v1/cards/lock", "text/plain", LOCK_BODY), 415),
        (api_event("PUT", "/v1/cards/lock", "/v1/cards/lock", "application/json", LOCK_BODY), 405),
        (api_event("POST", "/v1/cards/lock", "/v1/cards/lock", "application/json", "{"), 400),
        ({"httpMethod": "GET", "path": "/v1/nowhere"}, 404),
    ],
    ids=["ok", "unsupported-media-type", "method-not-allowed", "bad-json", "no-route"],
)
def test_every_body_is_compact_json(ddb_tables: Any, event: Any, status: int) -> None:
    response = app(event, None)
    assert response["statusCode"] == status
    body = response["body"]
    assert body == json.dumps(json.loads(body), separators=(",", ":")), body
    assert response["headers"]["Content-Type"] == "application/json"
