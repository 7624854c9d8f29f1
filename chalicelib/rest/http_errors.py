"""Errors only HTTP has: a path no route serves, a method a path does not take, a body that is
not JSON. They are refusals of the REST edge, never domain answers, so they live here."""

from __future__ import annotations

from chalicelib import errors


class RouteNotFoundError(errors.CardOpsError):
    """No route matches the event's method and path."""

    code = "NOT_FOUND"
    http_status = 404
    default_message = "No route matches this method and path."


class MethodNotAllowedError(errors.CardOpsError):
    """The path exists, the method does not (Chalice's own 405, in our envelope)."""

    code = "METHOD_NOT_ALLOWED"
    http_status = 405
    default_message = "This method is not allowed on this path."


class UnsupportedMediaTypeError(errors.CardOpsError):
    """The body is not JSON (Chalice's own 415, in our envelope)."""

    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415
    default_message = "Send the body as application/json."
