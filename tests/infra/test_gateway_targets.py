"""AgentCore Gateway: the exported tool schemas and the register script, checked against the
real ``bedrock-agentcore-control`` service model (botocore validation and ``Stubber``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from mcp_handlers.schema_export import export, gateway_tool
from mcp_handlers.tool_names import TOOL_NAMES, target_name
from mcp_handlers.tools import TOOLS
from scripts import register_gateway_targets as register
from scripts.gateway_targets import target_requests

ALLOWED_KEYS = {"type", "properties", "required", "items", "description"}
#: One Lambda target per tool, named after it.
TARGETS = [target_name(tool) for tool in TOOL_NAMES]


def client() -> Any:
    return boto3.client("bedrock-agentcore-control", region_name="us-east-1")


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [node]
    for child in node.get("properties", {}).values():
        nodes += walk(child)
    if "items" in node:
        nodes += walk(node["items"])
    return nodes


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_exported_schemas_use_only_the_gateway_subset(tool: Any) -> None:
    entry = gateway_tool(tool)
    for schema in (entry["inputSchema"], entry["outputSchema"]):
        assert schema["type"] == "object"
        for node in walk(schema):
            assert set(node) <= ALLOWED_KEYS, set(node) - ALLOWED_KEYS


def test_enums_and_patterns_are_folded_into_descriptions() -> None:
    lock = gateway_tool(TOOLS[0])["inputSchema"]["properties"]
    assert "One of: customer_request, misplaced, suspected_fraud." in lock["reason"]["description"]
    assert 'Default: "customer_request".' in lock["reason"]["description"]
    assert "^CARD[0-9A-Z]{3,32}$" in lock["card_id"]["description"]
    assert lock["idempotency_key"]["type"] == "string"  # Optional[str] collapsed to its type


def test_every_create_request_passes_botocore_validation() -> None:
    model = client().meta.service_model.operation_model("CreateGatewayTarget").input_shape
    requests = target_requests("gw-abc123", "dev", "us-east-1", "123456789012")
    assert [r["name"] for r in requests] == TARGETS
    for request in requests:
        report = ParamValidator().validate(request, model)
        assert not report.has_errors(), report.generate_report()
        assert request["credentialProviderConfigurations"] == [
            {"credentialProviderType": "GATEWAY_IAM_ROLE"}
        ]
        target = request["targetConfiguration"]["mcp"]["lambda"]
        assert target["lambdaArn"].endswith(f":function:betterbank-mcp-{request['name']}-dev")
        (tool,) = target["toolSchema"]["inlinePayload"]
        assert target_name(tool["name"]) == request["name"]
        assert len(f"{request['name']}___{tool['name']}") <= 64  # Bedrock Converse's limit


def test_an_enum_in_a_schema_is_refused_by_botocore_so_the_export_matters() -> None:
    model = client().meta.service_model.operation_model("CreateGatewayTarget").input_shape
    request = target_requests("gw-abc123", "dev", "us-east-1", "123456789012")[0]
    tool = request["targetConfiguration"]["mcp"]["lambda"]["toolSchema"]["inlinePayload"][0]
    tool["inputSchema"]["properties"]["reason"]["enum"] = ["misplaced"]
    assert ParamValidator().validate(request, model).has_errors()


def test_register_creates_missing_and_updates_existing_targets() -> None:
    gateway = client()
    requests = target_requests("gw-abc123", "dev", "us-east-1", "123456789012")
    with Stubber(gateway) as stub:
        stub.add_response(
            "list_gateway_targets",
            {
                "items": [
                    {
                        "targetId": "TGT0000001",
                        "name": "lock-card",
                        "status": "READY",
                        "createdAt": "2026-01-01T00:00:00Z",
                        "updatedAt": "2026-01-01T00:00:00Z",
                    }
                ],
                "nextToken": "page2",
            },
            {"gatewayIdentifier": "gw-abc123"},
        )
        stub.add_response(
            "list_gateway_targets",
            {"items": []},
            {"gatewayIdentifier": "gw-abc123", "nextToken": "page2"},
        )
        for request in requests:
            done = {
                "gatewayArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-abc123",
                "targetId": "TGT0000001",
                "createdAt": "2026-01-01T00:00:00Z",
                "updatedAt": "2026-01-01T00:00:00Z",
                "status": "CREATING",
                "name": request["name"],
                "targetConfiguration": request["targetConfiguration"],
                "credentialProviderConfigurations": request["credentialProviderConfigurations"],
            }
            if request["name"] == "lock-card":
                stub.add_response(
                    "update_gateway_target", done, {"targetId": "TGT0000001", **request}
                )
            else:
                stub.add_response("create_gateway_target", done, request)
        lines = register.register(gateway, requests)
        stub.assert_no_pending_responses()
    assert lines[0] == "updated lock-card (TGT0000001)"
    assert lines[1:] == [f"created {r['name']}" for r in requests[1:]]


def test_register_reports_a_missing_gateway_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = client()
    stub = Stubber(gateway)
    stub.add_client_error("list_gateway_targets", "ResourceNotFoundException", "no gateway")
    stub.activate()
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: gateway)
    code = register.main(
        [
            "--gateway-id",
            "gw-missing",
            "--stage",
            "dev",
            "--account",
            "123456789012",
            "--region",
            "us-east-1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == "error: gateway not found: check --gateway-id and --region"


def test_dry_run_prints_requests_and_calls_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        register.main(
            ["--gateway-id", "gw-abc123", "--stage", "prod", "--dry-run", "--region", "eu-west-1"]
        )
        == 0
    )
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert [request["name"] for request in printed] == TARGETS
    assert "eu-west-1" in printed[0]["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"]
    assert captured.err == (
        "dry run: the Lambda ARNs use a placeholder account 123456789012; "
        "pass --account for the real one\n"
    )


def test_dry_run_says_which_arn_parts_are_placeholders(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no region anywhere and no account: the dry run still works, offline
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    argv = ["--gateway-id", "gw-test", "--stage", "dev", "--dry-run"]

    assert register.main(argv) == 0
    captured = capsys.readouterr()

    # THEN the ARNs carry both placeholders, and stderr says so in one line
    arn = json.loads(captured.out)[0]["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"]
    assert arn == "arn:aws:lambda:us-east-1:123456789012:function:betterbank-mcp-lock-card-dev"
    assert captured.err == (
        "dry run: the Lambda ARNs use a placeholder account 123456789012 and region us-east-1; "
        "pass --account and --region (or set AWS_DEFAULT_REGION) for the real ones\n"
    )

    # WHEN both are given, nothing is a placeholder and stderr stays empty
    assert register.main([*argv, "--account", "111122223333", "--region", "eu-west-1"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert ":eu-west-1:111122223333:" in captured.out


def test_schema_export_command_writes_one_file_per_target(tmp_path: Path) -> None:
    paths = export(tmp_path)
    assert [p.name for p in paths] == [f"{target}.json" for target in TARGETS]
    assert json.loads(paths[0].read_text())[0]["name"] == "lock_card"


def run_against_error(monkeypatch: pytest.MonkeyPatch, code: str, message: str) -> int:
    """Run the script with its AWS client answering ``code`` (botocore's Stubber, real model)."""
    gateway = client()
    stub = Stubber(gateway)
    stub.add_client_error("list_gateway_targets", code, message)
    stub.activate()
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, *a, **k: gateway)
    argv = ["--gateway-id", "gw-abc123", "--stage", "dev", "--account", "123456789012"]
    return register.main([*argv, "--region", "us-east-1"])


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized", "access denied"),
        (
            "ValidationException",
            "1 validation error detected:\n Value at 'name' failed",
            "the service rejected a target definition: 1 validation error detected: Value at",
        ),
        ("ThrottlingException", "slow down", "throttled"),
    ],
)
def test_aws_errors_are_one_line_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    message: str,
    expected: str,
) -> None:
    status = run_against_error(monkeypatch, code, message)
    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {expected}")
    assert "Traceback" not in err


def test_a_missing_region_is_reported_before_any_call(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    status = register.main(["--gateway-id", "gw-abc123", "--stage", "dev", "--account", "1"])
    assert status == 1
    assert capsys.readouterr().err == "error: no region: pass --region or set AWS_DEFAULT_REGION\n"


def test_arns_follow_the_regions_partition(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--gateway-id", "gw-abc123", "--stage", "dev", "--dry-run", "--region", "cn-north-1"]
    assert register.main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    arn = printed[0]["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"]
    assert arn == "arn:aws-cn:lambda:cn-north-1:123456789012:function:betterbank-mcp-lock-card-dev"
