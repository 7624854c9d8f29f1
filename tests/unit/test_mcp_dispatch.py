"""The JSON-RPC dispatcher, both protocol eras, against a fake service: every result checked
against the official per-version wire models (``mcp_types.methods``)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import mcp_types
import pytest
from mcp_types import methods

from chalicelib import errors
from mcp_handlers.dispatch import SUPPORTED_VERSIONS, Exchange, Reply, dispatch
from mcp_handlers.tools import TOOLS_BY_NAME, tool_definitions
from tests.fakes.mcp import MCP_CALLER, FakeCardService

MODERN = "2026-07-28"
HANDSHAKE = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
ALL_TOOLS = tuple(TOOLS_BY_NAME)
LOCK = {"customer_id": "CUST001", "card_id": "CARD001"}


def send(
    method: str,
    params: dict[str, Any] | None = None,
    *,
    version: str | None = None,
    transport: str | None = None,
    service: FakeCardService | None = None,
    tools: tuple[str, ...] = ALL_TOOLS,
) -> Reply:
    """One request; ``version`` goes into ``_meta`` the way 2026-07-28 clients send it."""
    params = dict(params or {})
    if version:
        params["_meta"] = {"io.modelcontextprotocol/protocolVersion": version}
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    chosen = service or FakeCardService()
    exchange = Exchange(tools, MCP_CALLER, lambda: chosen, transport)
    return dispatch(message, exchange)


def result_of(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    assert isinstance(reply.body, dict)
    mcp_types.JSONRPCResponse.model_validate(reply.body)
    result: dict[str, Any] = reply.body["result"]
    return result


def error_of(reply: Reply) -> dict[str, Any]:
    assert isinstance(reply.body, dict)
    mcp_types.JSONRPCError.model_validate(reply.body)
    error: dict[str, Any] = reply.body["error"]
    return error


@pytest.mark.parametrize(
    ("asked", "answered"),
    [(v, v) for v in HANDSHAKE] + [("2099-01-01", "2025-11-25"), (None, "2025-11-25")],
)
def test_initialize_echoes_a_supported_version_else_the_latest(
    asked: str | None, answered: str
) -> None:
    params = {
        "protocolVersion": asked,
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    }
    result = result_of(send("initialize", params))
    assert result["protocolVersion"] == answered
    methods.validate_server_result("initialize", answered, result)


def test_ping_answers_empty_in_the_handshake_era_and_is_gone_in_2026() -> None:
    assert result_of(send("ping")) == {}
    methods.validate_server_result("ping", "2025-06-18", {})
    assert error_of(send("ping", version=MODERN))["code"] == -32601
    assert error_of(send("initialize", version=MODERN))["code"] == -32601


def test_server_discover_lists_versions_and_validates_as_2026() -> None:
    result = result_of(send("server/discover", version=MODERN))
    methods.validate_server_result("server/discover", MODERN, result)
    discovered = mcp_types.DiscoverResult.model_validate(result)
    assert discovered.supported_versions == list(SUPPORTED_VERSIONS)
    assert result["resultType"] == "complete"
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert "list_cards" in result["instructions"]


@pytest.mark.parametrize("version", [*HANDSHAKE, MODERN])
def test_tools_list_and_call_validate_in_every_version(version: str) -> None:
    modern = version == MODERN
    listed = result_of(send("tools/list", version=version if modern else None, transport=version))
    methods.validate_server_result("tools/list", version, listed)
    assert [tool["name"] for tool in listed["tools"]] == list(ALL_TOOLS)
    called = result_of(
        send(
            "tools/call",
            {"name": "lock_card", "arguments": LOCK},
            version=version if modern else None,
            transport=version,
        )
    )
    methods.validate_server_result("tools/call", version, called)
    assert ("resultType" in called) is modern


def test_a_lambda_lists_only_its_own_tool_and_cannot_call_another() -> None:
    listed = result_of(send("tools/list", tools=("unlock_card",)))
    assert [tool["name"] for tool in listed["tools"]] == ["unlock_card"]
    reply = send("tools/call", {"name": "lock_card", "arguments": LOCK}, tools=("unlock_card",))
    assert error_of(reply)["code"] == -32602


@pytest.mark.parametrize("name", ALL_TOOLS)
def test_structured_content_validates_against_the_output_schema(name: str) -> None:
    arguments = {**LOCK, "reason": "lost"} if name == "request_new_card" else dict(LOCK)
    if name == "list_cards":
        arguments = {"customer_id": "CUST001"}
    if name == "lock_card":
        arguments["reason"] = "misplaced"
    schema = tool_definitions((name,))[0]["outputSchema"]
    for extra in ({}, {"confirm": True}) if name == "request_new_card" else ({},):
        result = result_of(send("tools/call", {"name": name, "arguments": {**arguments, **extra}}))
        assert result["isError"] is False
        jsonschema.validate(result["structuredContent"], schema)
        assert json.loads(result["content"][0]["text"]) == result["structuredContent"]


def test_calls_reach_the_service_as_the_mcp_channel_with_the_retry_key() -> None:
    service = FakeCardService()
    arguments = {**LOCK, "reason": "stolen", "idempotency_key": "agent-1", "confirm": True}
    result_of(
        send("tools/call", {"name": "request_new_card", "arguments": arguments}, service=service)
    )
    ((method, command, caller),) = service.calls
    assert method == "request_new_card"
    assert command.idempotency_key == "agent-1"
    assert command.params == {"reason": "stolen", "shipping_speed": "standard"}
    assert (caller.channel, caller.actor) == ("mcp", "mcp")


def test_request_new_card_without_confirm_only_previews() -> None:
    service = FakeCardService()
    arguments = {**LOCK, "reason": "damaged"}
    result = result_of(
        send("tools/call", {"name": "request_new_card", "arguments": arguments}, service=service)
    )
    assert [call[0] for call in service.calls] == ["preview_new_card"]
    assert result["structuredContent"]["preview"] is True


def test_a_refusal_is_an_error_result_an_agent_can_relay() -> None:
    service = FakeCardService(refusals={"CARD001": errors.UnlockNotPermittedError()})
    result = result_of(
        send("tools/call", {"name": "unlock_card", "arguments": LOCK}, service=service)
    )
    assert result["isError"] is True
    assert "structuredContent" not in result
    error = json.loads(result["content"][1]["text"])["error"]
    assert error == {
        "code": "UNLOCK_NOT_PERMITTED",
        "message": errors.UnlockNotPermittedError.default_message,
        "retryable": False,
        "request_id": "req-unit",
    }
    assert result["content"][0]["text"] == (
        f"UNLOCK_NOT_PERMITTED: {errors.UnlockNotPermittedError.default_message}"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        {"customer_id": "CUST001"},
        {"customer_id": "CUST001", "card_id": 5},
        {"customer_id": "CUST001", "card_id": "4111111111111111"},
        {**LOCK, "pan": "4111111111111111"},
        {**LOCK, "idempotency_key": "has spaces 4111111111111111"},
    ],
)
def test_bad_arguments_are_validation_results_that_echo_no_input(arguments: dict[str, Any]) -> None:
    service = FakeCardService()
    reply = send("tools/call", {"name": "lock_card", "arguments": arguments}, service=service)
    result = result_of(reply)
    assert result["isError"] is True
    error = json.loads(result["content"][1]["text"])["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["fields"]
    assert "4111111111111111" not in json.dumps(reply.body)
    assert service.calls == []


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("x", -32600),
        ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": 1}, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": 5}, -32600),
        ({"jsonrpc": "2.0", "id": None, "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": True, "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}, -32600),
        ({"jsonrpc": "2.0", "id": 1, "method": "resources/list"}, -32601),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}, -32602),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "drop"}}, -32602),
        ({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": 1}}, -32602),
        (
            {"id": 1, "method": "tools/call", "params": {"name": "lock_card", "arguments": [1]}},
            -32602,
        ),
    ],
)
def test_protocol_mistakes_are_jsonrpc_errors(message: Any, code: int) -> None:
    reply = dispatch(message, Exchange(ALL_TOOLS, MCP_CALLER, FakeCardService))
    error = error_of(reply)
    assert error["code"] == code
    assert isinstance(reply.body, dict)
    assert reply.body["id"] in {1, None}
    assert reply.status == (400 if code == -32600 else 200)


def test_a_bug_is_32603_without_details() -> None:
    reply = send(
        "tools/call", {"name": "lock_card", "arguments": LOCK}, service=FakeCardService(crash=True)
    )
    assert reply.status == 500
    assert error_of(reply) == {"code": -32603, "message": "Internal error."}
    assert "arn:" not in json.dumps(reply.body)


def test_an_unsupported_version_is_32022_naming_every_supported_one() -> None:
    reply = send("tools/list", version="2099-01-01")
    assert reply.status == 400
    error = error_of(reply)
    assert error["code"] == -32022
    data = mcp_types.UnsupportedProtocolVersionErrorData.model_validate(error["data"])
    assert data.supported == list(SUPPORTED_VERSIONS)
    assert data.requested == "2099-01-01"


def test_a_meta_version_that_contradicts_the_header_is_32020() -> None:
    reply = send("tools/list", version=MODERN, transport="2025-06-18")
    assert (reply.status, error_of(reply)["code"]) == (400, -32020)
    assert (
        error_of(send("tools/list", {"_meta": {"io.modelcontextprotocol/protocolVersion": 7}}))[
            "code"
        ]
        == -32602
    )


def test_notifications_get_no_answer_even_when_malformed() -> None:
    exchange = Exchange(ALL_TOOLS, MCP_CALLER, FakeCardService)
    for message in (
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": "bad"},
    ):
        assert dispatch(message, exchange) == Reply(None, 202)


def test_batches_only_in_2025_03_26() -> None:
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
    ]
    old = dispatch(batch, Exchange(ALL_TOOLS, MCP_CALLER, FakeCardService, "2025-03-26"))
    assert isinstance(old.body, list)
    assert [(a["id"], "error" in a) for a in old.body] == [(1, False), (2, True)]
    for version in ("2025-06-18", "2025-11-25", MODERN):
        reply = dispatch(batch, Exchange(ALL_TOOLS, MCP_CALLER, FakeCardService, version))
        assert (reply.status, error_of(reply)["code"]) == (400, -32600)
    empty = dispatch([], Exchange(ALL_TOOLS, MCP_CALLER, FakeCardService, "2025-03-26"))
    assert error_of(empty)["code"] == -32600
