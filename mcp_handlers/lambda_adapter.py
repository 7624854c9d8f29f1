"""The MCP tool Lambdas: each serves its own tool, to three kinds of caller.

1. Amazon Bedrock AgentCore Gateway (Lambda target): the event is the tool's arguments and
   ``context.client_context.custom["bedrockAgentCoreToolName"]`` is ``TARGET___tool``. The
   gateway wraps whatever JSON we return into one text block for the agent and does not read a
   ``statusCode``/``body`` envelope, so we return the structured result itself, or
   ``{"error": {code, message, request_id, retryable, details?}}`` for a refusal.
2. JSON-RPC in an API-Gateway-style body (``{"body": "{...}"}``), as operators test with
   ``aws lambda invoke``: answered as ``{statusCode, headers, body}``.
3. A bare JSON-RPC object: answered with the bare JSON-RPC response.

Nothing raises: an exception here would reach the agent as a generic internal error.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib import errors
from chalicelib.card_numbers import contains_card_number
from chalicelib.commands import Caller
from chalicelib.deadline import REQUEST_BUDGET_SECONDS, Deadline
from chalicelib.observability import get_logger
from chalicelib.rest.proxy_event import body_text, lambda_request_id
from chalicelib.validation import field_error, load_json
from mcp_handlers.dispatch import Exchange, dispatch
from mcp_handlers.jsonrpc import INVALID_REQUEST, PARSE_ERROR, RpcError, error_response
from mcp_handlers.tools import TOOLS_BY_NAME, ServiceProvider, call_tool, refusal

MAX_BODY_BYTES = 1024 * 1024
#: Kept back from the Lambda's remaining time to shape and return the answer.
ANSWER_RESERVE_SECONDS = 1.0
TOOL_NAME_KEY = "bedrockAgentCoreToolName"
JSON_HEADERS = {"Content-Type": "application/json"}


def _custom_context(context: Any) -> dict[str, Any]:
    """The AgentCore Gateway's client context, or ``{}`` (also for a context that raises)."""
    try:
        custom = getattr(getattr(context, "client_context", None), "custom", None)
    except Exception:
        return {}
    return custom if isinstance(custom, dict) else {}


def _request_id(context: Any) -> str:
    return lambda_request_id(context) or str(uuid.uuid4())


def _actor(custom: dict[str, Any]) -> str:
    """The gateway and target that called, as the event's actor (stored and logged)."""
    gateway = custom.get("bedrockAgentCoreGatewayId")
    target = custom.get("bedrockAgentCoreTargetId")
    if isinstance(gateway, str) and isinstance(target, str):
        actor = f"agentcore:{gateway[:64]}/{target[:64]}"
        if not contains_card_number(actor):
            return actor
    return "mcp"


def handle_lambda_event(tool_name: str, event: Any, context: Any, service: ServiceProvider) -> Any:
    """Serve one invocation of ``tool_name``'s Lambda, whatever shape the event has, on the
    service ``service`` gives (the app passes the process-wide one)."""
    request_id = _request_id(context)
    try:
        custom = _custom_context(context)
        caller = Caller(channel="mcp", actor=_actor(custom), request_id=request_id)
        deadline = Deadline.for_invocation(context, REQUEST_BUDGET_SECONDS, ANSWER_RESERVE_SECONDS)
        exchange = Exchange((tool_name,), caller, service, deadline=deadline)
        if TOOL_NAME_KEY in custom:
            return _gateway_call(exchange, str(custom[TOOL_NAME_KEY]), event)
        if isinstance(event, dict) and "body" in event:
            return _body_call(exchange, event)
        if isinstance(event, dict | list) and _looks_like_jsonrpc(event):
            return dispatch(event, exchange).body
        return _gateway_call(exchange, tool_name, event)
    except Exception:
        get_logger().exception("mcp lambda failed", extra={"request_id": request_id})
        return refusal(errors.InternalError(), request_id).data


def _looks_like_jsonrpc(event: dict[str, Any] | list[Any]) -> bool:
    if isinstance(event, list):
        return True
    return "method" in event or "jsonrpc" in event


def _gateway_call(exchange: Exchange, qualified: str, event: Any) -> dict[str, Any]:
    """AgentCore Gateway: ``TARGET___tool`` (targets cannot contain ``_``: split on the first).

    Success: the tool's structured result itself (e.g. ``{"card": …, "changed": true}``).
    Refusal: ``{"error": {code, message, request_id, retryable, details?}}``, the JSON an MCP
    client gets in a refusal's text; the gateway hands either to the agent as text.
    """
    (tool_name,) = exchange.tools
    caller = exchange.caller
    requested = qualified.split("___", 1)[1] if "___" in qualified else qualified
    if requested != tool_name:
        unknown = errors.ValidationFailedError(
            f"This function serves the {tool_name} tool only.",
            details={"fields": [field_error("tool", "unknown tool for this target")]},
        )
        return refusal(unknown, caller.request_id).data
    return call_tool(TOOLS_BY_NAME[tool_name], event, caller, exchange.service).data


def _body_call(exchange: Exchange, event: dict[str, Any]) -> dict[str, Any]:
    """JSON-RPC carried in an API-Gateway-style ``body`` string (base64 when
    ``isBase64Encoded`` says so, as API Gateway sends binary media types)."""
    body = event["body"]
    encoded = event.get("isBase64Encoded", False)
    if isinstance(body, dict | list) and not encoded:
        message = body
    elif (
        not isinstance(body, str)
        or not isinstance(encoded, bool)
        or len(body.encode()) > MAX_BODY_BYTES
    ):
        return _http(400, error_response(None, RpcError(INVALID_REQUEST, "Invalid request.")))
    else:
        try:
            message = load_json(body_text(body, encoded) or "")
        except ValueError:
            return _http(400, error_response(None, RpcError(PARSE_ERROR, "Parse error.")))
    reply = dispatch(message, exchange)
    return _http(reply.status, reply.body)


def _http(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": JSON_HEADERS,
        "body": "" if body is None else json.dumps(body, separators=(",", ":")),
    }
