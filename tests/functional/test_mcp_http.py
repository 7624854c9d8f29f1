"""POST /mcp through the REST handler: Streamable HTTP rules and both protocol eras."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from chalice.test import Client
from mcp_types import methods

from app import app
from mcp_handlers.tool_names import TOOL_NAMES

MODERN = "2026-07-28"
JSON_ACCEPT = "application/json, text/event-stream"


class Mcp:
    """Posts JSON-RPC to /mcp through Chalice's test client."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def post(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        all_headers = {"Content-Type": "application/json", "Accept": JSON_ACCEPT, **(headers or {})}
        raw = body if isinstance(body, str) else json.dumps(body)
        return self._client.http.post("/mcp", headers=all_headers, body=raw)

    def rpc(
        self, method: str, params: dict[str, Any] | None = None, version: str | None = None
    ) -> Any:
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method}
        headers = {}
        if params is not None:
            message["params"] = params
        if version:
            message.setdefault("params", {})["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": version
            }
            headers["MCP-Protocol-Version"] = version
        response = self.post(message, headers)
        return response.status_code, json.loads(response.body)


@pytest.fixture
def mcp(ddb_tables: Any, tmp_path: Path) -> Iterator[Mcp]:
    with Client(app, project_dir=str(tmp_path)) as client:
        yield Mcp(client)


def call(
    mcp: Mcp, name: str, arguments: dict[str, Any], version: str | None = None
) -> dict[str, Any]:
    status, body = mcp.rpc("tools/call", {"name": name, "arguments": arguments}, version)
    assert status == 200, body
    result: dict[str, Any] = body["result"]
    return result


def test_initialize_echoes_a_supported_version_else_answers_the_latest(mcp: Mcp) -> None:
    for asked, answered in [
        ("2025-06-18", "2025-06-18"),
        ("2025-03-26", "2025-03-26"),
        ("1999-01-01", "2025-11-25"),
    ]:
        status, body = mcp.rpc(
            "initialize",
            {
                "protocolVersion": asked,
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        )
        assert status == 200
        assert body["result"]["protocolVersion"] == answered
        assert body["result"]["capabilities"] == {"tools": {"listChanged": False}}


def test_notifications_get_202_and_no_body(mcp: Mcp) -> None:
    response = mcp.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert (response.status_code, response.body) == (202, b"")


def test_ping_and_discover(mcp: Mcp) -> None:
    assert mcp.rpc("ping")[1]["result"] == {}
    status, body = mcp.rpc("server/discover", {}, MODERN)
    assert status == 200
    result = body["result"]
    assert MODERN in result["supportedVersions"]
    assert "2025-11-25" in result["supportedVersions"]
    assert result["resultType"] == "complete"
    assert (result["ttlMs"], result["cacheScope"]) == (0, "private")


def test_unsupported_version_is_32022_with_the_supported_list(mcp: Mcp) -> None:
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/list",
        "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2099-01-01"}},
    }
    response = mcp.post(message)
    body = json.loads(response.body)
    assert response.status_code == 400
    assert body["error"]["code"] == -32022
    assert MODERN in body["error"]["data"]["supported"]
    header = mcp.post(
        {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"MCP-Protocol-Version": "2099-01-01"}
    )
    assert header.status_code == 400


def test_tools_list_has_every_tool_with_schemas_and_annotations(mcp: Mcp) -> None:
    tools = {t["name"]: t for t in mcp.rpc("tools/list")[1]["result"]["tools"]}
    assert list(tools) == list(TOOL_NAMES)
    for tool in tools.values():
        assert tool["inputSchema"]["type"] == "object"
        assert tool["outputSchema"]["type"] == "object"
        assert tool["title"]
        assert len(tool["description"]) > 80
    assert tools["list_cards"]["annotations"]["readOnlyHint"] is True
    assert tools["request_new_card"]["annotations"]["destructiveHint"] is True
    assert tools["lock_card"]["annotations"]["idempotentHint"] is True
    assert "confirm" in tools["request_new_card"]["inputSchema"]["properties"]


def refusal_code(result: dict[str, Any]) -> str:
    """The error code of an ``isError`` result (its last text block is the error as JSON)."""
    code: str = json.loads(result["content"][-1]["text"])["error"]["code"]
    return code


def test_tools_call_locks_and_refusals_are_results(mcp: Mcp) -> None:
    result = call(mcp, "lock_card", {"customer_id": "CUST001", "card_id": "CARD001"}, MODERN)
    assert result["isError"] is False
    assert result["structuredContent"]["card"]["status"] == "locked"
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
    assert result["resultType"] == "complete"
    missing = call(mcp, "lock_card", {"customer_id": "CUST001", "card_id": "CARD003"})
    assert missing["isError"] is True
    assert refusal_code(missing) == "CARD_NOT_FOUND"
    assert "structuredContent" not in missing  # it would not match the tool's outputSchema
    bad = call(mcp, "lock_card", {"customer_id": 1})
    assert bad["isError"] is True
    assert refusal_code(bad) == "VALIDATION_ERROR"


def test_mcp_cannot_lift_a_fraud_lock(mcp: Mcp) -> None:
    call(
        mcp,
        "lock_card",
        {"customer_id": "CUST001", "card_id": "CARD001", "reason": "suspected_fraud"},
    )
    refused = call(mcp, "unlock_card", {"customer_id": "CUST001", "card_id": "CARD001"})
    assert refusal_code(refused) == "UNLOCK_NOT_PERMITTED"


@pytest.mark.parametrize(
    ("body", "code"),
    [("{nope", -32700), ("[]", -32600), ('{"id": 1}', -32600), ('"x"', -32600)],
)
def test_malformed_messages_are_jsonrpc_errors(mcp: Mcp, body: str, code: int) -> None:
    response = mcp.post(body)
    assert json.loads(response.body)["error"]["code"] == code


def test_unknown_method_and_tool(mcp: Mcp) -> None:
    assert mcp.rpc("resources/list")[1]["error"]["code"] == -32601
    assert (
        mcp.rpc("tools/call", {"name": "drop_tables", "arguments": {}})[1]["error"]["code"]
        == -32602
    )


def test_http_rules(mcp: Mcp, ddb_tables: Any, tmp_path: Path) -> None:
    with Client(app, project_dir=str(tmp_path)) as client:
        assert client.http.get("/mcp").status_code == 405
    wrong_type = mcp.post("{}", {"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    wrong_accept = mcp.post({"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Accept": "text/html"})
    assert wrong_accept.status_code == 406
    batch = mcp.post(
        [
            {"jsonrpc": "2.0", "id": 1, "method": "ping"},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
        ]
    )
    assert [r["id"] for r in json.loads(batch.body)] == [1]
    modern_batch = mcp.post(
        [{"jsonrpc": "2.0", "id": 1, "method": "ping"}], {"MCP-Protocol-Version": "2025-06-18"}
    )
    assert modern_batch.status_code == 400


def test_results_validate_against_the_official_wire_types(mcp: Mcp) -> None:
    """Every result passes the mcp-types wire model of its method at its version (both eras)."""
    for version in ("2025-03-26", "2025-06-18", "2025-11-25"):
        params = {"protocolVersion": version, "capabilities": {}, "clientInfo": CLIENT_INFO}
        init = mcp.rpc("initialize", params)[1]["result"]
        methods.validate_server_result("initialize", version, init)
    discover = mcp.rpc("server/discover", {}, MODERN)[1]["result"]
    methods.validate_server_result("server/discover", MODERN, discover)
    for version in ("2025-11-25", MODERN):
        meta = version if version == MODERN else None
        headers_version = {"MCP-Protocol-Version": version}
        listed = mcp.post(
            {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": envelope(meta)},
            headers_version,
        )
        methods.validate_server_result("tools/list", version, json.loads(listed.body)["result"])
        params = {"name": "list_cards", "arguments": {"customer_id": "CUST001"}, **envelope(meta)}
        called = mcp.post(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}, headers_version
        )
        result = json.loads(called.body)["result"]
        methods.validate_server_result("tools/call", version, result)
        assert result["isError"] is False
    mcp_types.JSONRPCError.model_validate(mcp.rpc("nope/nope")[1])


CLIENT_INFO = {"name": "t", "version": "1"}


def envelope(version: str | None) -> dict[str, Any]:
    if version is None:
        return {}
    return {"_meta": {"io.modelcontextprotocol/protocolVersion": version}}


def test_http_changes_are_recorded_as_the_mcp_channel(mcp: Mcp, ddb_tables: Any) -> None:
    call(mcp, "lock_card", {"customer_id": "CUST003", "card_id": "CARD005"}, MODERN)
    newest = ddb_tables.events("CARD005")[-1]
    assert (newest["channel"]["S"], newest["actor"]["S"]) == ("mcp", "mcp")
