"""The one place that depends on how Chalice handles a REST event, kept as small as it can be.

Checked against Chalice ``CHALICE_VERSION`` (the pin in requirements-serve.txt, which is also the
runtime ``chalice package`` puts in the zip); ``tests/unit/test_chalice_contract.py`` runs every
assumption below against a plain ``Chalice`` app and fails, naming it, when an upgrade breaks one.

What needs an override of ``Chalice.__call__`` (the Lambda handler itself), because Chalice reads
the event before any public hook runs: ``Chalice.__call__`` builds its ``Request`` from the event
first, and raises on a non-object event or an ill-typed field; for an event without
``requestContext.resourcePath`` (the old guide's bare ``{httpMethod, path, body}``) it answers
"Unknown request." (500). So every event is checked, routed by its path and completed
(``proxy_event.clean_proxy_event``) before Chalice sees it, and anything that still raises is a
500 in our envelope. The rest uses Chalice's public middleware (``register_middleware``, "http"):

- the request a view serves is bound per thread (``request.set_current``) from the event Chalice
  was given (``Request.to_original_event``): ``chalice local`` serves several requests at once on
  threads, and ``app.current_request`` is one attribute of the app shared by all of them;
- Chalice's own refusals (``{"Code", "Message"}`` bodies: 405, 415, and a view's unhandled 500)
  get our envelope, mapped by their code (``CHALICE_ERRORS``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

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

#: The Chalice release whose request handling this module was checked against.
CHALICE_VERSION = "1.34.0"
#: Kept back from the Lambda's own remaining time to shape and return the answer.
ANSWER_RESERVE_SECONDS = 1.0
#: Chalice's own error codes (its answers before or around our views) and our errors for them;
#: any other code is a 500.
CHALICE_ERRORS: dict[str, type[errors.CardOpsError]] = {
    "MethodNotAllowedError": MethodNotAllowedError,
    "UnsupportedMediaType": UnsupportedMediaTypeError,
    "BadRequest": errors.ValidationFailedError,
}


class CardOperationsApp(Chalice):
    """Chalice, answering every event it would crash on or not route, in our envelope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_middleware(_serve_http, "http")

    def __call__(self, event: Any, context: Any) -> Any:
        request_id = _request_id(event, context)
        try:
            if not isinstance(event, dict):
                raise invalid_event("body", "is not an API Gateway proxy event")
            cleaned = clean_proxy_event(event, list(self.routes), request_id)
            if cleaned is None:
                raise RouteNotFoundError
            return super().__call__(cleaned, context)
        except errors.CardOpsError as exc:
            return envelope_error(exc, request_id).to_dict()
        except Exception:  # a raise would reach a direct invoker as a stack trace
            get_logger().exception("api handler failed", extra={"request_id": request_id})
            return envelope_error(errors.InternalError(), request_id).to_dict()


def _serve_http(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice "http" middleware: bind the request for the views, envelope Chalice's refusals."""
    event = request.to_original_event()
    request_id: str = event["requestContext"]["requestId"]  # ours: clean_proxy_event set it
    try:
        set_current(_http_request(event, request_id, request.lambda_context))
        try:
            response = get_response(request)
        finally:
            set_current(None)
        return _in_our_envelope(response, request_id)
    except Exception:
        get_logger().exception("api handler failed", extra={"request_id": request_id})
        return envelope_error(errors.InternalError(), request_id)


def _request_id(event: Any, context: Any) -> str:
    """API Gateway's request id, else the Lambda's, else a new one: never a forged value that
    could carry a card number into the logs and the answer."""
    ctx = event.get("requestContext") if isinstance(event, dict) else None
    given = ctx.get("requestId") if isinstance(ctx, dict) else None
    return safe_request_id(given) or lambda_request_id(context) or str(uuid.uuid4())


def _http_request(event: dict[str, Any], request_id: str, context: Any) -> HttpRequest:
    """What the views read of a cleaned event (``proxy_event.clean_proxy_event``)."""
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


def _in_our_envelope(response: Response, request_id: str) -> Response:
    """One of Chalice's own ``{"Code", "Message"}`` refusals in our envelope, keeping its
    headers (the ``Allow`` of a 405); any other response as it is."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    error = CHALICE_ERRORS.get(body["Code"], errors.InternalError)()
    return envelope_error(error, request_id, dict(response.headers))
