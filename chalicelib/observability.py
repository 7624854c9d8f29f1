"""Structured logs and one metric per operation outcome (Powertools), built lazily.

Log lines carry ids only: request id, channel, operation, customer and card ids, outcome, and
for a failure its ``cause`` (an AWS error code, AWS's own text for setup errors such as a
missing grant, or an exception class). Never a phone number, address, e-mail or request value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib import errors
from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.commands import Caller

T = TypeVar("T")

METRICS_NAMESPACE = "BetterBank"


@lru_cache(maxsize=1)
def get_logger() -> Any:
    """The process-wide Powertools logger (JSON lines, level from ``LOG_LEVEL``)."""
    from aws_lambda_powertools import Logger

    settings = get_settings()
    return Logger(service=settings.service_name, level=settings.log_level)


def emit_outcome(operation: str, channel: str, outcome: str) -> None:
    """Emit one EMF metric ``CardOperation`` with operation, channel and outcome dimensions."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name="CardOperation",
        unit=MetricUnit.Count,
        value=1,
        namespace=METRICS_NAMESPACE,
        default_dimensions={"operation": operation, "channel": channel},
    ) as metric:
        metric.add_dimension(name="outcome", value=outcome)


# The operation's log line is an error when the service failed, a warning when the caller
# should retry, and information otherwise (refusals are answers, not faults).
_LOG_LEVEL_OF_OUTCOME = {
    errors.InternalError.code: "error",
    errors.ServiceUnavailableError.code: "warning",
    errors.ConcurrentModificationError.code: "warning",
}


def observe_operation(
    operation: str,
    customer_id: str,
    card_id: str | None,
    caller: Caller,
    work: Callable[[], T],
) -> T:
    """Run ``work``, then log its outcome (ids and the error's cause only) and emit its metric.

    Unexpected exceptions are logged with their trace and become ``InternalError``, so every
    channel's mapper only ever sees domain errors.
    """
    started = time.perf_counter()
    outcome = "OK"
    cause: str | None = None
    try:
        return work()
    except errors.CardOpsError as exc:
        outcome, cause = exc.code, exc.cause
        raise
    except Exception as exc:
        outcome, cause = errors.InternalError.code, type(exc).__name__
        get_logger().exception(
            "unexpected failure", extra={"operation": operation, "request_id": caller.request_id}
        )
        raise errors.InternalError(cause=cause) from exc
    finally:
        fields: dict[str, Any] = {
            "operation": operation,
            "channel": caller.channel,
            "request_id": caller.request_id,
            "customer_id": customer_id,
            "card_id": card_id,
            "outcome": outcome,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if cause:
            fields["cause"] = cause
        log = getattr(get_logger(), _LOG_LEVEL_OF_OUTCOME.get(outcome, "info"))
        log("card operation", extra=fields)
        emit_outcome(operation, caller.channel, outcome)
