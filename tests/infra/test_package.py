"""The packaged app stack of dev and prod: names, IAM, tables, alarms, the zip (SPEC §8).

Each stage is packaged once per session (``packaged`` fixture); these tests read the output.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import schema
from chalicelib.publishing import STREAM_BATCH_SIZE
from infra import publisher_resources
from infra.permissions import (
    ENI_ACTIONS,
    FUNCTIONS,
    MCP_FUNCTIONS,
    STREAM_ACTIONS,
    TABLE_LOGICAL_IDS,
    by_chalice_name,
)
from scripts import check_template
from tests.infra.conftest import Package

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
STAGES = ["dev", "prod"]
ACCOUNT_REF = {"Ref": "AWS::AccountId"}


@pytest.fixture(params=STAGES)
def package(request: pytest.FixtureRequest, packaged: Callable[[str], Package]) -> Package:
    """The package of each stage in turn."""
    stage: str = request.param
    return packaged(stage)


def _statements(policy_document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for statement in policy_document["Statement"]:
        if "Fn::If" in statement:  # conditional statement: [condition, statement, NoValue]
            yield statement["Fn::If"][1]
        else:
            yield statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(resources: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    policies = resources[role_id]["Properties"]["Policies"]
    return [s for p in policies for s in _statements(p["PolicyDocument"])]


def test_package_script_succeeds_and_reports_the_zip_size(package: Package) -> None:
    assert package.returncode == 0, package.output
    assert "deployment package:" in package.output
    print(f"{package.stage}: packaged in {package.seconds:.1f} s")


def test_zip_holds_the_code_and_linux_pydantic_core_without_boto3(package: Package) -> None:
    assert check_template.zip_problems(package.directory / "deployment.zip") == []


def test_no_object_has_two_intrinsics(package: Package) -> None:
    assert list(check_template.mixed_intrinsics(package.template)) == []


def test_cfn_lint_finds_no_error(package: Package) -> None:
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "cfn-lint"), str(package.directory / "sam.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode & 2 == 0, result.stdout


def test_checkov_has_no_unjustified_failure(packaged: Callable[[str], Package]) -> None:
    templates = [str(packaged(stage).directory / "sam.json") for stage in STAGES]
    result = subprocess.run(
        [str(ROOT / "scripts" / "checkov.sh"), *templates, str(ROOT / "infra" / "vpc.yaml")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout


def test_every_function_has_its_spec_name_and_its_own_role(package: Package) -> None:
    resources = package.resources
    roles = set()
    for function in FUNCTIONS:
        properties = resources[function.logical_id]["Properties"]
        assert properties["FunctionName"] == f"{function.base_name}-{package.stage}"
        assert properties["Role"] == {"Fn::GetAtt": [function.role_logical_id, "Arn"]}
        role = resources[function.role_logical_id]["Properties"]
        assert role["RoleName"] == function.role_name(package.stage)
        roles.add(function.role_logical_id)
    assert len(roles) == len(FUNCTIONS)


def test_no_policy_in_the_stack_grants_a_wildcard_action(package: Package) -> None:
    for resource in package.resources.values():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"]["Policies"]:
            for statement in _statements(policy["PolicyDocument"]):
                assert statement["Effect"] == "Allow"
                for action in _as_list(statement["Action"]):
                    assert "*" not in action, action


def test_each_role_grants_exactly_what_its_function_calls(package: Package) -> None:
    resources = package.resources
    for function in FUNCTIONS:
        expected: set[tuple[str, str, str | None]] = {
            (action, grant.table, grant.index)
            for grant in function.grants
            for action in grant.actions
        }
        granted: set[tuple[str, str, str | None]] = set()
        others: set[str] = set()
        streams: set[tuple[str, str]] = set()
        for statement in _role_statements(resources, function.role_logical_id):
            for action in _as_list(statement["Action"]):
                if action in STREAM_ACTIONS:
                    streams.add((action, json.dumps(statement["Resource"])))
                elif not action.startswith("dynamodb:"):
                    others.add(action)
                else:
                    granted.add((action, *_table_of(statement["Resource"])))
        assert granted == expected, function.chalice_name
        allowed = {"logs:CreateLogStream", "logs:PutLogEvents"}
        if function.in_vpc:
            allowed |= set(ENI_ACTIONS)
        if function.connect:
            allowed |= {"connect:DescribeContact", "wisdom:UpdateSessionData"}
        if function.publishes_card_events:
            allowed |= {"events:PutEvents", "sqs:SendMessage"}
        assert others == allowed, function.chalice_name
        stream = json.dumps(publisher_resources.stream_arn())
        expected_streams = {(a, stream) for a in STREAM_ACTIONS}
        assert streams == (expected_streams if function.publishes_card_events else set())


def _table_of(resource: Any) -> tuple[str, str | None]:
    """(logical table, index) of a DynamoDB statement's resource; never ``*``."""
    assert resource != "*"
    by_id = {logical_id: logical for logical, logical_id in TABLE_LOGICAL_IDS.items()}
    if "Fn::GetAtt" in resource:
        return by_id[resource["Fn::GetAtt"][0]], None
    text = resource["Fn::Sub"]
    table_id = text.split(".Arn}", 1)[0].removeprefix("${")
    return by_id[table_id], text.rsplit("/index/", 1)[1]


def test_list_cards_only_reads(package: Package) -> None:
    for statement in _role_statements(package.resources, "McpListCardsRole"):
        for action in _as_list(statement["Action"]):
            if action.startswith("dynamodb:"):
                assert action in {"dynamodb:GetItem", "dynamodb:Query"}


def test_connect_may_invoke_only_from_the_exact_instance(package: Package) -> None:
    permission = package.resources["ConnectInvokePermission"]
    assert permission["Condition"] == "HasConnectInstance"
    properties = permission["Properties"]
    assert properties["Principal"] == "connect.amazonaws.com"
    assert properties["Action"] == "lambda:InvokeFunction"
    assert properties["SourceArn"] == {"Ref": "ConnectInstanceArn"}
    assert properties["SourceAccount"] == ACCOUNT_REF
    assert properties["FunctionName"] == {"Fn::GetAtt": ["ConnectUpdateSessionData", "Arn"]}


def test_gateway_role_invokes_the_five_mcp_tools_and_nothing_else(package: Package) -> None:
    role = package.resources["GatewayRole"]["Properties"]
    assert role["RoleName"] == f"betterbank-gateway-role-{package.stage}"
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock-agentcore.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_REF
    (statement,) = _role_statements(package.resources, "GatewayRole")
    assert statement["Action"] == "lambda:InvokeFunction"
    targets = sorted(r["Fn::GetAtt"][0] for r in statement["Resource"])
    assert targets == sorted(f.logical_id for f in MCP_FUNCTIONS)
    assert len(targets) == 5


def test_tables_match_the_schema_and_are_protected(package: Package) -> None:
    stage = package.stage
    for logical, logical_id in TABLE_LOGICAL_IDS.items():
        table = package.resources[logical_id]
        properties = table["Properties"]
        request = schema.create_table_request(logical, schema.table_name(logical, stage))
        stream = request.pop("StreamSpecification", None)
        for key, value in request.items():
            assert properties[key] == value, (logical, key)
        if stream:  # CloudFormation spells it without StreamEnabled
            assert properties["StreamSpecification"] == {"StreamViewType": stream["StreamViewType"]}
        else:
            assert "StreamSpecification" not in properties
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        ttl = schema.TTL_ATTRIBUTES.get(logical)
        if ttl:
            assert properties["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in properties
        expected_policy = "Retain" if stage == "prod" else "Delete"
        assert table["DeletionPolicy"] == expected_policy
        assert table["UpdateReplacePolicy"] == expected_policy


def test_functions_run_in_the_vpc_against_the_stacks_tables(package: Package) -> None:
    stage = package.stage
    for function in FUNCTIONS:
        properties = package.resources[function.logical_id]["Properties"]
        if not function.in_vpc:
            assert "VpcConfig" not in properties
            assert properties["Timeout"] == 60
            continue
        vpc = properties["VpcConfig"]
        assert vpc["SubnetIds"] == [
            {"Fn::ImportValue": f"betterbank-vpc-{stage}-PrivateSubnet{n}"} for n in (1, 2)
        ]
        assert vpc["SecurityGroupIds"] == [
            {"Fn::ImportValue": f"betterbank-vpc-{stage}-LambdaSecurityGroup"}
        ]
        variables = properties["Environment"]["Variables"]
        for logical, (env, _) in schema.TABLES.items():
            assert variables[env] == {"Ref": TABLE_LOGICAL_IDS[logical]}
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "BetterBank"
        expected_timeout = 7 if function.connect else 30
        assert properties["Timeout"] == expected_timeout


def test_alarms_cover_every_function_and_table(package: Package) -> None:
    resources = package.resources
    for function in FUNCTIONS:
        alarm = resources[f"{function.logical_id}ErrorsAlarm"]["Properties"]
        assert (alarm["MetricName"], alarm["Period"], alarm["Threshold"]) == ("Errors", 300, 5)
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Dimensions"] == [
            {"Name": "FunctionName", "Value": {"Ref": function.logical_id}}
        ]
    for logical_id in TABLE_LOGICAL_IDS.values():
        alarm = resources[f"{logical_id}ThrottleAlarm"]["Properties"]
        names = {
            m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m
        }
        assert names == {"ReadThrottleEvents", "WriteThrottleEvents"}


def test_rest_api_is_throttled_and_every_route_needs_iam_auth(package: Package) -> None:
    api = package.resources["RestAPI"]["Properties"]
    (settings,) = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]
    body = api["DefinitionBody"]
    assert body["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options":  # CORS preflight carries no credentials
                continue
            assert operation.get("security") == [{"sigv4": []}], f"{method.upper()} {path}"


def test_outputs_name_the_api_functions_gateway_role_and_tables(package: Package) -> None:
    outputs = package.template["Outputs"]
    assert "EndpointURL" in outputs
    assert "GatewayRoleArn" in outputs
    for function in FUNCTIONS:
        assert f"{function.logical_id}Arn" in outputs
    for logical_id in TABLE_LOGICAL_IDS.values():
        assert f"{logical_id}Name" in outputs


def test_publisher_reads_the_events_stream_with_partial_batch_failures(package: Package) -> None:
    function = package.resources["PublishCardEvents"]["Properties"]
    assert function["FunctionName"] == f"betterbank-card-events-publisher-{package.stage}"
    assert function["Handler"] == "app.publish_card_events"
    variables = function["Environment"]["Variables"]
    assert variables["CARD_EVENTS_BUS"] == {"Ref": "CardEventsBus"}
    assert variables["CARD_EVENTS_FAILURE_QUEUE_URL"] == {"Ref": "CardEventsPublisherFailures"}
    (source,) = function["Events"].values()
    assert source["Type"] == "DynamoDB"
    mapping = source["Properties"]
    assert mapping["Stream"] == {"Fn::GetAtt": ["CardEventsTable", "StreamArn"]}
    assert mapping["BatchSize"] == STREAM_BATCH_SIZE
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == publisher_resources.MAXIMUM_RETRY_ATTEMPTS
    assert mapping["MaximumRecordAgeInSeconds"] == publisher_resources.MAXIMUM_RECORD_AGE_SECONDS
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["ParallelizationFactor"] == 1
    assert mapping["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["CardEventsPublisherFailures", "Arn"]}}
    }
    (only,) = mapping["FilterCriteria"]["Filters"]
    assert json.loads(only["Pattern"]) == {"eventName": ["INSERT"]}
    table = package.resources["CardEventsTable"]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert "arn:aws:dynamodb:us-east-1:000000000000" not in json.dumps(package.template)


def test_publisher_bus_failure_queue_and_alarms(package: Package) -> None:
    resources = package.resources
    stage = package.stage
    bus = resources["CardEventsBus"]
    assert (bus["Type"], bus["Properties"]["Name"]) == (
        "AWS::Events::EventBus",
        f"betterbank-cards-{stage}",
    )
    queue = resources["CardEventsPublisherFailures"]["Properties"]
    assert queue["QueueName"] == f"betterbank-card-events-publisher-{stage}-failures"
    assert queue["SqsManagedSseEnabled"] is True
    failures = resources["CardEventsPublisherFailuresAlarm"]["Properties"]
    assert (failures["Namespace"], failures["MetricName"], failures["Threshold"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        0,
    )
    age = resources["PublishCardEventsIteratorAgeAlarm"]["Properties"]
    assert (age["MetricName"], age["Statistic"]) == ("IteratorAge", "Maximum")
    assert age["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "PublishCardEvents"}}]
    for alarm in (failures, age):
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert "AlarmActions" in alarm
    assert "CardEventsBusArn" in package.template["Outputs"]


def test_publisher_role_names_this_bus_stream_and_queue_only(package: Package) -> None:
    publisher = by_chalice_name("publish_card_events")
    statements = _role_statements(package.resources, publisher.role_logical_id)
    resources = {
        action: statement["Resource"]
        for statement in statements
        for action in _as_list(statement["Action"])
    }
    assert resources["events:PutEvents"] == {"Fn::GetAtt": ["CardEventsBus", "Arn"]}
    assert resources["sqs:SendMessage"] == {"Fn::GetAtt": ["CardEventsPublisherFailures", "Arn"]}
    assert "*" not in json.dumps([s["Resource"] for s in statements])
