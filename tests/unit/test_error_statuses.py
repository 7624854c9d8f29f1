"""Every error names its HTTP status on its class; a new code without one cannot be defined.

The table below is the REST contract (docs/API_REFERENCE.md); it once lived in a string-keyed map
beside the classes, where a new error class silently became a 500.
"""

from __future__ import annotations

import pytest

import app  # noqa: F401 - imports every module that defines an error
from chalicelib import errors

CONTRACT = {
    "VALIDATION_ERROR": 400,
    "AUTH_FAILED": 401,
    "UNLOCK_NOT_PERMITTED": 403,
    "FRAUD_HOLD": 403,
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


def _every_error_class() -> list[type[errors.CardOpsError]]:
    found: list[type[errors.CardOpsError]] = []
    pending = [errors.CardOpsError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith(("chalicelib.", "mcp_handlers.")):  # not this file's
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_code_has_the_contracts_status() -> None:
    statuses = {(cls.code, cls.http_status) for cls in _every_error_class()}
    assert statuses == set(CONTRACT.items())


def test_a_new_code_without_a_status_is_refused() -> None:
    with pytest.raises(TypeError, match="NEW_THING"):

        class NewThingError(errors.CardOpsError):
            code = "NEW_THING"


def test_a_subclass_refining_an_error_keeps_its_status() -> None:
    class RefinedError(errors.ConcurrentModificationError):
        """Same code, same status: nothing to decide."""

    assert (RefinedError.code, RefinedError.http_status) == ("CONCURRENT_MODIFICATION", 409)
