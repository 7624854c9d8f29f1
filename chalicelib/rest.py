"""The REST channel: envelopes, error mapping, header parsing and event normalising.

Chalice turns a view's exception into a response before middleware sees it, so domain errors are
mapped here, at the route boundary, by one decorator (``api_operation``). The app subclass makes
two more things uniform: the bare proxy event of the old guide (no ``requestContext``) is routed
like an API Gateway event, and Chalice's own error responses (405, 415) get our envelope.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chalice.app import Chalice, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from chalicelib import errors
from chalicelib.models import IDEMPOTENCY_KEY_PATTERN, CardRef, ListCardsRequest
from chalicelib.observability import get_logger
from chalicelib.service import Caller

MAX_BODY_BYTES = 16 * 1024
RETRY_AFTER_SECONDS = "1"
JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json"}

STATUS_BY_CODE: dict[str, int] = {
    "VALIDATION_ERROR": 400,
    "AUTH_FAILED": 401,
    "UNLOCK_NOT_PERMITTED": 403,
    "CARD_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CARD_CLOSED": 409,
    "INVALID_CARD_STATE": 409,
    "REPLACEMENT_ALREADY_REQUESTED": 409,
    "CONCURRENT_MODIFICATION": 409,
    "PRECONDITION_FAILED": 412,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "IDEMPOTENCY_KEY_REUSED": 422,
    "SERVICE_UNAVAILABLE": 503,
    "INTERNAL_ERROR": 500,
}
#: Chalice's own error codes (raised before our views run) and ours for them.
CHALICE_CODES = {
    "MethodNotAllowedError": ("METHOD_NOT_ALLOWED", "This method is not allowed on this path."),
    "UnsupportedMediaType": ("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json."),
    "BadRequest": ("VALIDATION_ERROR", "The request is not valid."),
}
_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What a view needs of the current request, kept per thread (``chalice local`` serves
    requests on several threads at once, and Chalice's ``current_request`` is shared)."""

    request_id: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    actor: str


_current = threading.local()


def current_http() -> HttpRequest:
    """The request this thread is serving."""
    request: HttpRequest = _current.request
    return request


def envelope_error(exc: errors.CardOpsError, request_id: str) -> Response:
    """An error as our JSON envelope with its HTTP status."""
    error: dict[str, Any] = {
        "code": exc.code,
        "message": exc.message,
        "request_id": request_id,
        "retryable": exc.retryable,
    }
    if exc.details:
        error["details"] = exc.details
    headers: dict[str, str | list[str]] = dict(JSON_HEADERS)
    if exc.code == errors.ServiceUnavailableError.code:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return Response(
        body={"success": False, "error": error},
        status_code=STATUS_BY_CODE.get(exc.code, 500),
        headers=headers,
    )


def envelope_ok(data: dict[str, Any], status_code: int = 200) -> Response:
    """A success as our JSON envelope."""
    return Response(
        body={"success": True, "data": data}, status_code=status_code, headers=JSON_HEADERS
    )


def api_operation(view: Callable[..., dict[str, Any]]) -> Callable[..., Response]:
    """Run a view that returns data; map domain errors to envelopes, anything else to a 500."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        request_id = current_http().request_id
        try:
            return envelope_ok(view(*args, **kwargs))
        except errors.CardOpsError as exc:
            return envelope_error(exc, request_id)
        except Exception:
            get_logger().exception("unhandled error in view", extra={"request_id": request_id})
            return envelope_error(errors.InternalError(), request_id)

    return wrapper


def field_errors(exc: PydanticValidationError, known: set[str]) -> list[dict[str, str]]:
    """Pydantic errors as ``{field, issue}`` without echoing any input (unknown field names
    included: a client may have sent a card number as a key)."""
    result = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        name = ".".join(loc) if loc and loc[0] in known else "body"
        issue = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        if error["type"] == "json_invalid":
            issue = "is not valid JSON"
        result.append({"field": name, "issue": issue})
    return result


def parse_body(model: type[M]) -> M:
    """Validate the current JSON body against ``model`` (unknown fields refused)."""
    body = current_http().body or ""
    if len(body.encode()) > MAX_BODY_BYTES:
        raise errors.PayloadTooLargeError(details={"max_bytes": MAX_BODY_BYTES})
    try:
        return model.model_validate_json(body or "null")
    except PydanticValidationError as exc:
        known = set(model.model_fields)
        raise errors.ValidationFailedError(details={"fields": field_errors(exc, known)}) from None


def if_match() -> int | None:
    """The version named by ``If-Match`` (``"3"``, ``3`` or ``W/"3"``), if any."""
    raw = current_http().headers.get("if-match")
    if raw is None:
        return None
    match = _IF_MATCH.match(raw)
    if match is None:
        raise errors.ValidationFailedError(
            details={"fields": [{"field": "If-Match", "issue": 'must be a version, e.g. "3"'}]}
        )
    return int(match.group(1))


def idempotency_key() -> str | None:
    """The ``Idempotency-Key`` header, if any (1-128 of letters, digits and ``_.:-``)."""
    raw = current_http().headers.get("idempotency-key")
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise errors.ValidationFailedError(
            details={
                "fields": [
                    {
                        "field": "Idempotency-Key",
                        "issue": "must be 1-128 letters, digits or _ . : -",
                    }
                ]
            }
        )
    return raw


def caller() -> Caller:
    """The REST caller: channel ``api``, actor from the IAM identity when API Gateway gives one."""
    request = current_http()
    return Caller(channel="api", actor=request.actor, request_id=request.request_id)


class CardOperationsApp(Chalice):
    """Chalice, plus bare-event routing, a per-thread request and enveloped Chalice errors."""

    def __call__(self, event: Any, context: Any) -> Any:
        request_id = _request_id(event, context)
        if not isinstance(event, dict):
            return _error_dict(
                errors.ValidationFailedError("The event is not an HTTP request."), request_id
            )
        normalised = normalise_proxy_event(event, self.routes, request_id)
        if normalised is None:
            return _error_dict(RouteNotFoundError(), request_id)
        _current.request = _http_request(normalised, request_id)
        try:
            response = super().__call__(normalised, context)
        finally:
            _current.request = None
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


def _http_request(event: dict[str, Any], request_id: str) -> HttpRequest:
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    multi = event.get("multiValueQueryStringParameters") or {}
    query = {str(k): str(v[0]) for k, v in multi.items() if isinstance(v, list) and v}
    query.update({str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()})
    body = event.get("body")
    if event.get("isBase64Encoded") and isinstance(body, str):
        import base64
        import binascii

        try:
            body = base64.b64decode(body).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            body = "\x00"  # not JSON: validation reports it
    identity = (event.get("requestContext") or {}).get("identity") or {}
    actor = identity.get("userArn") or identity.get("caller") or "api"
    return HttpRequest(
        request_id=request_id,
        headers=headers,
        query=query,
        body=body if isinstance(body, str) else None,
        actor=str(actor),
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
    return {**response, "statusCode": status, "headers": headers, "body": json.dumps(envelope)}


def path_customer_id(customer_id: str) -> str:
    """Validate a customer id taken from the path."""
    try:
        return ListCardsRequest(customer_id=customer_id).customer_id
    except PydanticValidationError as exc:
        raise errors.ValidationFailedError(
            details={"fields": field_errors(exc, {"customer_id"})}
        ) from None


def path_card_ref(customer_id: str, card_id: str) -> CardRef:
    """Validate a customer and card id taken from the path."""
    try:
        return CardRef(customer_id=customer_id, card_id=card_id)
    except PydanticValidationError as exc:
        known = {"customer_id", "card_id"}
        raise errors.ValidationFailedError(details={"fields": field_errors(exc, known)}) from None


def history_query() -> tuple[int, str | None]:
    """``limit`` (1-100, default 20) and ``cursor`` from the query string."""
    query = current_http().query
    raw_limit = query.get("limit", "20")
    if not re.fullmatch(r"[0-9]{1,3}", raw_limit) or not 1 <= int(raw_limit) <= 100:
        raise errors.ValidationFailedError(
            details={"fields": [{"field": "limit", "issue": "must be a whole number 1-100"}]}
        )
    cursor = query.get("cursor")
    if cursor is not None and not 1 <= len(cursor) <= 512:
        raise errors.ValidationFailedError(
            details={"fields": [{"field": "cursor", "issue": "is not a valid cursor"}]}
        )
    return int(raw_limit), cursor


def openapi_response() -> Response:
    """The OpenAPI document as a plain JSON response (no envelope: tools read it as is)."""
    from chalicelib.openapi import openapi_document

    return Response(body=openapi_document(), status_code=200, headers=JSON_HEADERS)
