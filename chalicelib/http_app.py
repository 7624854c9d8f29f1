"""The Chalice app class: bare proxy events routed, Chalice's own errors enveloped.

The old troubleshooting guide invokes the API Lambda with a bare ``{httpMethod, path, body}``
event; Chalice answers such an event with "Unknown request." (500), so it is given what Chalice
needs first. Chalice's own error responses (405, 415) are re-wrapped in our envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any

from chalice.app import Chalice, Response

from chalicelib import errors
from chalicelib.http_context import HttpRequest, set_current
from chalicelib.rest import CHALICE_CODES, JSON_HEADERS, envelope_error
from chalicelib.validation import field_error


class CardOperationsApp(Chalice):
    """Chalice, plus bare-event routing, a per-thread request and enveloped Chalice errors."""

    def __call__(self, event: Any, context: Any) -> Any:
        request_id = _request_id(event, context)
        if not isinstance(event, dict):
            not_http = errors.ValidationFailedError(
                "The event is not an HTTP request.",
                details={"fields": [field_error("body", "is not an API Gateway proxy event")]},
            )
            return _error_dict(not_http, request_id)
        normalised = normalise_proxy_event(event, self.routes, request_id)
        if normalised is None:
            return _error_dict(RouteNotFoundError(), request_id)
        set_current(_http_request(normalised, request_id))
        try:
            response = super().__call__(normalised, context)
        finally:
            set_current(None)
        return _envelope_chalice_error(response, request_id)


class RouteNotFoundError(errors.CardOpsError):
    """No route matches the event's method and path (HTTP only: not a domain answer)."""

    code = "NOT_FOUND"
    default_message = "No route matches this method and path."


def _error_dict(exc: errors.CardOpsError, request_id: str) -> dict[str, Any]:
    response: dict[str, Any] = envelope_error(exc, request_id).to_dict()
    return response


def _request_id(event: Any, context: Any) -> str:
    if isinstance(event, dict):
        ctx = event.get("requestContext")
        if isinstance(ctx, dict) and isinstance(ctx.get("requestId"), str):
            return str(ctx["requestId"])
    aws_request_id = getattr(context, "aws_request_id", None)
    return aws_request_id if isinstance(aws_request_id, str) else str(uuid.uuid4())


def _body_text(body: Any, base64_encoded: bool) -> str | None:
    """The body as text: API Gateway gives a string (base64 for binary types), ``chalice
    local`` gives bytes. Undecodable bytes become a NUL, which validation reports as not JSON."""
    if base64_encoded and isinstance(body, str | bytes):
        try:
            body = base64.b64decode(body, validate=True)
        except binascii.Error:
            return "\x00"
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return "\x00"
    return body if isinstance(body, str) else None


def _http_request(event: dict[str, Any], request_id: str) -> HttpRequest:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    multi = event.get("multiValueQueryStringParameters") or {}
    query = {str(k): str(v[0]) for k, v in multi.items() if isinstance(v, list) and v}
    query.update({str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()})
    body = _body_text(event.get("body"), bool(event.get("isBase64Encoded")))
    identity = (event.get("requestContext") or {}).get("identity") or {}
    principal = identity.get("userArn") or identity.get("caller")
    return HttpRequest(
        request_id=request_id,
        headers=headers,
        query=query,
        body=body,
        principal=str(principal) if principal else None,
        method=str(event["requestContext"].get("httpMethod") or "GET").upper(),
    )


def match_route(path: str, templates: list[str]) -> tuple[str, dict[str, str]] | None:
    """Find the route template matching a concrete path, with its path parameters."""
    parts = path.rstrip("/").split("/") if path != "/" else [""]
    for template in templates:
        tparts = template.rstrip("/").split("/") if template != "/" else [""]
        if len(tparts) != len(parts):
            continue
        params: dict[str, str] = {}
        for tpart, part in zip(tparts, parts, strict=True):
            if tpart.startswith("{") and tpart.endswith("}"):
                if not part:
                    break
                params[tpart[1:-1]] = part
            elif tpart != part:
                break
        else:
            return template, params
    return None


def normalise_proxy_event(
    event: dict[str, Any], routes: dict[str, Any], request_id: str
) -> dict[str, Any] | None:
    """Give a bare ``{httpMethod, path, body}`` event what Chalice needs to route it.

    API Gateway events pass through unchanged. ``None`` means no route matches the path.
    """
    context = event.get("requestContext")
    if isinstance(context, dict) and context.get("resourcePath") in routes:
        return event
    method = str(event.get("httpMethod") or "GET").upper()
    path = event.get("path")
    if not isinstance(path, str):
        return None
    matched = match_route(path, list(routes))
    if matched is None:
        return None
    template, params = matched
    raw_headers = event.get("headers")
    headers: dict[str, Any] = dict(raw_headers) if isinstance(raw_headers, dict) else {}
    if not any(str(name).lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    query = event.get("queryStringParameters")
    query = query if isinstance(query, dict) else None
    return {
        **event,
        "resource": template,
        "httpMethod": method,
        "headers": headers,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "queryStringParameters": query,
        "pathParameters": params or None,
        "stageVariables": None,
        "isBase64Encoded": bool(event.get("isBase64Encoded", False)),
        "body": event.get("body"),
        "requestContext": {
            **(context if isinstance(context, dict) else {}),
            "resourcePath": template,
            "httpMethod": method,
            "requestId": request_id,
        },
    }


def _envelope_chalice_error(response: Any, request_id: str) -> Any:
    """Re-wrap Chalice's own ``{"Code", "Message"}`` errors in our envelope."""
    if not isinstance(response, dict) or response.get("statusCode", 200) < 400:
        return response
    try:
        body = json.loads(response.get("body") or "")
    except (TypeError, ValueError):
        return response
    if not isinstance(body, dict) or "Code" not in body:
        return response
    code, message = CHALICE_CODES.get(
        body["Code"], ("INTERNAL_ERROR", errors.InternalError.default_message)
    )
    status = response["statusCode"] if code != "INTERNAL_ERROR" else 500
    envelope = {
        "success": False,
        "error": {"code": code, "message": message, "request_id": request_id, "retryable": False},
    }
    headers = {**(response.get("headers") or {}), **JSON_HEADERS}
    # Serialised by Chalice's Response, like every other body (compact JSON).
    return {**response, **Response(body=envelope, status_code=status, headers=headers).to_dict()}
