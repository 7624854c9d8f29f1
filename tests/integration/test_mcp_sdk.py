"""The official MCP Python SDK against a real ``chalice local``: both connection modes.

Default mode probes ``server/discover`` (2026-07-28, stateless); ``mode="legacy"`` forces the
``initialize`` handshake. Each lists every tool, calls each one on seeded data, and the SDK
itself validates every ``structuredContent`` against the tool's ``outputSchema``; every message
that crossed the wire is checked against the official ``mcp-types`` models at its version.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import methods

from mcp_handlers.tool_names import TOOL_NAMES
from tests.dev_server import make_serve


@pytest.fixture
def chalice_local(ddb_tables: Any, tmp_path: Path) -> Iterator[str]:
    """``make serve`` (``chalice local`` as ``make dev`` runs it) over this test's tables."""
    with make_serve(ddb_tables, tmp_path / "serve.log") as server:
        yield f"{server.base_url}/mcp"


@dataclass
class Exchange:
    """One HTTP round trip as it crossed the wire."""

    headers: dict[str, str]
    request: Any
    status: int
    response: Any


@dataclass
class WireLog:
    """Records every request and response the SDK exchanges with the server."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def record(self, response: httpx2.Response) -> None:
        await response.aread()
        request = response.request
        self.exchanges.append(
            Exchange(
                {k.lower(): v for k, v in request.headers.items()},
                json.loads(request.content) if request.content else None,
                response.status_code,
                json.loads(response.content) if response.content else None,
            )
        )


def wire_version(exchange: Exchange) -> str:
    """The version a message speaks: its ``_meta``, its header, or what it proposes."""
    params = exchange.request.get("params") or {}
    meta = params.get("_meta") or {}
    if "io.modelcontextprotocol/protocolVersion" in meta:
        return str(meta["io.modelcontextprotocol/protocolVersion"])
    if "mcp-protocol-version" in exchange.headers:
        return exchange.headers["mcp-protocol-version"]
    return str(params.get("protocolVersion", "2025-03-26"))


def check_wire(log: WireLog) -> set[str]:
    """Validate every request and result at its version with the official mcp-types models;
    return the methods seen."""
    seen = set()
    for exchange in log.exchanges:
        if not isinstance(exchange.request, dict):
            continue
        method = exchange.request["method"]
        seen.add(method)
        if "id" not in exchange.request:
            assert exchange.status == 202, exchange
            assert exchange.response is None
            continue
        version = wire_version(exchange)
        assert exchange.status == 200, exchange
        methods.validate_client_request(method, version, exchange.request.get("params"))
        result = exchange.response["result"]
        answered = result.get("protocolVersion", version) if method == "initialize" else version
        methods.validate_server_result(method, answered, result)
    return seen


async def exercise(url: str, mode: str, log: WireLog) -> dict[str, Any]:
    http = httpx2.AsyncClient(event_hooks={"response": [log.record]})
    transport = streamable_http_client(url, http_client=http)
    async with http, Client(transport, mode=mode) as client:  # type: ignore[arg-type]
        listed = await client.list_tools()
        schemas = {tool.name: tool.output_schema for tool in listed.tools}
        results = {
            "list_cards": await client.call_tool("list_cards", {"customer_id": "CUST001"}),
            "lock_card": await client.call_tool(
                "lock_card", {"customer_id": "CUST001", "card_id": "CARD001"}
            ),
            "unlock_card": await client.call_tool(
                "unlock_card", {"customer_id": "CUST001", "card_id": "CARD001"}
            ),
            "request_new_card": await client.call_tool(
                "request_new_card",
                {
                    "customer_id": "CUST001",
                    "card_id": "CARD002",
                    "reason": "damaged",
                    "confirm": True,
                    "idempotency_key": f"sdk-{mode}",
                },
            ),
        }
        new_card = results["request_new_card"].structured_content["card"]["card_id"]
        results["activate_card"] = await client.call_tool(
            "activate_card", {"customer_id": "CUST001", "card_id": new_card}
        )
        results["get_card_history"] = await client.call_tool(
            "get_card_history", {"customer_id": "CUST001", "card_id": "CARD001", "limit": 2}
        )
        refusal = await client.call_tool(
            "lock_card", {"customer_id": "CUST001", "card_id": "CARD003"}
        )
        return {
            "schemas": schemas,
            "results": results,
            "refusal": refusal,
            "version": client.session.protocol_version
            if hasattr(client.session, "protocol_version")
            else None,
        }


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_the_official_sdk_lists_and_calls_every_tool(
    chalice_local: str, mode: str, version: str
) -> None:
    log = WireLog()
    outcome = asyncio.run(exercise(chalice_local, mode, log))
    assert outcome["version"] == version
    seen = check_wire(log)
    assert {"tools/list", "tools/call"} <= seen
    assert ("server/discover" in seen) is (mode == "auto")
    assert ("initialize" in seen) is (mode == "legacy")
    assert list(outcome["schemas"]) == list(TOOL_NAMES)
    assert set(outcome["results"]) == set(TOOL_NAMES)  # each one called
    for name, result in outcome["results"].items():
        assert result.is_error is False, (name, result)
        jsonschema.validate(result.structured_content, outcome["schemas"][name])
    assert outcome["results"]["activate_card"].structured_content["card"]["status"] == "active"
    page = outcome["results"]["get_card_history"].structured_content
    assert [e["type"] for e in page["events"]] == ["unlocked", "locked"]  # newest first
    assert page["next_cursor"]
    refusal = outcome["refusal"]
    assert refusal.is_error is True
    # No structuredContent on a refusal: it would not match the tool's outputSchema, and
    # clients that validate it anyway (the TypeScript SDK, MCP Inspector) would reject it.
    assert refusal.structured_content is None
    sentence, data = (block.text for block in refusal.content)
    assert sentence == "CARD_NOT_FOUND: Card not found."
    assert json.loads(data)["error"]["code"] == "CARD_NOT_FOUND"
