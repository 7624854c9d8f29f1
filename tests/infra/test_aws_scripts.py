"""The table, seed and gateway scripts against moto: real calls, real response parsing.

Each script runs as its user runs it (its own process, ``--stage dev``, no endpoint flag); the
SDK finds moto through ``AWS_ENDPOINT_URL``, the way it would find AWS. The other checks of
these scripts (request shapes against the service models, error lines) are in
test_gateway_targets.py and the DynamoDB Local tests.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.store.tables import TTL_ATTRIBUTES, table_name, table_names
from mcp_handlers.tool_names import TOOL_NAMES, target_name
from tests.infra.moto_aws import ROOT, MotoServer, cli_environment

REGION = "eu-west-1"
DEV_TABLES = sorted(table_names("dev").values())
LAMBDA_TARGETS = sorted(target_name(tool) for tool in TOOL_NAMES)
MCP_URL = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/api/mcp"
Script = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def script(moto: MotoServer, tmp_path: Path) -> Script:
    """``script("create_tables.py", "--stage", "dev", stdin="")`` against the emptied moto."""

    def run(name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = cli_environment(moto, Path(sys.executable).parent, tmp_path, REGION)
        return subprocess.run(
            [sys.executable, "-m", f"scripts.{name.removesuffix('.py')}", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def _tables(moto: MotoServer) -> list[str]:
    return sorted(moto.client("dynamodb", REGION).list_tables()["TableNames"])


def _targets(moto: MotoServer, gateway_id: str) -> dict[str, dict[str, Any]]:
    control = moto.client("bedrock-agentcore-control", REGION)
    items = control.list_gateway_targets(gatewayIdentifier=gateway_id)["items"]
    return {
        item["name"]: control.get_gateway_target(
            gatewayIdentifier=gateway_id, targetId=item["targetId"]
        )
        for item in items
    }


def _gateway(moto: MotoServer) -> str:
    gateway = moto.client("bedrock-agentcore-control", REGION).create_gateway(
        name="betterbank-dev",
        roleArn="arn:aws:iam::123456789012:role/betterbank-gateway-role-dev",
        protocolType="MCP",
        authorizerType="AWS_IAM",
    )
    return str(gateway["gatewayId"])


def test_create_tables_creates_the_stages_tables_once(script: Script, moto: MotoServer) -> None:
    first = script("create_tables.py", "--stage", "dev")
    assert first.returncode == 0, first.stderr
    *tables, stream = first.stdout.splitlines()
    assert sorted(line.split(": ")[1] for line in tables) == DEV_TABLES
    assert all(line.startswith("created: ") for line in tables)
    events = moto.client("dynamodb", REGION).describe_table(
        TableName=table_name("card_events", "dev")
    )
    assert stream == f"stream: {events['Table']['LatestStreamArn']}"
    assert _tables(moto) == DEV_TABLES
    dynamodb = moto.client("dynamodb", REGION)
    for logical, attribute in TTL_ATTRIBUTES.items():
        ttl = dynamodb.describe_time_to_live(TableName=table_name(logical, "dev"))
        assert ttl["TimeToLiveDescription"]["AttributeName"] == attribute
    rerun = script("create_tables.py", "--stage", "dev")
    assert rerun.returncode == 0, rerun.stderr
    *tables, stream = rerun.stdout.splitlines()
    assert all(line.startswith("exists: ") for line in tables)
    assert stream.startswith("stream: arn:aws:dynamodb:")


def test_seed_data_aws_seeds_the_demo_customers_repeatably(
    script: Script, moto: MotoServer
) -> None:
    assert script("create_tables.py", "--stage", "dev").returncode == 0
    dynamodb = moto.client("dynamodb", REGION)

    def contents() -> dict[str, list[str]]:
        found = {}
        for logical, key in (("customers", "customer_id"), ("cards", "card_id")):
            items = dynamodb.scan(TableName=table_name(logical, "dev"))["Items"]
            found[logical] = sorted(item[key]["S"] for item in items)
        return found

    for _ in range(2):  # twice: the same data
        seeded = script("seed_data_aws.py", "--stage", "dev")
        assert seeded.returncode == 0, seeded.stderr
        assert contents() == {
            "customers": ["CUST001", "CUST002", "CUST003"],
            "cards": ["CARD001", "CARD002", "CARD003", "CARD004", "CARD005"],
        }


def test_delete_tables_asks_first_and_deletes_with_yes(script: Script, moto: MotoServer) -> None:
    assert script("create_tables.py", "--stage", "dev").returncode == 0
    refused = script("delete_tables.py", "--stage", "dev", stdin="no\n")
    assert refused.returncode == 1
    assert "Type 'yes' to delete" in refused.stdout
    assert _tables(moto) == DEV_TABLES
    no_terminal = script("delete_tables.py", "--stage", "dev")  # stdin at EOF: counts as no
    assert no_terminal.returncode == 1
    assert _tables(moto) == DEV_TABLES
    deleted = script("delete_tables.py", "--stage", "dev", "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert _tables(moto) == []
    again = script("delete_tables.py", "--stage", "dev", "--yes")
    assert again.stdout.splitlines() == [f"missing: {name}" for name in table_names("dev").values()]


def test_gateway_lambda_targets_are_created_then_updated(script: Script, moto: MotoServer) -> None:
    gateway_id = _gateway(moto)
    args = ("--gateway-id", gateway_id, "--stage", "dev", "--region", REGION)
    created = script("register_gateway_targets.py", *args)
    assert created.returncode == 0, created.stderr
    assert sorted(created.stdout.split()[1::2]) == LAMBDA_TARGETS
    targets = _targets(moto, gateway_id)
    assert sorted(targets) == LAMBDA_TARGETS
    lock = targets["lock-card"]["targetConfiguration"]["mcp"]["lambda"]
    # the account comes from STS (moto's), the region from --region
    assert lock["lambdaArn"] == (
        "arn:aws:lambda:eu-west-1:123456789012:function:betterbank-mcp-lock-card-dev"
    )
    assert lock["toolSchema"]["inlinePayload"][0]["name"] == "lock_card"
    ids = {name: target["targetId"] for name, target in targets.items()}

    updated = script("register_gateway_targets.py", *args)
    assert updated.returncode == 0, updated.stderr
    assert sorted(updated.stdout.splitlines()) == sorted(
        f"updated {name} ({ids[name]})" for name in LAMBDA_TARGETS
    )
    assert {n: t["targetId"] for n, t in _targets(moto, gateway_id).items()} == ids


def test_the_mcp_server_target_is_one_signed_target_for_post_mcp(
    script: Script, moto: MotoServer
) -> None:
    gateway_id = _gateway(moto)
    args = ("--gateway-id", gateway_id, "--stage", "dev", "--region", REGION)
    assert script("register_gateway_targets.py", *args).returncode == 0  # the Lambda targets
    run = script("register_gateway_targets.py", *args, "--mcp-endpoint", MCP_URL)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "created card-operations\n"
    # every tool twice: the Lambda targets are named
    assert f"also has the target(s) {', '.join(LAMBDA_TARGETS)}: " in run.stderr
    target = _targets(moto, gateway_id)["card-operations"]
    assert target["targetConfiguration"] == {"mcp": {"mcpServer": {"endpoint": MCP_URL}}}
    assert target["credentialProviderConfigurations"] == [
        {
            "credentialProviderType": "GATEWAY_IAM_ROLE",
            "credentialProvider": {
                "iamCredentialProvider": {"service": "execute-api", "region": REGION}
            },
        }
    ]
    rerun = script("register_gateway_targets.py", *args, "--mcp-endpoint", MCP_URL)
    assert rerun.stdout.startswith("updated card-operations (")


def test_an_mcp_endpoint_that_is_not_https_post_mcp_is_refused(
    script: Script, moto: MotoServer
) -> None:
    gateway_id = _gateway(moto)
    args = ("--gateway-id", gateway_id, "--stage", "dev", "--region", REGION)
    run = script("register_gateway_targets.py", *args, "--mcp-endpoint", "http://x/api/mcp")
    assert run.returncode == 2
    assert run.stderr.startswith("error: --mcp-endpoint must be the https URL of POST /mcp")
    assert _targets(moto, gateway_id) == {}


@pytest.mark.parametrize(
    ("subnets", "group", "expected"),
    [
        ("subnet-0a1, subnet-0b2", "sg-0c3", "give two or more subnet ids, comma-separated"),
        ("subnet-0a1", "sg-0c3", "give two or more subnet ids"),
        ("subnet-0a1,subnet-0b2", "0c3", "is not a security group id"),
    ],
)
def test_check_vpc_refuses_malformed_ids_before_any_call(
    subnets: str, group: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from scripts import check_vpc

    argv = ["--subnet-ids", subnets, "--security-group-id", group, "--region", REGION]
    assert check_vpc.main(argv) == 1
    assert expected in capsys.readouterr().err
