"""``POST /mcp``: MCP Streamable HTTP, stateless, answering with JSON (never SSE).

No session id is issued: every message is answered on its own, so any Lambda instance can serve
any client. Notifications get 202 with no body; GET and DELETE get 405 (no server-initiated
stream, no session to end).
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.commands import Caller
from chalicelib.rest.request import HttpRequest
from chalicelib.validation import load_json
from mcp_handlers.dispatch import (
    DEFAULT_HTTP_VERSION,
    SUPPORTED_VERSIONS,
    Exchange,
    dispatch,
    unsupported_version,
)
from mcp_handlers.jsonrpc import (
    HEADER_MISMATCH,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
    error_response,
)
from mcp_handlers.tools import TOOLS_BY_NAME, ServiceProvider

MAX_BODY_BYTES = 1024 * 1024
ALL_TOOLS = tuple(TOOLS_BY_NAME)


def _json(status: int, body: Any) -> Response:
    return Response(
        body=json.dumps(body, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )


def _rpc_error(status: int, code: int, message: str, data: Any = None) -> Response:
    return _json(status, error_response(None, RpcError(code, message, data)))


def _accepts_json(accept: str | None) -> bool:
    if not accept:
        return True
    kinds = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return bool(kinds & {"application/json", "application/*", "*/*"})


def _transport_problem(request: HttpRequest) -> Response | None:
    """A reason to refuse the request before reading it, if there is one."""
    if request.method != "POST":
        return Response(body="", status_code=405, headers={"Allow": "POST"})
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _rpc_error(415, INVALID_REQUEST, "Content-Type must be application/json.")
    if not _accepts_json(request.headers.get("accept")):
        return _rpc_error(406, INVALID_REQUEST, "Accept must include application/json.")
    version = request.headers.get("mcp-protocol-version")
    if version is not None and version not in SUPPORTED_VERSIONS:
        return _json(400, error_response(None, unsupported_version(version)))
    if len((request.body or "").encode()) > MAX_BODY_BYTES:
        return _rpc_error(413, INVALID_REQUEST, "The request body is too large.")
    return None


def _method_mismatch(request: HttpRequest, message: Any) -> Response | None:
    """2026-07-28 clients repeat the method in ``Mcp-Method`` (for routing without parsing the
    body); one that disagrees with its own body is refused rather than guessed at."""
    header = request.headers.get("mcp-method")
    if header is None or not isinstance(message, dict) or header == message.get("method"):
        return None
    error = RpcError(HEADER_MISMATCH, "Mcp-Method differs from the body's method.")
    return _json(400, error_response(None, error))


def _actor(request: HttpRequest) -> str:
    """The IAM principal API Gateway authenticated (deployed), else just ``mcp`` (chalice local
    has no identity to give)."""
    return request.principal or "mcp"


def handle_http(request: HttpRequest, service: ServiceProvider) -> Response:
    """Answer one Streamable HTTP request carrying a JSON-RPC message (or a 2025-03-26 batch),
    running tool calls on the service ``service`` gives (the app passes the process-wide one)."""
    problem = _transport_problem(request)
    if problem is not None:
        return problem
    try:
        message = load_json(request.body or "")
    except ValueError:
        return _rpc_error(400, PARSE_ERROR, "Parse error.")
    mismatch = _method_mismatch(request, message)
    if mismatch is not None:
        return mismatch
    version = request.headers.get("mcp-protocol-version") or DEFAULT_HTTP_VERSION
    caller = Caller(channel="mcp", actor=_actor(request), request_id=request.request_id)
    exchange = Exchange(ALL_TOOLS, caller, service, version, request.deadline)
    reply = dispatch(message, exchange)
    if reply.body is None:
        return Response(body="", status_code=202, headers={})
    return _json(reply.status, reply.body)
