"""Lazy boto3 clients with explicit timeouts and retry budgets.

botocore's defaults (60 s connect and read timeouts) would let one hung call eat a whole Lambda
invocation; every client here states its own budget. boto3 is imported on first use only, so
importing the app stays cheap and side-effect free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ClientBudget:
    """Timeouts (seconds) and total attempts for one client."""

    connect_timeout: float
    read_timeout: float
    max_attempts: int

    def config(self) -> Any:
        """The botocore ``Config`` for this budget (standard retry mode)."""
        from botocore.config import Config

        return Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            tcp_keepalive=True,
            max_pool_connections=50,  # chalice local and the tests share one client across threads
        )


#: REST and MCP: a card write must answer well within API Gateway's 29 s.
API_DYNAMODB_BUDGET = ClientBudget(connect_timeout=1.0, read_timeout=2.0, max_attempts=3)


def make_client(
    service: str,
    budget: ClientBudget,
    region: str,
    endpoint_url: str | None = None,
) -> Any:
    """Create a boto3 client for ``service`` with ``budget``; local endpoints get dummy keys."""
    import boto3

    kwargs: dict[str, Any] = {"region_name": region, "config": budget.config()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    session = boto3.session.Session()
    if endpoint_url and session.get_credentials() is None:
        kwargs["aws_access_key_id"] = "local"
        kwargs["aws_secret_access_key"] = "local"  # noqa: S105 - DynamoDB Local ignores keys
    return session.client(service, **kwargs)
