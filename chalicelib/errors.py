"""Domain errors: each carries a stable code and a message safe to show a customer.

Each channel (REST, MCP, Connect) has one mapper that turns these into its own shape. The HTTP
status REST answers with is a fact about the kind of error, so it lives on the class beside the
code (``http_status``): a class that names a code of its own must name its status too, or it is
refused when defined, instead of silently becoming a 500. MCP and Connect ignore it. Messages
never contain ids, table names, ARNs or exception text.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CardOpsError(Exception):
    """Base of every error the service reports on purpose."""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500
    default_message: ClassVar[str] = "An internal error occurred."
    retryable: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse a class with a code of its own but an inherited status: the status of a new
        kind of error is a decision, never a default."""
        super().__init_subclass__(**kwargs)
        if "code" in vars(cls) and "http_status" not in vars(cls):
            raise TypeError(f"{cls.__name__} names code {cls.code} but no http_status")

    def __init__(
        self,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        cause: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        # For the logs only, never a response: the AWS error code or the exception class
        # behind this error (no exception text, which can echo input or name resources).
        self.cause = cause
        super().__init__(self.message)


class ValidationFailedError(CardOpsError):
    """The request is malformed; ``details`` lists field errors without echoing input."""

    code = "VALIDATION_ERROR"
    http_status = 400
    default_message = "The request is not valid."


class PayloadTooLargeError(CardOpsError):
    """The request body exceeds the size limit."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413
    default_message = "The request body is too large."


class AuthFailedError(CardOpsError):
    """The customer does not exist or is not active (the same answer for both)."""

    code = "AUTH_FAILED"
    http_status = 401
    default_message = "Authentication failed. Customer not found."


class CardNotFoundError(CardOpsError):
    """No such card for this customer: identical for another customer's card."""

    code = "CARD_NOT_FOUND"
    http_status = 404
    default_message = "Card not found."


class UnlockNotPermittedError(CardOpsError):
    """This channel may not lift this kind of lock."""

    code = "UNLOCK_NOT_PERMITTED"
    http_status = 403
    default_message = (
        "This card was locked because of suspected fraud and can only be unlocked by the "
        "bank's fraud team."
    )


class FraudHoldError(CardOpsError):
    """The card (or the card a replacement replaces) is under fraud review: only the bank's
    back office may replace it or activate its replacement."""

    code = "FRAUD_HOLD"
    http_status = 403
    default_message = (
        "This card is under fraud review; the bank will contact you. Until then only the bank "
        "can replace it or activate its replacement."
    )


class CardClosedError(CardOpsError):
    """The card is closed; closed is terminal."""

    code = "CARD_CLOSED"
    http_status = 409
    default_message = "This card is closed and can no longer be changed."


class InvalidCardStateError(CardOpsError):
    """The operation does not apply to the card's current status."""

    code = "INVALID_CARD_STATE"
    http_status = 409
    default_message = "The card is not in a state that allows this operation."


class ReplacementAlreadyRequestedError(CardOpsError):
    """A replacement is already on its way for this card."""

    code = "REPLACEMENT_ALREADY_REQUESTED"
    http_status = 409
    default_message = "A replacement has already been requested for this card."


class ConcurrentModificationError(CardOpsError):
    """Other writers kept changing the card; the request changed nothing."""

    code = "CONCURRENT_MODIFICATION"
    http_status = 409
    default_message = "The card was changed by another request. Please retry."
    retryable = True


class PreconditionFailedError(CardOpsError):
    """``If-Match`` named a version other than the card's current one."""

    code = "PRECONDITION_FAILED"
    http_status = 412
    default_message = "The card has changed since the version you named."


class IdempotencyKeyReusedError(CardOpsError):
    """The idempotency key was already used for a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"
    http_status = 422
    default_message = "This idempotency key was already used for a different request."


class ServiceUnavailableError(CardOpsError):
    """DynamoDB throttled or timed out after the SDK's retries."""

    code = "SERVICE_UNAVAILABLE"
    http_status = 503
    default_message = "The service is temporarily unavailable. Please retry shortly."
    retryable = True


class InternalError(CardOpsError):
    """Anything unexpected; details stay in the logs."""
