"""The SDK clients: one botocore session per process, each client with its own budget.

A session per client made every client load botocore's endpoint rules and service list again:
about 100 ms of the Connect Lambda's cold start, which creates three (benchmarks/FIXES.md).
"""

from __future__ import annotations

from chalicelib.clients import (
    CONNECT_DYNAMODB_BUDGET,
    QCONNECT_BUDGET,
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
