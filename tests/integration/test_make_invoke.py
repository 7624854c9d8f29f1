"""``make invoke``: a Lambda handler run in process on the local stack, never reaching AWS.

The documented examples and their outputs are checked by ``test_docs_local_commands.py``; these
cover what the docs promise beyond them: the Gateway's client context really reaches the tool,
the shell's AWS settings cannot redirect a call, and a non-local endpoint is refused.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from tests.doc_commands import ROOT

CONNECT_EVENT = "tests/events/connect/voice_without_session_arn.json"
HOSTILE_SHELL = {
    "AWS_PROFILE": "production",
    "AWS_SESSION_TOKEN": "token-of-a-real-account",
    "AWS_ENDPOINT_URL_QCONNECT": "https://wisdom.us-east-1.amazonaws.com",
    "AWS_ENDPOINT_URL_CONNECT": "https://connect.us-east-1.amazonaws.com",
}


def run_make(target: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``make -s TARGET ARGS`` in the project, with the shell's environment plus ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    environ.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "-s", target, *args],
        cwd=ROOT,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_invoke(ddb_tables: Any, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_make(
        "invoke", *args, **ddb_tables.names, DYNAMODB_ENDPOINT=ddb_tables.endpoint, **env
    )


def test_the_gateway_client_context_reaches_the_tool(ddb_tables: Any) -> None:
    # WHEN the lock tool runs as the gateway invokes it, then as a plain invoke would
    gateway = make_invoke(
        ddb_tables, "FUNCTION=mcp_lock_card", "EVENT=tests/events/mcp/gateway_lock_card.json"
    )
    plain = make_invoke(
        ddb_tables,
        "FUNCTION=mcp_unlock_card",
        "CLIENT_CONTEXT=none",
        "EVENT=tests/events/mcp/gateway_unlock_card.json",
    )
    # THEN the first is recorded with the gateway and target ids of its client context, the
    # second with the plain MCP actor
    assert gateway.returncode == 0, gateway.stderr
    assert '"changed":true' in gateway.stdout
    assert plain.returncode == 0, plain.stderr
    assert ddb_tables.events("CARD001")[-1]["actor"]["S"] == "agentcore:local-gateway/local-target"
    assert ddb_tables.events("CARD004")[-1]["actor"]["S"] == "mcp"


def test_the_shells_aws_settings_cannot_send_a_call_to_aws(ddb_tables: Any) -> None:
    function = "FUNCTION=connect_update_session_data"
    result = make_invoke(ddb_tables, function, f"EVENT={CONNECT_EVENT}", **HOSTILE_SHELL)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("stand-in for Amazon Connect: DescribeContact")
    assert lines[1].startswith("stand-in for Amazon Q in Connect: UpdateSessionData")
    assert "refused" not in result.stdout
    assert lines[2].startswith('{"status":"OK","customerFound":"true","customerId":"CUST002"')


def test_a_non_local_endpoint_is_refused_and_the_function_still_answers(ddb_tables: Any) -> None:
    result = make_invoke(
        ddb_tables,
        "FUNCTION=connect_update_session_data",
        f"EVENT={CONNECT_EVENT}",
        "DYNAMODB_ENDPOINT=https://dynamodb.us-east-1.amazonaws.com",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "refused: a connection to dynamodb.us-east-1.amazonaws.com "
        "(make invoke reaches this machine only)"
    ) in result.stdout
    assert result.stdout.splitlines()[-1].startswith('{"status":"ERROR"')


def test_an_unknown_function_or_a_missing_event_is_a_usage_error(ddb_tables: Any) -> None:
    unknown = make_invoke(ddb_tables, "FUNCTION=mcp_delete_card", f"EVENT={CONNECT_EVENT}")
    assert unknown.returncode != 0
    assert "invalid choice: 'mcp_delete_card'" in unknown.stderr
    missing = make_invoke(ddb_tables, "FUNCTION=mcp_lock_card", "EVENT=tests/events/nothing.json")
    assert missing.returncode != 0
    assert "cannot read the event tests/events/nothing.json" in missing.stderr


def test_the_stream_publisher_runs_on_the_sample_batch(ddb_tables: Any) -> None:
    # WHEN the publisher is invoked with the sample stream batch (an INSERT, a MODIFY, a REMOVE)
    result = make_invoke(
        ddb_tables,
        "FUNCTION=publish_card_events",
        "EVENT=tests/events/stream/card_events_batch.json",
    )
    # THEN its one event goes to the EventBridge stand-in and the whole batch is acknowledged
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "stand-in for Amazon EventBridge: PutEvents Card Locked CARD001:2 on betterbank-cards",
        '{"batchItemFailures":[]}',
    ]


def test_a_shell_profile_that_does_not_exist_cannot_break_the_local_targets(
    dynamodb_endpoint: str,
) -> None:
    # GIVEN a shell whose AWS_PROFILE names a profile this machine does not have
    # WHEN the local tables are made, as make dev makes them
    result = run_make("tables", AWS_PROFILE="production", DYNAMODB_ENDPOINT=dynamodb_endpoint)
    # THEN they are: DynamoDB Local is signed with the local key, no profile is read
    assert result.returncode == 0, result.stderr
    assert "profile" not in result.stdout + result.stderr
