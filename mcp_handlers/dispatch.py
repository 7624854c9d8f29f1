"""A stateless JSON-RPC 2.0 dispatcher for both eras of MCP.

Handshake era (2024-11-05 … 2025-11-25): ``initialize`` negotiates a version, then
``notifications/initialized``, ``ping``, ``tools/list``, ``tools/call``. Stateless 2026-07-28:
no handshake; ``server/discover`` advertises versions and every request names its version in
``params._meta``. The server keeps no session either way, so any Lambda instance can answer any
message. Protocol mistakes are JSON-RPC errors; business refusals are tool results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.commands import Caller
from chalicelib.observability import get_logger
from mcp_handlers.tools import TOOLS_BY_NAME, CardOperations, call_tool, tool_definitions

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

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
HEADER_MISMATCH = -32020
UNSUPPORTED_VERSION = -32022
#: HTTP status of a JSON-RPC error: the message itself was unusable (4xx), or we failed (500);
#: any other error is a well-formed answer (200), as the SDK's own server does.
ERROR_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_VERSION: 400,
    INTERNAL_ERROR: 500,
}


class RpcError(Exception):
    """A JSON-RPC error to answer with."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_error(self) -> dict[str, Any]:
        """The ``error`` member of the response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


@dataclass(frozen=True, slots=True)
class Exchange:
    """Where a message came from: the tools it may see, who called, the transport's version.

    ``service`` is ``None`` in production (the process-wide service, built on first use);
    tests pass a fake.
    """

    tools: tuple[str, ...]
    caller: Caller
    transport_version: str | None = None
    service: CardOperations | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The JSON-RPC answer (``None`` for a notification) and the HTTP status it deserves."""

    body: dict[str, Any] | list[dict[str, Any]] | None
    status: int = 200


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    """A JSON-RPC error response."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_error()}


def unsupported_version(requested: Any) -> RpcError:
    """-32022 naming every version we speak, so a client can fall back to one of them."""
    data = {"supported": list(SUPPORTED_VERSIONS), "requested": str(requested)[:64]}
    return RpcError(UNSUPPORTED_VERSION, "Unsupported protocol version.", data)


def _valid_id(message: Any) -> Any:
    """The request id to echo: a string or an integer (MCP forbids null), else ``None``."""
    request_id = message.get("id") if isinstance(message, dict) else None
    if isinstance(request_id, str) or (
        isinstance(request_id, int) and not isinstance(request_id, bool)
    ):
        return request_id
    return None


def _is_notification(message: Any) -> bool:
    return (
        isinstance(message, dict) and "id" not in message and isinstance(message.get("method"), str)
    )


def dispatch(message: Any, exchange: Exchange) -> Reply:
    """Answer one JSON-RPC message or a batch (batches exist only in 2025-03-26); never raises."""
    if isinstance(message, list):
        return _dispatch_batch(message, exchange)
    request_id = _valid_id(message)
    try:
        result = _handle(message, exchange)
    except RpcError as exc:
        if _is_notification(message):
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
    version = exchange.transport_version or DEFAULT_HTTP_VERSION
    if version != "2025-03-26" or not batch:
        error = RpcError(INVALID_REQUEST, "Batches are only supported in protocol 2025-03-26.")
        return Reply(error_response(None, error), 400)
    answers = [dispatch(item, exchange).body for item in batch if not isinstance(item, list)]
    bodies = [body for body in answers if isinstance(body, dict)]
    return Reply(bodies or None, 200 if bodies else 202)


def _handle(message: Any, exchange: Exchange) -> dict[str, Any] | None:
    """The result of a request, or ``None`` for a notification."""
    method = _method_of(message)
    if "id" not in message:
        return None  # notifications (initialized, cancelled, …) need no answer
    if _valid_id(message) is None:
        raise RpcError(INVALID_REQUEST, "The id must be a string or an integer.")
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
