"""The Chalice app class: events checked and routed, Chalice's own errors enveloped.

The old troubleshooting guide invokes the API Lambda with a bare ``{httpMethod, path, body}``
event; Chalice answers such an event with "Unknown request." (500), and raises on a missing or
ill-typed field, so every event is checked and given what Chalice needs first
(``http_event``). Chalice's own error responses (405, 415) are re-wrapped in our envelope.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.app import Chalice

from chalicelib import errors
from chalicelib.deadline import REQUEST_BUDGET_SECONDS, Deadline
from chalicelib.observability import get_logger
from chalicelib.rest.edge import envelope_error
from chalicelib.rest.http_errors import (
    MethodNotAllowedError,
    RouteNotFoundError,
    UnsupportedMediaTypeError,
)
from chalicelib.rest.proxy_event import (
    body_text,
    clean_proxy_event,
    invalid_event,
    lambda_request_id,
    principal_of,
    safe_request_id,
)
from chalicelib.rest.request import HttpRequest, set_current

#: Kept back from the Lambda's own remaining time to shape and return the answer.
ANSWER_RESERVE_SECONDS = 1.0


class CardOperationsApp(Chalice):
    """Chalice, plus bare-event routing, a per-thread request and enveloped Chalice errors."""

    def __call__(self, event: Any, context: Any) -> Any:
        request_id = _request_id(event, context)
        try:
            return self._serve(event, context, request_id)
        except Exception:  # a raise would reach a direct invoker as a stack trace
            get_logger().exception("api handler failed", extra={"request_id": request_id})
            return _error_dict(errors.InternalError(), request_id)

    def _serve(self, event: Any, context: Any, request_id: str) -> Any:
        if not isinstance(event, dict):
            not_http = invalid_event("body", "is not an API Gateway proxy event")
            return _error_dict(not_http, request_id)
        try:
            cleaned = clean_proxy_event(event, list(self.routes), request_id)
        except errors.ValidationFailedError as exc:
            return _error_dict(exc, request_id)
        if cleaned is None:
            return _error_dict(RouteNotFoundError(), request_id)
        set_current(_http_request(cleaned, request_id, context))
        try:
            response = super().__call__(cleaned, context)
        finally:
            set_current(None)
        return _envelope_chalice_error(response, request_id)


#: Chalice's own error codes (answered before our views run) and our errors for them.
CHALICE_ERRORS: dict[str, type[errors.CardOpsError]] = {
    "MethodNotAllowedError": MethodNotAllowedError,
    "UnsupportedMediaType": UnsupportedMediaTypeError,
    "BadRequest": errors.ValidationFailedError,
}


def _error_dict(exc: errors.CardOpsError, request_id: str) -> dict[str, Any]:
    response: dict[str, Any] = envelope_error(exc, request_id).to_dict()
    return response


def _request_id(event: Any, context: Any) -> str:
    """API Gateway's request id, else the Lambda's, else a new one: never a forged value that
    could carry a card number into the logs and the answer."""
    ctx = event.get("requestContext") if isinstance(event, dict) else None
    given = ctx.get("requestId") if isinstance(ctx, dict) else None
    return safe_request_id(given) or lambda_request_id(context) or str(uuid.uuid4())


def _http_request(event: dict[str, Any], request_id: str, context: Any) -> HttpRequest:
    """What the views read of a cleaned event (``http_event.clean_proxy_event``)."""
    return HttpRequest(
        request_id=request_id,
        headers=event["headers"],
        query=event["queryStringParameters"] or {},
        body=body_text(event["body"], event["isBase64Encoded"]),
        principal=principal_of(event["requestContext"]),
        method=event["httpMethod"],
        route=event["resource"],
        deadline=Deadline.for_invocation(context, REQUEST_BUDGET_SECONDS, ANSWER_RESERVE_SECONDS),
    )


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
    error = CHALICE_ERRORS.get(body["Code"], errors.InternalError)()
    # Serialised by Chalice's Response, like every other body (compact JSON).
    return {**response, **envelope_error(error, request_id, response.get("headers")).to_dict()}
