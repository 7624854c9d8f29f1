"""The HTTP request a view is serving, kept per thread.

``chalice local`` serves requests on several threads at once and Chalice's ``current_request``
is shared between them, so views read what they need from here instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from chalicelib.deadline import REQUEST_BUDGET_SECONDS, Deadline


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What a view needs of the current request, kept per thread (``chalice local`` serves
    requests on several threads at once, and Chalice's ``current_request`` is shared)."""

    request_id: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    principal: str | None
    method: str = "GET"
    #: The route template (``/v1/customers/{customer_id}/cards``) the request matched.
    route: str = ""
    #: When work for this request must stop being started (API Gateway gives up at 29 s).
    deadline: Deadline = field(default_factory=lambda: Deadline(REQUEST_BUDGET_SECONDS))


_current = threading.local()


def current_http() -> HttpRequest:
    """The request this thread is serving."""
    request: HttpRequest = _current.request
    return request


def set_current(request: HttpRequest | None) -> None:
    """Bind (or clear) the request this thread is serving."""
    _current.request = request
