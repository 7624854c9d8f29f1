"""The REST channel: envelopes, error mapping, body, header and query parsing.

Chalice turns a view's exception into a response before middleware sees it, so domain errors are
mapped here, at the route boundary, by one decorator (``api_operation``). The same decorator
declares what the route takes and answers (``Operation``): ``app.py``'s route decorators are the
one route table, and the OpenAPI document is generated from them (``openapi``). The app class
that routes bare proxy events lives in ``bare_event_shim``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from chalice.app import Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from chalicelib import errors
from chalicelib.commands import Caller
from chalicelib.idempotency import REPLAYED_HEADER, take_replayed
from chalicelib.models import CardRef, HistoryQuery, ListCardsRequest, error_body
from chalicelib.observability import get_logger
from chalicelib.rest.headers import parse_idempotency_key, parse_if_match

# The refusal sets are re-exported: app.py declares each route's refusals with them.
from chalicelib.rest.operations import EDGE_REFUSALS as EDGE_REFUSALS  # noqa: PLC0414
from chalicelib.rest.operations import OPERATION_ATTRIBUTE, Operation, Refusals
from chalicelib.rest.operations import READ_REFUSALS as READ_REFUSALS  # noqa: PLC0414
from chalicelib.rest.operations import WRITE_REFUSALS as WRITE_REFUSALS  # noqa: PLC0414

# Re-exported: the MCP channel receives the request from here.
from chalicelib.rest.request import HttpRequest as HttpRequest  # noqa: PLC0414
from chalicelib.rest.request import current_http as current_http  # noqa: PLC0414
from chalicelib.validation import field_errors, unknown_field

MAX_BODY_BYTES = 16 * 1024
RETRY_AFTER_SECONDS = "1"
JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json"}

M = TypeVar("M", bound=BaseModel)
View = Callable[..., dict[str, Any]]


def envelope_error(
    exc: errors.CardOpsError, request_id: str, headers: dict[str, Any] | None = None
) -> Response:
    """An error as our JSON envelope (``models.ErrorEnvelope``) with its HTTP status; ``headers``
    are kept (e.g. the ``Allow`` of a 405)."""
    headers = {**(headers or {}), **JSON_HEADERS}
    if exc.code == errors.ServiceUnavailableError.code:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    return Response(
        body={"success": False, "error": error_body(exc, request_id)},
        status_code=exc.http_status,
        headers=headers,
    )


def envelope_ok(data: dict[str, Any], status_code: int = 200) -> Response:
    """A success as our JSON envelope; a replayed answer is the first answer's body, marked by
    the ``Idempotent-Replayed`` header."""
    headers = JSON_HEADERS
    if take_replayed(data):
        headers = {**JSON_HEADERS, REPLAYED_HEADER: "true"}
    return Response(body={"success": True, "data": data}, status_code=status_code, headers=headers)


def api_operation(
    *,
    response: type[BaseModel],
    request: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    refuses: Refusals | None = None,
) -> Callable[[View], Callable[..., Response]]:
    """Declare a view as an API operation (``Operation``) and run it: its data in the success
    envelope, domain errors mapped to theirs, anything else a 500. ``refuses`` defaults to
    ``WRITE_REFUSALS`` for a route with a body, else ``READ_REFUSALS``."""
    if refuses is None:
        refuses = WRITE_REFUSALS if request is not None else READ_REFUSALS
    operation = Operation(response, request, query, refuses)

    def decorate(view: View) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            def run() -> Response:
                refuse_unknown_query(operation.query)
                return envelope_ok(view(*args, **kwargs))

            return _answer(run)

        setattr(wrapper, OPERATION_ATTRIBUTE, operation)
        return wrapper

    return decorate


def own_body(view: Callable[..., Response]) -> Callable[..., Response]:
    """A route that answers with its own body (the OpenAPI document, MCP's JSON-RPC), not the
    success envelope: its errors are still answered as an ``api_operation``'s are."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        return _answer(lambda: view(*args, **kwargs))

    return wrapper


def _answer(run: Callable[[], Response]) -> Response:
    """``run``'s response; a domain error in its envelope; anything else a 500, its traceback
    logged under the request id (Chalice, left to catch it, would log it without)."""
    request_id = current_http().request_id
    try:
        return run()
    except errors.CardOpsError as exc:
        return envelope_error(exc, request_id)
    except Exception:
        get_logger().exception("unhandled error in view", extra={"request_id": request_id})
        return envelope_error(errors.InternalError(), request_id)


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


def if_match() -> frozenset[int] | None:
    """The versions ``If-Match`` allows (``http_headers.parse_if_match``)."""
    return parse_if_match(current_http().headers.get("if-match"))


def idempotency_key() -> str | None:
    """The ``Idempotency-Key`` header, if any (``models.IdempotencyKey``)."""
    return parse_idempotency_key(current_http().headers.get("idempotency-key"))


def refuse_unknown_query(model: type[BaseModel] | None) -> None:
    """Refuse query parameters the route does not take (``model``'s fields), as unknown body
    fields are refused."""
    query = current_http().query
    unknown = set(query) - (set(model.model_fields) if model is not None else set())
    if unknown:
        fields = [unknown_field(name, "query") for name in sorted(unknown)]
        raise errors.ValidationFailedError(details={"fields": fields})


def caller() -> Caller:
    """The REST caller: channel ``api``, actor from the IAM identity when API Gateway gives one."""
    request = current_http()
    actor = request.principal or "api"
    return Caller(channel="api", actor=actor, request_id=request.request_id)


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


def history_query() -> HistoryQuery:
    """``limit`` and ``cursor`` from the query string, validated by ``HistoryQuery``."""
    query = current_http().query
    try:
        return HistoryQuery.model_validate({k: query[k] for k in ("limit", "cursor") if k in query})
    except PydanticValidationError as exc:
        known = {"limit", "cursor"}
        raise errors.ValidationFailedError(details={"fields": field_errors(exc, known)}) from None


def openapi_response(routes: Mapping[str, Mapping[str, Any]]) -> Response:
    """The OpenAPI document of ``routes`` (the app's) as a plain JSON response (no envelope:
    tools read it as is)."""
    from chalicelib.rest.openapi import openapi_document

    return Response(body=openapi_document(routes), status_code=200, headers=JSON_HEADERS)
