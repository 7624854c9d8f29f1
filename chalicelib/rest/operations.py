"""What a route takes and answers, declared on its view (``edge.api_operation``) beside what
Chalice registers for it (path, method, view), and read back by the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from chalicelib import errors
from chalicelib.rest.http_errors import UnsupportedMediaTypeError

Refusals = tuple[type[errors.CardOpsError], ...]

#: What any route may answer besides its result: a bad request, a body type other than JSON
#: (Chalice checks ``Content-Type`` on every route, GET included), or a failure of ours.
EDGE_REFUSALS: Refusals = (
    errors.ValidationFailedError,
    UnsupportedMediaTypeError,
    errors.InternalError,
)
#: A route that reads a customer's data: the customer may not be active, DynamoDB may throttle.
READ_REFUSALS: Refusals = (*EDGE_REFUSALS, errors.AuthFailedError, errors.ServiceUnavailableError)
#: A write: everything a read may answer, and every way a change can be refused.
WRITE_REFUSALS: Refusals = (
    *READ_REFUSALS,
    errors.CardNotFoundError,
    errors.CardClosedError,
    errors.InvalidCardStateError,
    errors.ReplacementAlreadyRequestedError,
    errors.ConcurrentModificationError,
    errors.PreconditionFailedError,
    errors.PayloadTooLargeError,
    errors.IdempotencyKeyReusedError,
)
OPERATION_ATTRIBUTE = "api_operation"


@dataclass(frozen=True, slots=True)
class Operation:
    """What a route takes and answers, beside what Chalice registers (path, method, view).

    ``request``: the JSON body's model; a route with a body is a write, guarded by
    ``Idempotency-Key`` and ``If-Match``. ``query``: the model of the query parameters it takes
    (any other is refused). ``refusals``: the errors it may answer with.
    """

    response: type[BaseModel]
    request: type[BaseModel] | None
    query: type[BaseModel] | None
    refusals: Refusals

    @property
    def is_write(self) -> bool:
        """Whether the route changes a card (it takes a body, and the guard headers)."""
        return self.request is not None


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The ``Operation`` an ``api_operation`` view declares (``None``: not an API operation)."""
    operation = getattr(view, OPERATION_ATTRIBUTE, None)
    return operation if isinstance(operation, Operation) else None
