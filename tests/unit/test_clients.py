"""The SDK clients: one botocore session per process, each client with its own budget, and
the Connect client only when it is called.

A session per client made every client load botocore's endpoint rules and service list again,
and the Connect Lambda created a Connect client it rarely calls: both cost its cold start
(benchmarks/FIXES.md).
"""

from __future__ import annotations

from chalicelib import runtime
from chalicelib.clients import (
    CONNECT_DYNAMODB_BUDGET,
    QCONNECT_BUDGET,
    LazyClient,
    make_client,
    reset_session,
)


def test_clients_share_one_session_and_keep_their_own_budgets() -> None:
    reset_session()
    dynamodb = make_client("dynamodb", CONNECT_DYNAMODB_BUDGET, "us-east-1", "http://127.0.0.1:9")
    qconnect = make_client("qconnect", QCONNECT_BUDGET, "us-east-1")
    # One session: one data loader, whose cache every client after the first reuses.
    assert dynamodb._loader is qconnect._loader
    assert dynamodb.meta.config.read_timeout == CONNECT_DYNAMODB_BUDGET.read_timeout
    assert qconnect.meta.config.read_timeout == QCONNECT_BUDGET.read_timeout
    assert dynamodb.meta.endpoint_url == "http://127.0.0.1:9"


def test_reset_starts_a_new_session() -> None:
    first = make_client("dynamodb", CONNECT_DYNAMODB_BUDGET, "us-east-1", "http://127.0.0.1:9")
    reset_session()
    second = make_client("dynamodb", CONNECT_DYNAMODB_BUDGET, "us-east-1", "http://127.0.0.1:9")
    assert first._loader is not second._loader


def test_a_lazy_client_is_created_on_first_use_and_only_once() -> None:
    made: list[object] = []

    def create() -> object:
        made.append(make_client("qconnect", QCONNECT_BUDGET, "us-east-1"))
        return made[-1]

    lazy = LazyClient(create)
    assert made == []
    assert lazy.meta.config.read_timeout == QCONNECT_BUDGET.read_timeout
    assert lazy.meta.service_model.service_name == "qconnect"
    assert len(made) == 1


def test_the_connect_lambda_creates_no_connect_client_until_it_calls_describe_contact() -> None:
    # The shipped flow passes the session ARN: DescribeContact, and botocore's largest model,
    # are then never needed.
    runtime.reset()
    try:
        deps = runtime.connect_dependencies()
        assert isinstance(deps.connect, LazyClient)
        assert deps.connect._client is None
        assert deps.connect.meta.service_model.service_name == "connect"
    finally:
        runtime.reset()
