"""Lazy AWS SDK clients with explicit timeouts and retry budgets.

botocore's defaults (60 s connect and read timeouts) would let one hung call eat a whole Lambda
invocation; every client here states its own budget. botocore is imported on first use only, so
importing the app stays cheap and side-effect free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

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


_session_lock = threading.Lock()
_session: Any = None


def _shared_session() -> Any:
    """The process's one botocore session: every client shares its loaded data (the endpoint
    rules, the list of services, credentials), which a session per client would load again."""
    global _session  # noqa: PLW0603 - a per-process cache is the point
    if _session is None:
        from botocore.session import Session

        _session = Session()
    return _session


def reset_session() -> None:
    """Forget the shared session (tests change credentials and endpoints between cases)."""
    global _session  # noqa: PLW0603
    with _session_lock:
        _session = None


#: What every client signs DynamoDB Local requests with: the app, the scripts and the tests.
#: DynamoDB Local keeps one database per access key and region unless started with
#: ``-sharedDb`` (Amazon's own ``docker run amazon/dynamodb-local`` is not), so one fixed key,
#: whatever credentials the shell has, is what makes them all see the same tables.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def is_local_endpoint(endpoint_url: str | None) -> bool:
    """Whether an endpoint is an emulator (DynamoDB Local, moto) rather than AWS's own."""
    if not endpoint_url:
        return False
    host = urlparse(endpoint_url).hostname or ""
    return not host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def endpoint_credentials(endpoint_url: str | None) -> dict[str, str]:
    """The credentials to sign with for ``endpoint_url``: the fixed local ones for an emulator,
    none (the usual chain: environment, profile, role) for AWS. The one rule, for everyone."""
    return dict(LOCAL_CREDENTIALS) if is_local_endpoint(endpoint_url) else {}


def make_client(
    service: str,
    budget: ClientBudget,
    region: str,
    endpoint_url: str | None = None,
) -> Any:
    """Create a low-level client for ``service`` with ``budget``, signed as
    ``endpoint_credentials`` says.

    A boto3 client *is* a botocore client; going through botocore's session directly skips
    importing boto3 and s3transfer (10-15 ms of every cold start: docs/PERFORMANCE.md), which add
    resources and S3 transfer helpers this app does not use. Clients come from one shared
    session (botocore's sessions are not thread-safe, hence the lock): the Connect Lambda's
    three clients from three sessions cost about 100 ms more of its cold start
    (benchmarks/FIXES.md).
    """
    kwargs: dict[str, Any] = {"region_name": region, "config": budget.config()}
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    kwargs.update(endpoint_credentials(endpoint_url))
    with _session_lock:
        session = _shared_session()
        return session.create_client(service, **kwargs)


class LazyClient:
    """A client created on its first use: for a client that most invocations never call.

    The Connect Lambda calls ``connect:DescribeContact`` only when the flow did not pass the
    session ARN (the shipped flow passes it); botocore's Connect model is the largest it loads,
    so creating that client eagerly cost every cold start of the function (benchmarks/FIXES.md).
    """

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._create()
        return getattr(self._client, name)
