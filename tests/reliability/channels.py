"""Every card operation through every entry point, with the answers normalised.

One ``Channels`` object sends an operation (``lock``, ``unlock``, ``request_new``, ``activate``,
``list``, ``history``) through REST, an MCP tool Lambda as AgentCore Gateway invokes it, an MCP
tool Lambda with JSON-RPC in an API-Gateway-style body, or ``POST /mcp``, and returns an
``Answer``: whether it succeeded, the error code, and the payload with request ids removed (so
two answers can be compared byte for byte apart from them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from chalice.test import Client

import app
from mcp_handlers.tool_names import TOOL_NAMES, lambda_name

REST_PATHS = {
    "lock": "/v1/cards/lock",
    "unlock": "/v1/cards/unlock",
    "request_new": "/v1/cards/request-new",
    "activate": "/v1/cards/activate",
}
TOOLS = {
    "lock": "lock_card",
    "unlock": "unlock_card",
    "request_new": "request_new_card",
    "activate": "activate_card",
    "list": "list_cards",
    "history": "get_card_history",
}
LAMBDAS = {tool: getattr(app, lambda_name(tool)) for tool in TOOL_NAMES}
CHANNELS = ("rest", "mcp_gateway", "mcp_body", "mcp_http")
WRITES = ("lock", "unlock", "request_new", "activate")
MCP_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-06-18",
}
#: A ``request_id`` value, also inside JSON-in-a-string (MCP's text content escapes quotes).
_REQUEST_ID = re.compile(r'(\\?"request_id\\?":\s*\\?")[^"\\]*(\\?")')


@dataclass
class ClientContext:
    """``context.client_context`` as the Lambda runtime builds it."""

    custom: dict[str, Any]


@dataclass
class LambdaContext:
    """The parts of a Lambda context the handlers read."""

    aws_request_id: str = "lambda-req"
    client_context: ClientContext | None = None
    function_name: str = "betterbank-reliability"
    extra: dict[str, Any] = field(default_factory=dict)


def gateway_context(tool: str, request_id: str = "lambda-req") -> LambdaContext:
    """What AgentCore Gateway passes to a Lambda target."""
    target = tool.replace("_", "-")
    return LambdaContext(
        aws_request_id=request_id,
        client_context=ClientContext(
            {
                "bedrockAgentCoreMessageVersion": "1.0",
                "bedrockAgentCoreAwsRequestId": "agw-req",
                "bedrockAgentCoreMcpMessageId": "1",
                "bedrockAgentCoreGatewayId": "gw-reliability",
                "bedrockAgentCoreTargetId": "tgt-reliability",
                "bedrockAgentCoreToolName": f"{target}___{tool}",
            }
        ),
    )


@dataclass
class Answer:
    """A normalised answer: ``code`` is ``OK`` or the error code; ``data`` the success payload
    or the error object; ``raw`` the whole response as text, request ids blanked."""

    channel: str
    code: str
    data: dict[str, Any]
    raw: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def without_request_ids(text: str) -> str:
    """``text`` with every ``request_id`` value blanked."""
    return _REQUEST_ID.sub(r"\1\2", text)


class Channels:
    """Sends operations through the four entry points (REST and ``/mcp`` via ``client``)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._ids = 0

    def send(
        self,
        channel: str,
        operation: str,
        arguments: dict[str, Any],
        key: str | None = None,
        *,
        confirm: bool = True,
    ) -> Answer:
        """Run ``operation`` with ``arguments`` (body fields / tool arguments) on ``channel``.

        ``request_new`` commits on the MCP channels (``confirm: true``), as REST does, unless
        ``confirm`` is false (the MCP preview).
        """
        if channel == "rest":
            return self._rest(operation, arguments, key)
        args = dict(arguments)
        if key is not None:
            args["idempotency_key"] = key
        if operation == "request_new":
            args["confirm"] = confirm
        tool = TOOLS[operation]
        if channel == "mcp_gateway":
            result = LAMBDAS[tool](args, gateway_context(tool, self._next_id()))
            return _from_structured(channel, result, json.dumps(result))
        message = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": tool, "arguments": args},
        }
        if channel == "mcp_body":
            event = {"body": json.dumps(message)}
            response = LAMBDAS[tool](event, LambdaContext(aws_request_id=self._next_id()))
            return _from_jsonrpc(
                channel, response["statusCode"], response["headers"], response["body"]
            )
        http = self.client.http.post("/mcp", headers=MCP_HEADERS, body=json.dumps(message))
        return _from_jsonrpc(channel, http.status_code, dict(http.headers), http.body.decode())

    def _next_id(self) -> str:
        self._ids += 1
        return f"lambda-req-{self._ids}"

    def _rest(self, operation: str, arguments: dict[str, Any], key: str | None) -> Answer:
        if operation == "list":
            response = self.client.http.get(f"/v1/customers/{arguments['customer_id']}/cards")
        elif operation == "history":
            path = f"/v1/customers/{arguments['customer_id']}/cards/{arguments['card_id']}/events"
            response = self.client.http.get(path)
        else:
            headers = {"Content-Type": "application/json"}
            if key is not None:
                headers["Idempotency-Key"] = key
            response = self.client.http.post(
                REST_PATHS[operation], headers=headers, body=json.dumps(arguments)
            )
        text = response.body.decode()
        body = json.loads(text)
        ok = body.get("success") is True
        return Answer(
            "rest",
            "OK" if ok else body["error"]["code"],
            body["data"] if ok else body["error"],
            without_request_ids(text),
            response.status_code,
            dict(response.headers),
        )


def _from_structured(channel: str, result: dict[str, Any], text: str) -> Answer:
    if "error" in result and set(result) == {"error"}:
        return Answer(channel, result["error"]["code"], result["error"], without_request_ids(text))
    return Answer(channel, "OK", result, without_request_ids(text))


def _from_jsonrpc(channel: str, status: int, headers: dict[str, Any], text: str) -> Answer:
    message = json.loads(text)
    if "error" in message:  # a protocol error: -326xx
        code = f"JSONRPC_{message['error']['code']}"
        return Answer(channel, code, message["error"], without_request_ids(text), status, headers)
    result = message["result"]
    # A refusal carries its error as JSON in the last text block, a result in structuredContent.
    data = json.loads(result["content"][-1]["text"]) if result["isError"] else None
    answer = _from_structured(channel, data or result["structuredContent"], text)
    assert result["isError"] is (answer.code != "OK"), result
    answer.status, answer.headers = status, {str(k): str(v) for k, v in headers.items()}
    return answer
