"""Every AWS client the code builds has standard retries, a bounded number of attempts and
explicit connect and read timeouts (never botocore's 60 s defaults), read back from the built
client's ``meta.config`` rather than from our own constants."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import runtime

BOTOCORE_DEFAULT_TIMEOUT = 60


def clients() -> dict[str, Any]:
    """The clients as the entry points build them: REST/MCP DynamoDB, and Connect's three."""
    connect = runtime.connect_dependencies()
    return {
        "api/mcp dynamodb": runtime.dynamodb_client(),
        "connect dynamodb": connect.directory._client,  # the store keeps its client private
        "connect connect": connect.connect,
        "connect qconnect": connect.qconnect,
    }


@pytest.mark.usefixtures("ddb_tables")
def test_every_client_has_a_bounded_retry_and_timeout_budget() -> None:
    built = clients()
    assert len({id(c) for c in built.values()}) == 4, "each channel has its own clients"
    for name, client in built.items():
        config = client.meta.config
        assert config.retries["mode"] == "standard", name
        attempts = config.retries.get("total_max_attempts")
        assert attempts is not None, (name, config.retries)
        assert 1 <= attempts <= 3, (name, config.retries)
        for timeout in (config.connect_timeout, config.read_timeout):
            assert timeout is not None, name
            assert 0 < timeout < BOTOCORE_DEFAULT_TIMEOUT, (name, timeout)
    connect_side = [c for n, c in built.items() if n.startswith("connect")]
    for client in connect_side:  # a caller waits in silence: sub-second budgets
        config = client.meta.config
        assert config.connect_timeout <= 1
        assert config.read_timeout <= 1
        assert config.retries["total_max_attempts"] <= 2


@pytest.mark.usefixtures("ddb_tables")
def test_the_service_and_the_mcp_tools_share_the_budgeted_client() -> None:
    service = runtime.card_service()
    assert service._store._client is runtime.dynamodb_client()
