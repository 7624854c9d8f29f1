"""JSON-RPC 2.0 on the wire: error codes, error objects, and which ids may be echoed.

Shared by the dispatcher and both transports (``POST /mcp`` and the tool Lambdas).
"""

from __future__ import annotations

from typing import Any

from chalicelib.card_numbers import contains_card_number

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_TIMEOUT = -32001  # the code the MCP SDKs use for a request that ran out of time
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
#: Ids are echoed in every answer: bounded, and never a card number.
MAX_ID_CHARS = 200
MAX_ID = 2**63 - 1


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


def error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    """A JSON-RPC error response."""
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_error()}


def valid_id(message: Any) -> Any:
    """The request id to echo: a short string or an int64 (MCP forbids null) that carries no
    card number, else ``None``."""
    request_id = message.get("id") if isinstance(message, dict) else None
    if isinstance(request_id, bool):
        return None
    if isinstance(request_id, int) and abs(request_id) <= MAX_ID:
        return None if contains_card_number(str(request_id)) else request_id
    if isinstance(request_id, str) and len(request_id) <= MAX_ID_CHARS:
        return None if contains_card_number(request_id) else request_id
    return None


def is_notification(message: Any) -> bool:
    return (
        isinstance(message, dict) and "id" not in message and isinstance(message.get("method"), str)
    )
