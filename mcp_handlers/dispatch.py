"""A stateless JSON-RPC 2.0 dispatcher for both eras of MCP.

Handshake era (2024-11-05 … 2025-11-25): ``initialize`` negotiates a version, then
``notifications/initialized``, ``ping``, ``tools/list``, ``tools/call``. Stateless 2026-07-28:
no handshake; ``server/discover`` advertises versions and every request names its version in
``params._meta``. The server keeps no session either way, so any Lambda instance can answer any
message. Protocol mistakes are JSON-RPC errors; business refusals are tool results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.commands import Caller
from chalicelib.deadline import Deadline
from chalicelib.observability import get_logger
from mcp_handlers.jsonrpc import (
    ERROR_STATUS,
    HEADER_MISMATCH,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    REQUEST_TIMEOUT,
    UNSUPPORTED_VERSION,
    RpcError,
    error_response,
    is_notification,
    valid_id,
)
from mcp_handlers.tools import TOOLS_BY_NAME, ServiceProvider, call_tool, tool_definitions

HANDSHAKE_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
STATELESS_VERSIONS = ("2026-07-28",)
SUPPORTED_VERSIONS = STATELESS_VERSIONS + HANDSHAKE_VERSIONS
DEFAULT_HTTP_VERSION = "2025-03-26"  # what a missing MCP-Protocol-Version header means
VERSION_META = "io.modelcontextprotocol/protocolVersion"
SERVER_INFO = {"name": "betterbank-card-operations", "version": "1.0.0"}
INSTRUCTIONS = (
    "Card operations for BetterBank customers. Start with list_cards to find the card the "
    "customer means; confirm brand and last four digits before any change. Replacement cards "
    "are ordered in two steps: preview (confirm=false), then confirm=true once the customer "
    "agrees. A card locked for suspected fraud cannot be unlocked here. Card numbers are never "
    "available: do not ask customers for them."
)
CAPABILITIES = {"tools": {"listChanged": False}}
#: Methods the 2026-07-28 revision removed (no handshake, no session to keep alive).
HANDSHAKE_ONLY_METHODS = frozenset({"initialize", "ping"})

#: One HTTP request may carry at most this many messages (2025-03-26 batches): a batch is one
#: client's work for one answer, not a way to run thousands of writes past API Gateway's 29 s.
MAX_BATCH = 10
#: A message after the first starts only if this much of the request's budget is left: the
#: worst case of one write (a read and a transaction, each at its client's worst case).
MESSAGE_WORST_CASE_SECONDS = 24.0
_VERSION_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class Exchange:
    """Where a message came from: the tools it may see, who called, the service the tools run
    on (asked for only by a tool call), the transport's version, and ``deadline``: when work
    for this request must stop being started.
    """

    tools: tuple[str, ...]
    caller: Caller
    service: ServiceProvider
    transport_version: str | None = None
    deadline: Deadline | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The JSON-RPC answer (``None`` for a notification) and the HTTP status it deserves."""

    body: dict[str, Any] | list[dict[str, Any]] | None
    status: int = 200


def unsupported_version(requested: Any) -> RpcError:
    """-32022 naming every version we speak, so a client can fall back to one of them. The
    requested version is echoed only when it has a version's shape (a date): anything else
    could carry whatever the caller put there."""
    data: dict[str, Any] = {"supported": list(SUPPORTED_VERSIONS)}
    if isinstance(requested, str) and _VERSION_SHAPE.fullmatch(requested):
        data["requested"] = requested
    return RpcError(UNSUPPORTED_VERSION, "Unsupported protocol version.", data)


def dispatch(message: Any, exchange: Exchange) -> Reply:
    """Answer one JSON-RPC message or a batch (batches exist only in 2025-03-26); never raises."""
    if isinstance(message, list):
        return _dispatch_batch(message, exchange)
    request_id = valid_id(message)
    try:
        result = _handle(message, exchange)
    except RpcError as exc:
        if is_notification(message):
            return Reply(None, 202)  # a notification is never answered, not even with an error
        return Reply(error_response(request_id, exc), ERROR_STATUS.get(exc.code, 200))
    except Exception:
        get_logger().exception(
            "mcp request failed", extra={"request_id": exchange.caller.request_id}
        )
        error = RpcError(INTERNAL_ERROR, "Internal error.")
        return Reply(error_response(request_id, error), 500)
    if result is None:
        return Reply(None, 202)
    return Reply({"jsonrpc": "2.0", "id": request_id, "result": result})


def _dispatch_batch(batch: list[Any], exchange: Exchange) -> Reply:
    """A 2025-03-26 batch of at most ``MAX_BATCH`` messages; a larger one runs nothing.

    The first message always runs; each later one only while the request's budget still holds
    the worst case of one write, so the answer is back before API Gateway gives up.
    """
    version = exchange.transport_version or DEFAULT_HTTP_VERSION
    if version != "2025-03-26" or not batch:
        error = RpcError(INVALID_REQUEST, "Batches are only supported in protocol 2025-03-26.")
        return Reply(error_response(None, error), 400)
    if len(batch) > MAX_BATCH:
        error = RpcError(INVALID_REQUEST, f"A batch holds at most {MAX_BATCH} messages.")
        return Reply(error_response(None, error), 400)
    answers: list[Any] = []
    for index, item in enumerate(batch):
        if isinstance(item, list):
            continue
        if index and _out_of_time(exchange):
            answers.append(_not_started(item))
        else:
            answers.append(dispatch(item, exchange).body)
    bodies = [body for body in answers if isinstance(body, dict)]
    return Reply(bodies or None, 200 if bodies else 202)


def _out_of_time(exchange: Exchange) -> bool:
    deadline = exchange.deadline
    return deadline is not None and deadline.remaining() < MESSAGE_WORST_CASE_SECONDS


def _not_started(message: Any) -> dict[str, Any] | None:
    """The answer to a batched request left unrun for lack of time (none for a notification)."""
    if is_notification(message):
        return None
    error = RpcError(
        REQUEST_TIMEOUT, "Not started: the request ran out of time. Nothing changed; retry it."
    )
    return error_response(valid_id(message), error)


def _handle(message: Any, exchange: Exchange) -> dict[str, Any] | None:
    """The result of a request, or ``None`` for a notification."""
    method = _method_of(message)
    if "id" not in message:
        return None  # notifications (initialized, cancelled, …) need no answer
    if valid_id(message) is None:
        raise RpcError(
            INVALID_REQUEST, "The id must be a string of at most 200 characters or an integer."
        )
    params = message.get("params")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, "params must be an object.")
    version = _request_version(params, exchange)
    stateless = version in STATELESS_VERSIONS
    if stateless and method in HANDSHAKE_ONLY_METHODS:
        raise RpcError(METHOD_NOT_FOUND, f"{method} does not exist in protocol {version}.")
    result = _method_result(method, params, exchange)
    if stateless or method == "server/discover":
        _stamp_stateless(method, result)
    return result


def _method_of(message: Any) -> str:
    """The method of a well-formed JSON-RPC 2.0 message (``"jsonrpc"`` may be missing)."""
    if not isinstance(message, dict):
        raise RpcError(INVALID_REQUEST, "A JSON-RPC message must be an object.")
    if message.get("jsonrpc", "2.0") != "2.0":
        raise RpcError(INVALID_REQUEST, 'Only JSON-RPC "2.0" is supported.')
    method = message.get("method")
    if not isinstance(method, str):
        raise RpcError(INVALID_REQUEST, "The message has no method.")
    return method


def _stamp_stateless(method: str, result: dict[str, Any]) -> None:
    """2026-07-28 result fields: every result is complete (we never ask the client for input),
    names the server, and lists may be cached by nobody but this client, for no time at all
    (a deploy can change them)."""
    result.setdefault("resultType", "complete")
    result["_meta"] = {"io.modelcontextprotocol/serverInfo": SERVER_INFO}
    if method in {"server/discover", "tools/list"}:
        result.update(ttlMs=0, cacheScope="private")


def _request_version(params: dict[str, Any], exchange: Exchange) -> str | None:
    """The version this request speaks: ``_meta`` (2026-07-28), else the transport's."""
    meta = params.get("_meta")
    requested = meta.get(VERSION_META) if isinstance(meta, dict) else None
    if requested is None:
        return exchange.transport_version
    if not isinstance(requested, str):
        raise RpcError(INVALID_PARAMS, "The _meta protocol version must be a string.")
    if requested not in SUPPORTED_VERSIONS:
        raise unsupported_version(requested)
    if exchange.transport_version not in {None, requested}:
        raise RpcError(
            HEADER_MISMATCH, "The MCP-Protocol-Version header must equal the _meta version."
        )
    return requested


def _method_result(method: str, params: dict[str, Any], exchange: Exchange) -> dict[str, Any]:
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[0]
        return {
            "protocolVersion": version,
            "capabilities": CAPABILITIES,
            "serverInfo": SERVER_INFO,
            "instructions": INSTRUCTIONS,
        }
    if method == "ping":
        return {}
    if method == "server/discover":
        return {
            "supportedVersions": list(SUPPORTED_VERSIONS),
            "capabilities": CAPABILITIES,
            "instructions": INSTRUCTIONS,
        }
    if method == "tools/list":
        return {"tools": tool_definitions(exchange.tools)}
    if method == "tools/call":
        return _call(params, exchange)
    raise RpcError(METHOD_NOT_FOUND, "Method not found.")


def _call(params: dict[str, Any], exchange: Exchange) -> dict[str, Any]:
    name = params.get("name")
    if not isinstance(name, str) or name not in exchange.tools:
        raise RpcError(INVALID_PARAMS, "Unknown tool.")
    arguments = params.get("arguments", {})
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "arguments must be an object.")
    tool = TOOLS_BY_NAME[name]
    return call_tool(tool, arguments, exchange.caller, exchange.service).as_call_result()
