"""What a hostile or sloppy caller sends ``POST /mcp``, the MCP tool Lambdas and the Connect
Lambda: JSON-RPC errors or refusals, never a raise, nothing run that should not run."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

import app
from chalicelib.connect.handler import handle_contact_flow_event
from mcp_handlers.dispatch import MAX_BATCH
from tests.fakes.connect import dependencies, load_event
from tests.reliability.channels import LambdaContext, gateway_context
from tests.reliability.hostile import log_text

PAN = "4111111111111111"
DEEP = "[" * 5000 + "]" * 5000
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class TimedContext:
    """A Lambda context with ``seconds`` left (the runtime's ``get_remaining_time_in_millis``)."""

    seconds: float
    aws_request_id: str = "req-timed"
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


class RaisingContext:
    """A context whose remaining-time call fails."""

    aws_request_id = "req-raising"
    client_context = None

    def get_remaining_time_in_millis(self) -> int:
        raise RuntimeError("no clock")


def post_mcp(body: str, context: Any = None, **headers: str) -> tuple[int, Any]:
    """``POST /mcp`` as API Gateway delivers it to the REST Lambda."""
    event = {
        "httpMethod": "POST",
        "path": "/mcp",
        "headers": {**MCP_HEADERS, **headers},
        "body": body,
    }
    answer = app.app(event, context)
    return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None


def lock(request_id: int, card_id: str = "CARD001") -> dict[str, Any]:
    arguments = {"customer_id": "CUST001", "card_id": card_id}
    params = {"name": "lock_card", "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def lock_unlock_batch(size: int) -> list[dict[str, Any]]:
    batch = [lock(n) for n in range(size)]
    for message in batch[1::2]:
        message["params"]["name"] = "unlock_card"
    return batch


def version(ddb_tables: Any) -> int:
    return int(ddb_tables.card("CARD001")["version"]["N"])


def test_deep_json_on_post_mcp_is_a_parse_error(ddb_tables: Any) -> None:
    status, body = post_mcp(DEEP)
    assert (status, body["error"]["code"]) == (400, -32700)


@pytest.mark.parametrize("tool", ["mcp_lock_card", "mcp_list_cards"])
def test_deep_json_in_a_lambda_body_is_a_parse_error(tool: str) -> None:
    answer = getattr(app, tool)({"body": DEEP}, LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])["error"]["code"]) == (400, -32700)


def test_a_base64_body_is_decoded(ddb_tables: Any) -> None:
    raw = json.dumps(lock(1)).encode()
    event = {"body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    answer = app.mcp_lock_card(event, LambdaContext())
    result = json.loads(answer["body"])["result"]
    assert result["structuredContent"]["card"]["status"] == "locked"
    broken = app.mcp_lock_card({"body": "%%%", "isBase64Encoded": True}, LambdaContext())
    assert json.loads(broken["body"])["error"]["code"] == -32700


def test_a_batch_over_the_cap_runs_nothing(ddb_tables: Any) -> None:
    status, body = post_mcp(json.dumps(lock_unlock_batch(3000)))
    assert (status, body["error"]["code"]) == (400, -32600)
    answer = app.mcp_lock_card({"body": json.dumps(lock_unlock_batch(MAX_BATCH + 1))}, None)
    assert json.loads(answer["body"])["error"]["code"] == -32600
    assert version(ddb_tables) == 1


def test_a_batch_at_the_cap_runs(ddb_tables: Any) -> None:
    status, body = post_mcp(json.dumps(lock_unlock_batch(MAX_BATCH)))
    assert status == 200
    assert [answer["id"] for answer in body] == list(range(MAX_BATCH))
    assert version(ddb_tables) == 1 + MAX_BATCH


@pytest.mark.parametrize("channel", ["post_mcp", "lambda"])
def test_later_messages_wait_for_time_they_do_not_have(ddb_tables: Any, channel: str) -> None:
    """With 20 s left the first message runs; the rest could not finish in time, so none starts."""
    batch = json.dumps(lock_unlock_batch(4))
    if channel == "post_mcp":
        _, body = post_mcp(batch, TimedContext(20.0))
    else:
        body = json.loads(app.mcp_lock_card({"body": batch}, TimedContext(20.0))["body"])
    assert "result" in body[0]
    assert [answer["error"]["code"] for answer in body[1:]] == [-32001] * 3
    assert version(ddb_tables) == 2


def test_an_unsupported_version_is_not_echoed() -> None:
    status, body = post_mcp(json.dumps(lock(1)), **{"MCP-Protocol-Version": f"v{PAN}"})
    assert (status, body["error"]["code"]) == (400, -32022)
    assert PAN not in json.dumps(body)
    message = {"jsonrpc": "2.0", "id": 1, "method": "server/discover"}
    message["params"] = {"_meta": {"io.modelcontextprotocol/protocolVersion": PAN}}
    status, body = post_mcp(json.dumps(message))
    assert body["error"]["code"] == -32022
    assert PAN not in json.dumps(body)
    dated = {
        **message,
        "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2030-01-01"}},
    }
    assert post_mcp(json.dumps(dated))[1]["error"]["data"]["requested"] == "2030-01-01"


@pytest.mark.parametrize("request_id", [PAN, int(PAN), "x" * 201, 2**64])
def test_an_id_that_cannot_be_echoed_is_an_invalid_request(request_id: Any) -> None:
    status, body = post_mcp(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "ping"}))
    assert (status, body["error"]["code"], body["id"]) == (400, -32600, None)


def test_card_number_arguments_are_refused_on_every_mcp_way_in(
    ddb_tables: Any, caplog: pytest.LogCaptureFixture
) -> None:
    shaped_id = lock(1, card_id=f"CARD{PAN}")
    shaped_key = lock(2)
    shaped_key["params"]["arguments"]["idempotency_key"] = PAN
    for message in (shaped_id, shaped_key):
        _, http = post_mcp(json.dumps(message))
        event = {"body": json.dumps(message)}
        body = json.loads(app.mcp_lock_card(event, LambdaContext())["body"])
        gateway = app.mcp_lock_card(message["params"]["arguments"], gateway_context("lock_card"))
        for result in (http["result"], body["result"]):
            assert result["isError"] is True
            assert PAN not in json.dumps(result)
        assert gateway["error"]["code"] == "VALIDATION_ERROR"
    assert PAN not in log_text(caplog.records)
    stored = ddb_tables.client.scan(TableName=ddb_tables.names["IDEMPOTENCY_TABLE"])["Items"]
    assert stored == []
    assert version(ddb_tables) == 1


def test_connect_answers_when_the_context_clock_fails() -> None:
    answer = handle_contact_flow_event(
        load_event("voice_customer_id_parameter"), RaisingContext(), dependencies
    )
    assert answer["status"] in {"OK", "SESSION_NOT_FOUND", "ERROR"}
    assert all(isinstance(value, str) for value in answer.values())


def test_connect_drops_card_number_shaped_ids(caplog: pytest.LogCaptureFixture) -> None:
    event = load_event("voice_customer_id_parameter")
    event["Details"]["Parameters"]["customerId"] = f"CUST{PAN}"
    answer = handle_contact_flow_event(event, None, dependencies)
    assert PAN not in json.dumps(answer)
    event = load_event("voice_customer_id_parameter")
    event["Details"]["ContactData"]["ContactId"] = PAN
    assert handle_contact_flow_event(event, None, dependencies)["status"] == "ERROR"
    assert PAN not in log_text(caplog.records)


class HostileContext:
    """A direct caller's context object whose every attribute raises."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


def test_a_context_whose_attributes_raise_is_survived(ddb_tables: Any) -> None:
    answer = app.mcp_list_cards({"customer_id": "CUST001"}, HostileContext())
    assert [card["card_id"] for card in answer["cards"]] == ["CARD001", "CARD002"]
    status, _ = post_mcp(json.dumps(lock(1)), HostileContext())
    assert status == 200
    event = load_event("voice_customer_id_parameter")
    flow = handle_contact_flow_event(event, HostileContext(), dependencies)
    assert flow["status"] in {"OK", "SESSION_NOT_FOUND", "ERROR", "CUSTOMER_NOT_FOUND"}
