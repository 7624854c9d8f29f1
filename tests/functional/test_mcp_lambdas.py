"""The MCP tool Lambdas, invoked the three ways they are reached: as AgentCore Gateway does,
with the old guide's JSON-RPC-in-a-body payload, and with a bare JSON-RPC object."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import app
from chalicelib.commands import Caller, LockCard
from chalicelib.runtime import card_service
from mcp_handlers.tool_names import TOOL_NAMES, lambda_name, target_name

EVENTS = Path(__file__).parent.parent / "events" / "mcp"
#: Each tool's Lambda, found as the Lambda runtime finds it: ``app.<its name>``.
LAMBDAS = {tool: getattr(app, lambda_name(tool)) for tool in TOOL_NAMES}
TARGETS = {name: target_name(name) for name in LAMBDAS}


@dataclass
class ClientContext:
    custom: dict[str, Any]


@dataclass
class LambdaContext:
    """What the Lambda runtime passes; AgentCore Gateway fills ``client_context.custom``."""

    client_context: ClientContext | None = None
    aws_request_id: str = "lambda-req-1"
    function_name: str = "betterbank-mcp-test"
    extra: dict[str, Any] = field(default_factory=dict)


def gateway(tool: str, target: str | None = None) -> LambdaContext:
    return LambdaContext(
        ClientContext(
            {
                "bedrockAgentCoreMessageVersion": "1.0",
                "bedrockAgentCoreAwsRequestId": "agw-req",
                "bedrockAgentCoreMcpMessageId": "7",
                "bedrockAgentCoreGatewayId": "gw-123",
                "bedrockAgentCoreTargetId": "tgt-456",
                "bedrockAgentCoreToolName": f"{target or TARGETS[tool]}___{tool}",
            }
        )
    )


def invoke(tool: str, event: Any, context: Any = None) -> Any:
    return LAMBDAS[tool](event, context)


def event_of(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


@pytest.mark.parametrize("tool", list(LAMBDAS))
def test_the_guides_payload_lists_the_lambdas_own_tool(ddb_tables: Any, tool: str) -> None:
    response = invoke(tool, event_of("guide_tools_list.json"))
    assert response["statusCode"] == 200
    tools = json.loads(response["body"])["result"]["tools"]
    assert [t["name"] for t in tools] == [tool]


def test_the_guides_tools_call_locks_card001(ddb_tables: Any) -> None:
    response = invoke("lock_card", event_of("guide_tools_call_lock.json"))
    result = json.loads(response["body"])["result"]
    assert result["isError"] is False
    assert result["structuredContent"]["card"]["status"] == "locked"


def test_a_bare_jsonrpc_object_gets_a_bare_answer(ddb_tables: Any) -> None:
    answer = invoke(
        "list_cards",
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "list_cards", "arguments": {"customer_id": "CUST003"}},
        },
    )
    assert answer["id"] == 3
    assert answer["result"]["structuredContent"]["cards"][0]["card_id"] == "CARD005"


def test_gateway_lock_records_channel_and_actor(ddb_tables: Any) -> None:
    result = invoke("lock_card", event_of("gateway_lock_card.json"), gateway("lock_card"))
    assert result["card"]["status"] == "locked"
    assert result["card"]["lock"] == {**result["card"]["lock"], "channel": "mcp"}
    newest = max(ddb_tables.events("CARD001"), key=lambda e: int(e["version"]["N"]))
    assert newest["channel"]["S"] == "mcp"
    assert newest["actor"]["S"] == "agentcore:gw-123/tgt-456"
    assert newest["request_id"]["S"] == "lambda-req-1"


@pytest.mark.parametrize(
    ("tool", "arguments", "check"),
    [
        ("list_cards", {"customer_id": "CUST002"}, lambda r: len(r["cards"]) == 2),
        (
            "lock_card",
            {"customer_id": "CUST002", "card_id": "CARD003"},
            lambda r: r["card"]["status"] == "locked",
        ),
        (
            "unlock_card",
            {"customer_id": "CUST002", "card_id": "CARD004"},
            lambda r: r["card"]["status"] == "active",
        ),
    ],
)
def test_gateway_calls_each_tool(
    ddb_tables: Any, tool: str, arguments: dict[str, Any], check: Any
) -> None:
    assert check(invoke(tool, arguments, gateway(tool)))


def test_request_new_previews_then_commits_idempotently(ddb_tables: Any) -> None:
    # GIVEN CARD002 as seeded
    before = ddb_tables.card("CARD002")
    args = {"customer_id": "CUST001", "card_id": "CARD002", "reason": "stolen"}
    # WHEN the agent asks without confirm: a preview, and nothing changes
    preview = invoke("request_new_card", args, gateway("request_new_card"))
    assert preview["preview"] is True
    assert preview["closes_current_card_now"] is True
    assert preview["shipping"]["address_summary"]
    assert ddb_tables.card("CARD002") == before
    assert len(ddb_tables.events("CARD002")) == 1
    # WHEN it confirms twice with one idempotency key: one order, the same answer twice
    confirmed = {**args, "confirm": True, "idempotency_key": "agent-call-1"}
    first = invoke("request_new_card", confirmed, gateway("request_new_card"))
    again = invoke("request_new_card", confirmed, gateway("request_new_card"))
    assert {**first, "replayed": True} == again  # the stored answer, marked as a replay
    assert first["replaced_card"]["status"] == "closed"
    events = ddb_tables.events("CARD002")
    assert len(events) == 2
    assert {(e["channel"]["S"], e["actor"]["S"]) for e in events[1:]} == {
        ("mcp", "agentcore:gw-123/tgt-456")
    }
    # THEN the new card can be activated through its own tool
    new = first["card"]["card_id"]
    activated = invoke(
        "activate_card", {"customer_id": "CUST001", "card_id": new}, gateway("activate_card")
    )
    assert activated["card"]["status"] == "active"


def test_mcp_gateway_cannot_lift_a_fraud_lock(ddb_tables: Any) -> None:
    card_service().lock_card(
        LockCard(customer_id="CUST002", card_id="CARD003", reason="suspected_fraud"),
        Caller("api", "fraud-system", "req-fraud"),
    )
    refused = invoke(
        "unlock_card", {"customer_id": "CUST002", "card_id": "CARD003"}, gateway("unlock_card")
    )
    assert refused["error"]["code"] == "UNLOCK_NOT_PERMITTED"
    assert refused["error"]["message"].startswith("This card was locked because of suspected")
    assert len(ddb_tables.events("CARD003")) == 2
    card = ddb_tables.card("CARD003")
    assert card["status"]["S"] == "locked"
    assert card["lock"]["M"]["reason"]["S"] == "suspected_fraud"


@pytest.mark.parametrize(
    ("event", "context", "code"),
    [
        ({"customer_id": "CUST001", "card_id": "CARD001"}, gateway("lock_card", "x"), None),
        ({"customer_id": "CUST001"}, gateway("lock_card"), "VALIDATION_ERROR"),
        ({"customer_id": "CUST001", "card_id": 5}, gateway("lock_card"), "VALIDATION_ERROR"),
        ({"customer_id": "CUST999", "card_id": "CARD001"}, gateway("lock_card"), "AUTH_FAILED"),
        ({"customer_id": "CUST001", "card_id": "CARD003"}, gateway("lock_card"), "CARD_NOT_FOUND"),
        ("not an object", gateway("lock_card"), "VALIDATION_ERROR"),
        (
            {"customer_id": "CUST001", "card_id": "CARD001"},
            gateway("unlock_card"),
            "VALIDATION_ERROR",
        ),
    ],
)
def test_gateway_refusals_are_results_never_exceptions(
    ddb_tables: Any, event: Any, context: Any, code: str | None
) -> None:
    result = invoke("lock_card", event, context)
    if code is None:
        assert result["card"]["status"] == "locked"  # target name is free; the tool must match
    else:
        assert result["error"]["code"] == code
        assert result["error"]["message"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        42,
        "",
        [],
        [1, 2],
        {"body": None},
        {"body": "{not json"},
        {"body": "[]"},
        {"body": '{"id": 1}'},
        {"body": "x" * 2_000_000},
        {"method": 5, "id": 1},
        {"jsonrpc": "1.0", "method": "ping", "id": 1},
    ],
)
def test_garbage_events_never_raise(ddb_tables: Any, event: Any) -> None:
    answer = invoke("lock_card", event)
    assert answer is not None
    text = json.dumps(answer)
    assert "Traceback" not in text
