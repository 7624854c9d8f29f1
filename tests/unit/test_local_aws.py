"""``make invoke``'s guard: no lookup of or connection to another host, whatever the caller asks.

The hook is installed for good in the process that installs it, so each case runs in a child
Python; nothing here reaches the network (a refused lookup never resolves).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from scripts.local_aws import is_local_host
from tests.doc_commands import ROOT

GUARDED = """
import socket, sys
sys.path.insert(0, {root!r})
from scripts.local_aws import refuse_non_local_connections
refused = []
refuse_non_local_connections(refused)
"""


def run_guarded(code: str) -> str:
    script = GUARDED.format(root=str(ROOT)) + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        (None, True),
        ("dynamodb.us-east-1.amazonaws.com", False),
        ("10.0.0.8", False),
        ("0.0.0.0", False),
        ("localhost.evil.example", False),
    ],
)
def test_only_this_machine_is_local(host: str | None, local: bool) -> None:
    assert is_local_host(host) is local


def test_lookups_and_connections_elsewhere_are_refused_and_recorded() -> None:
    output = run_guarded(
        """
        for target in [("wisdom.us-east-1.amazonaws.com", 443), ("10.0.0.8", 443)]:
            try:
                socket.create_connection(target, timeout=1)
            except ConnectionRefusedError as exc:
                print("refused:", exc)
        print(refused)
        """
    )
    assert output.splitlines() == [
        "refused: make invoke reaches this machine only, not wisdom.us-east-1.amazonaws.com",
        "refused: make invoke reaches this machine only, not 10.0.0.8",
        "['wisdom.us-east-1.amazonaws.com', '10.0.0.8']",
    ]


def test_this_machine_stays_reachable() -> None:
    output = run_guarded(
        """
        server = socket.create_server(("127.0.0.1", 0))
        port = server.getsockname()[1]
        socket.create_connection(("localhost", port), timeout=5).close()
        print("connected", refused)
        """
    )
    assert output == "connected []"


def test_an_sdk_client_pointed_at_aws_fails_before_anything_leaves() -> None:
    output = run_guarded(
        """
        from botocore.config import Config
        from botocore.session import Session
        client = Session().create_client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="k",
            aws_secret_access_key="s", config=Config(retries={"total_max_attempts": 1}),
        )
        try:
            client.list_tables()
        except Exception as exc:
            print(type(exc).__name__)
        print(refused)
        """
    )
    assert output.splitlines() == [
        "EndpointConnectionError",
        "['dynamodb.us-east-1.amazonaws.com']",
    ]
