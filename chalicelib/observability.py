"""Structured logs and one metric per operation outcome (Powertools), built lazily.

Log lines carry ids only: request id, channel, operation, customer and card ids, outcome. Never a
phone number, address, e-mail or request body.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.settings import get_settings

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
