"""The MCP tool Lambdas' adapter without AWS: the three event kinds it receives, the gateway's
client context, and garbage that must never raise."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib import errors
from mcp_handlers.lambda_adapter import handle_lambda_event
from tests.fakes.mcp import FakeCardService

LOCK = {"customer_id": "CUST001", "card_id": "CARD001"}


@dataclass
class ClientContext:
    """The part of ``LambdaContext.client_context`` the gateway fills."""

    custom: dict[str, Any] | None


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that the adapter reads."""

    client_context: ClientContext | None = None
    aws_request_id: str = "lambda-req-9"


def gateway(tool_name: str, **extra: str) -> LambdaContext:
    """A context as AgentCore Gateway sends it (exact camel-case keys)."""
    custom = {
        "bedrockAgentCoreMessageVersion": "1.0",
        "bedrockAgentCoreAwsRequestId": "agw-1",
        "bedrockAgentCoreMcpMessageId": "3",
        "bedrockAgentCoreGatewayId": "gw-abc",
        "bedrockAgentCoreTargetId": "TGT42",
        "bedrockAgentCoreToolName": tool_name,
        **extra,
    }
    return LambdaContext(ClientContext(custom))


def test_a_gateway_call_returns_the_plain_structured_result_with_the_gateway_actor() -> None:
    service = FakeCardService()
    result = handle_lambda_event(
        "lock_card", LOCK, gateway("lock-card___lock_card"), lambda: service
    )
    assert result["card"]["status"] == "locked"
    assert "content" not in result  # not an MCP envelope: the gateway would wrap it again
    ((_, command, caller),) = service.calls
    assert (command.customer_id, command.card_id) == ("CUST001", "CARD001")
    assert caller.channel == "mcp"
    assert caller.actor == "agentcore:gw-abc/TGT42"
    assert caller.request_id == "lambda-req-9"


def test_the_tool_name_is_split_on_the_first_triple_underscore() -> None:
    service = FakeCardService()
    ok = handle_lambda_event("lock_card", LOCK, gateway("my-target___lock_card"), lambda: service)
    assert ok["card"]["status"] == "locked"
    odd = handle_lambda_event("lock_card", LOCK, gateway("t___lock_card___x"), lambda: service)
    assert odd["error"]["code"] == "VALIDATION_ERROR"
    bare = handle_lambda_event("lock_card", LOCK, gateway("lock_card"), lambda: service)
    assert bare["card"]["status"] == "locked"


def test_a_tool_this_lambda_does_not_serve_is_refused_as_a_result() -> None:
    service = FakeCardService()
    result = handle_lambda_event(
        "lock_card", LOCK, gateway("unlock-card___unlock_card"), lambda: service
    )
    assert result["error"]["code"] == "VALIDATION_ERROR"
    assert "lock_card" in result["error"]["message"]
    assert service.calls == []


def test_a_refusal_is_a_plain_error_object() -> None:
    service = FakeCardService(refusals={"CARD001": errors.CardNotFoundError()})
    result = handle_lambda_event(
        "lock_card", LOCK, gateway("lock-card___lock_card"), lambda: service
    )
    assert result == {
        "error": {
            "code": "CARD_NOT_FOUND",
            "message": "Card not found.",
            "retryable": False,
            "request_id": "lambda-req-9",
        }
    }


def test_without_gateway_ids_the_actor_is_mcp() -> None:
    service = FakeCardService()
    context = LambdaContext(ClientContext({"bedrockAgentCoreToolName": "lock-card___lock_card"}))
    handle_lambda_event("lock_card", LOCK, context, lambda: service)
    assert service.calls[0][2].actor == "mcp"


@pytest.mark.parametrize(
    "context", [None, LambdaContext(), LambdaContext(ClientContext(None)), object()]
)
def test_without_a_client_context_the_event_is_the_lambdas_own_arguments(context: Any) -> None:
    service = FakeCardService()
    result = handle_lambda_event("lock_card", LOCK, context, lambda: service)
    assert result["card"]["status"] == "locked"


def test_the_guides_body_payload_answers_in_the_same_style() -> None:
    event = {"body": json.dumps({"method": "tools/list", "id": 1})}
    response = handle_lambda_event("activate_card", event, None, FakeCardService)
    assert response["statusCode"] == 200
    assert response["headers"] == {"Content-Type": "application/json"}
    body = json.loads(response["body"])
    assert (body["jsonrpc"], body["id"]) == ("2.0", 1)
    assert [tool["name"] for tool in body["result"]["tools"]] == ["activate_card"]


def test_a_body_notification_is_202_with_an_empty_body() -> None:
    event = {"body": json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})}
    assert handle_lambda_event("lock_card", event, None, FakeCardService)["statusCode"] == 202


def test_a_bare_jsonrpc_object_gets_a_bare_answer() -> None:
    message = {
        "id": "a",
        "method": "tools/call",
        "params": {"name": "lock_card", "arguments": LOCK},
    }
    answer = handle_lambda_event("lock_card", message, None, FakeCardService)
    assert answer["id"] == "a"
    assert answer["result"]["isError"] is False


def test_a_bug_in_a_gateway_call_is_a_generic_error_object() -> None:
    result = handle_lambda_event(
        "lock_card", LOCK, gateway("lock-card___lock_card"), lambda: FakeCardService(crash=True)
    )
    assert result["error"]["code"] == "INTERNAL_ERROR"
    assert "arn:" not in json.dumps(result)


def test_a_bug_in_a_body_call_is_500_with_32603() -> None:
    event = {
        "body": json.dumps(
            {"id": 1, "method": "tools/call", "params": {"name": "lock_card", "arguments": LOCK}}
        )
    }
    response = handle_lambda_event("lock_card", event, None, lambda: FakeCardService(crash=True))
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["error"]["code"] == -32603


@pytest.mark.parametrize(
    "event",
    [
        None,
        42,
        "",
        "not json",
        [],
        [1, 2],
        [{"jsonrpc": "2.0", "id": 1, "method": "ping"}],
        {},
        {"body": None},
        {"body": 7},
        {"body": ""},
        {"body": "{not json"},
        {"body": "[]"},
        {"body": "null"},
        {"body": '{"id": 1}'},
        {"body": '{"method": "tools/call", "id": 1, "params": {"name": "lock_card"}}'},
        {"body": "x" * 1_100_000},
        {"body": {"method": "ping", "id": 1}},
        {"method": 5, "id": 1},
        {"jsonrpc": "1.0", "method": "ping", "id": 1},
        {"method": "tools/call", "id": 1, "params": {"name": "lock_card", "arguments": "x"}},
    ],
)
@pytest.mark.parametrize("context", [None, gateway("lock-card___lock_card")])
def test_garbage_never_raises_and_never_reaches_the_service(event: Any, context: Any) -> None:
    service = FakeCardService()
    answer = handle_lambda_event("lock_card", event, context, lambda: service)
    assert isinstance(answer, dict | list)
    json.dumps(answer)
    assert service.calls == []
