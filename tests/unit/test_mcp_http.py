"""``POST /mcp``'s transport rules (Streamable HTTP, stateless, JSON only), called directly with
the request the REST handler builds; none of these reaches the card service."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.rest.request import HttpRequest
from mcp_handlers.http import MAX_BODY_BYTES, handle_http
from tests.fakes.mcp import no_service

PING = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"})
JSON_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def post(body: str | None = PING, method: str = "POST", **headers: str) -> Any:
    all_headers = {**JSON_HEADERS, **{k.replace("_", "-"): v for k, v in headers.items()}}
    request = HttpRequest("req-1", all_headers, {}, body, None, method)
    return handle_http(request, no_service)


def test_ping_answers_json() -> None:
    response = post()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert "Mcp-Session-Id" not in response.headers


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_are_405_with_allow_post(method: str) -> None:
    response = post(None, method)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")


def test_notifications_are_202_with_no_body() -> None:
    response = post(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    assert (response.status_code, response.body) == (202, "")


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("application/json, text/event-stream", 200),
        ("application/json", 200),
        ("application/*", 200),
        ("*/*", 200),
        ("", 200),
        ("text/event-stream", 406),
        ("text/html", 406),
    ],
)
def test_accept_must_allow_json_and_a_missing_one_is_fine(accept: str, status: int) -> None:
    assert post(accept=accept).status_code == status


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 200),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON", 200),
        ("text/plain", 415),
        ("", 415),
    ],
)
def test_content_type_must_be_json(content_type: str, status: int) -> None:
    assert post(content_type=content_type).status_code == status


def test_an_unsupported_protocol_version_header_is_400_with_32022() -> None:
    response = post(mcp_protocol_version="2099-01-01")
    body = json.loads(response.body)
    assert response.status_code == 400
    assert body["error"]["code"] == -32022
    assert "2025-03-26" in body["error"]["data"]["supported"]


def test_a_missing_version_header_means_2025_03_26_where_batches_exist() -> None:
    batch = json.dumps(
        [json.loads(PING), {"jsonrpc": "2.0", "method": "notifications/initialized"}]
    )
    assert [a["id"] for a in json.loads(post(batch).body)] == [1]
    assert post(batch, mcp_protocol_version="2025-11-25").status_code == 400


def test_a_method_header_that_contradicts_the_body_is_32020() -> None:
    response = post(mcp_method="tools/call")
    assert (response.status_code, json.loads(response.body)["error"]["code"]) == (400, -32020)
    assert post(mcp_method="ping").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{nope", 400, -32700),
        ("", 400, -32700),
        (None, 400, -32700),
        ('"x"', 400, -32600),
        ("[]", 400, -32600),
        ("x" * (MAX_BODY_BYTES + 1), 413, -32600),
    ],
)
def test_unusable_bodies(body: str | None, status: int, code: int) -> None:
    response = post(body)
    assert response.status_code == status
    assert json.loads(response.body)["error"]["code"] == code
