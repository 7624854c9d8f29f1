"""DynamoDB failures as domain errors: by error code and cancellation reason, never by text."""

from __future__ import annotations

from typing import Any

from chalicelib import errors

UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "ThrottlingError",
    }
)
CONFLICT_CODES = frozenset({"TransactionConflict", "TransactionConflictException"})
# Errors about the deployment, not the request: their text names the missing grant or table
# (never customer input), which is what an operator needs, so the logs keep it.
SETUP_CODES = frozenset(
    {"AccessDeniedException", "ResourceNotFoundException", "UnrecognizedClientException"}
)
MAX_CAUSE_TEXT = 1000


class VersionConflictError(errors.ConcurrentModificationError):
    """Another writer changed a card between our read and our write."""


class IdempotencyRaceError(errors.ConcurrentModificationError):
    """Another request with the same idempotency key committed first."""


def translate_client_error(exc: Exception) -> errors.CardOpsError:
    """Map a botocore exception to a domain error by its code or class, never by its text."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in UNAVAILABLE_CODES:
            return errors.ServiceUnavailableError(cause=code)
        if code in CONFLICT_CODES:
            return VersionConflictError(cause=code)
        if code in SETUP_CODES:
            text = str(exc.response.get("Error", {}).get("Message", ""))[:MAX_CAUSE_TEXT]
            return errors.InternalError(cause=f"{code}: {text}" if text else code)
        return errors.InternalError(cause=code or "ClientError")
    # Connection failures, read/connect timeouts: botocore already retried them.
    return errors.ServiceUnavailableError(cause=type(exc).__name__)


def transaction_error(exc: Exception, actions: list[dict[str, Any]]) -> errors.CardOpsError:
    """Explain a failed transaction from its cancellation reasons, one per action."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError) or (
        exc.response.get("Error", {}).get("Code") != "TransactionCanceledException"
    ):
        return translate_client_error(exc)
    reasons = exc.response.get("CancellationReasons") or []
    codes = [reason.get("Code", "None") for reason in reasons]
    cause = "TransactionCanceledException: " + ",".join(codes)
    if any(code in UNAVAILABLE_CODES for code in codes):
        return errors.ServiceUnavailableError(cause=cause)
    failed = [i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"]
    if 0 in failed:
        return errors.AuthFailedError()
    if any("idempotency_key" in actions[i].get("Put", {}).get("Item", {}) for i in failed):
        return IdempotencyRaceError()
    if failed or any(code in CONFLICT_CODES for code in codes):
        # A card's version moved, or DynamoDB saw a competing transaction: read again, retry.
        return VersionConflictError(cause=cause)
    return errors.InternalError(cause=cause)
