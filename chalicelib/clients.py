"""Lazy AWS SDK clients with explicit timeouts and retry budgets.

botocore's defaults (60 s connect and read timeouts) would let one hung call eat a whole Lambda
invocation; every client here states its own budget. botocore is imported on first use only, so
importing the app stays cheap and side-effect free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The longest backoff before the second attempt (doubling before each later one): botocore's
#: standard mode waits up to 1 s after a throttle, and older runtimes' botocore after any error.
MAX_FIRST_BACKOFF = 1.0


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

    def worst_case_seconds(self, first_backoff: float = MAX_FIRST_BACKOFF) -> float:
        """The longest one call can take when every attempt hits a timeout (retries included).

        A hung attempt costs at most ``connect_timeout + read_timeout`` (a trickling response
        can cost more: ``chalicelib.deadline`` covers that), and each retry first waits its
        exponential backoff (1 s, 2 s, ... at most).
        """
        per_attempt = self.connect_timeout + self.read_timeout
        backoffs = sum(first_backoff * 2.0**retry for retry in range(self.max_attempts - 1))
        return self.max_attempts * per_attempt + backoffs


#: REST and MCP: a card write must answer well within API Gateway's 29 s.
API_DYNAMODB_BUDGET = ClientBudget(connect_timeout=1.0, read_timeout=2.0, max_attempts=3)

#: EventBridge ``PutEvents`` of the card-events publisher: nobody waits on it, but a hung call
#: holds up the shard; the stream retries what the budget cannot finish.
EVENTS_BUDGET = ClientBudget(connect_timeout=1.0, read_timeout=2.0, max_attempts=3)

# Connect session Lambda: the caller hears silence while it runs, and Connect gives up at 8 s.
# Worst cases (every attempt hung, 1 s backoff): DynamoDB 1.9 s per call, two calls in a row
# (who is calling, then their cards) 3.8 s; DescribeContact 2.6 s, run beside the DynamoDB
# calls; UpdateSessionData 2.6 s after them. 3.8 + 2.6 = 6.4 s <= 6.5 s; ``chalicelib.deadline``
# stops waiting at 6.0 s whatever the sockets do.
#: DynamoDB reads of the Connect Lambda: in-region, through the VPC endpoint, milliseconds.
CONNECT_DYNAMODB_BUDGET = ClientBudget(connect_timeout=0.2, read_timeout=0.25, max_attempts=2)
#: ``connect:DescribeContact``, only when the flow did not pass the session ARN.
CONNECT_DESCRIBE_BUDGET = ClientBudget(connect_timeout=0.2, read_timeout=0.6, max_attempts=2)
#: ``wisdom:UpdateSessionData`` (boto3 client ``qconnect``).
QCONNECT_BUDGET = ClientBudget(connect_timeout=0.2, read_timeout=0.6, max_attempts=2)


def make_client(
    service: str,
    budget: ClientBudget,
    region: str,
    endpoint_url: str | None = None,
) -> Any:
    """Create a low-level client for ``service`` with ``budget``; local endpoints get dummy keys.

    A boto3 client *is* a botocore client; going through botocore's session directly skips
    importing boto3 and s3transfer (10-15 ms of every cold start: docs/PERFORMANCE.md), which add
    resources and S3 transfer helpers this app does not use.
    """
    from botocore.session import Session

    kwargs: dict[str, Any] = {"region_name": region, "config": budget.config()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    session = Session()
    if endpoint_url and session.get_credentials() is None:
        kwargs["aws_access_key_id"] = "local"
        kwargs["aws_secret_access_key"] = "local"  # noqa: S105 - DynamoDB Local ignores keys
    return session.create_client(service, **kwargs)
