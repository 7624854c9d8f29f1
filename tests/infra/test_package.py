"""The packaged app stack of dev and prod: names, IAM, tables, alarms, the zip and its bytecode.

Each stage is packaged once per session (``packaged`` fixture); these tests read the output.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.lambda_task import LambdaTask
from chalicelib.publishing import STREAM_BATCH_SIZE
from chalicelib.store import tables
from infra import publisher_resources
from infra.permissions import (
    ENI_ACTIONS,
    FUNCTIONS,
    MCP_FUNCTIONS,
    STREAM_ACTIONS,
    TABLE_LOGICAL_IDS,
    by_chalice_name,
)
from mcp_handlers.tool_names import TOOL_ACCESS, TOOL_NAMES
from scripts import check_template
from tests.dynamodb_local_fixture import DynamoDBTables
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


def test_read_only_tools_only_read(package: Package) -> None:
    readers = [f for f in MCP_FUNCTIONS if TOOL_ACCESS[str(f.mcp_tool)] != "write"]
    assert readers  # list_cards at least
    for function in readers:
        for statement in _role_statements(package.resources, function.role_logical_id):
            for action in _as_list(statement["Action"]):
                if action.startswith("dynamodb:"):
                    assert action in {"dynamodb:GetItem", "dynamodb:Query"}, function.chalice_name


def test_connect_may_invoke_only_from_the_exact_instance(package: Package) -> None:
    permission = package.resources["ConnectInvokePermission"]
    assert permission["Condition"] == "HasConnectInstance"
    properties = permission["Properties"]
    assert properties["Principal"] == "connect.amazonaws.com"
    assert properties["Action"] == "lambda:InvokeFunction"
    assert properties["SourceArn"] == {"Ref": "ConnectInstanceArn"}
    assert properties["SourceAccount"] == ACCOUNT_REF
    assert properties["FunctionName"] == {"Fn::GetAtt": ["ConnectUpdateSessionData", "Arn"]}


def test_gateway_role_invokes_the_mcp_tools_or_post_mcp_and_nothing_else(
    package: Package,
) -> None:
    role = package.resources["GatewayRole"]["Properties"]
    assert role["RoleName"] == f"betterbank-gateway-role-{package.stage}"
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock-agentcore.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_REF
    invoke, call = _role_statements(package.resources, "GatewayRole")
    assert invoke["Action"] == "lambda:InvokeFunction"
    targets = sorted(r["Fn::GetAtt"][0] for r in invoke["Resource"])
    assert targets == sorted(f.logical_id for f in MCP_FUNCTIONS)
    assert len(targets) == len(TOOL_NAMES)
    # the MCP server target: exactly POST /mcp of this stack's own API, any stage of it
    assert call["Action"] == "execute-api:Invoke"
    assert call["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}"
        ":${RestAPI}/*/POST/mcp"
    }


def test_tables_match_the_schema_and_are_protected(package: Package) -> None:
    stage = package.stage
    for logical, logical_id in TABLE_LOGICAL_IDS.items():
        table = package.resources[logical_id]
        properties = table["Properties"]
        request = tables.create_table_request(logical, tables.table_name(logical, stage))
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
        ttl = tables.TTL_ATTRIBUTES.get(logical)
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
        condition, existing, vpc = properties["VpcConfig"]["Fn::If"]
        assert condition == "UsesExistingVpc"
        assert existing == {
            "SubnetIds": {"Fn::Split": [",", {"Ref": "PrivateSubnetIds"}]},
            "SecurityGroupIds": [{"Ref": "LambdaSecurityGroupId"}],
        }
        assert vpc["SubnetIds"] == [
            {"Fn::ImportValue": f"betterbank-vpc-{stage}-PrivateSubnet{n}"} for n in (1, 2)
        ]
        assert vpc["SecurityGroupIds"] == [
            {"Fn::ImportValue": f"betterbank-vpc-{stage}-LambdaSecurityGroup"}
        ]
        variables = properties["Environment"]["Variables"]
        for logical, (env, _) in tables.TABLES.items():
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


# -- Bytecode: Lambda's /var/task is read-only, so the package must ship its pycs ------------

#: A lock through the REST handler, as API Gateway sends it, run by the packaged code.
LOCK_IN_THE_PACKAGE = """
import json, sys
import app
body = json.dumps({"customer_id": "CUST001", "card_id": "CARD001"})
event = {"resource": "/v1/cards/lock", "path": "/v1/cards/lock", "httpMethod": "POST",
         "headers": {"Content-Type": "application/json"},
         "multiValueHeaders": {"Content-Type": ["application/json"]},
         "queryStringParameters": None, "multiValueQueryStringParameters": None,
         "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/v1/cards/lock", "httpMethod": "POST",
                            "requestId": "package-test"}, "body": body}
response = app.app(event, None)
outside = sorted(m.__file__ for m in list(sys.modules.values())
                 if getattr(m, "__file__", None) and m.__name__.split(".")[0]
                 in ("app", "chalicelib", "pydantic", "aws_lambda_powertools")
                 and not m.__file__.startswith(sys.argv[1]))
# What the REST handler must not load: the other channels (of MCP, all but the tool names
# app.py registers their Lambdas by), the OpenAPI document.
names = {"mcp_handlers", "mcp_handlers.tool_names"}
foreign = sorted(m for m in sys.modules if m.split(".")[0] == "mcp_handlers" and m not in names
                 or m.startswith(("chalicelib.connect", "chalicelib.rest.openapi")))
sys.__stdout__.write(json.dumps({"response": response, "outside": outside,
                                 "foreign": foreign}) + "\\n")
"""


def test_every_source_in_the_zip_has_unchecked_hash_bytecode_for_the_runtime(
    package: Package,
) -> None:
    with zipfile.ZipFile(package.directory / "deployment.zip") as archive:
        names = set(archive.namelist())
        sources = sorted(n for n in names if n.endswith(".py"))
        assert len(sources) > 100  # pydantic, Powertools, Chalice's runtime and ours
        for source in sources:
            pyc = Path(importlib.util.cache_from_source(source)).as_posix()
            assert pyc in names, f"{source} has no {pyc}"
            header = archive.read(pyc)[:8]
            assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
            # PEP 552 flags: bit 0 hash-based, bit 1 check the source: 0b01 = unchecked hash.
            assert int.from_bytes(header[4:8], "little") == 0b01, pyc
    assert (
        package.directory.joinpath("deployment.zip").stat().st_size <= check_template.MAX_ZIP_BYTES
    )


def test_the_packaged_code_locks_a_card_from_a_read_only_directory_on_its_bytecode(
    packaged: Callable[[str], Package], ddb_tables: DynamoDBTables, tmp_path: Path
) -> None:
    # GIVEN the dev package unpacked read-only, the SDK beside it as the Lambda runtime has it,
    # and a source the lock imports replaced by one that would fail if it were compiled
    task = LambdaTask.unpack(packaged("dev").directory / "deployment.zip", tmp_path)
    tampered = task.task / "chalicelib" / "service.py"
    tampered.chmod(0o644)
    tampered.write_text('raise SystemExit("compiled from source: the pyc was not used")\n')
    tampered.chmod(0o444)
    files_before = sorted(p.relative_to(task.task) for p in task.task.rglob("*"))
    env = task.env(
        {
            **os.environ,
            **ddb_tables.names,
            "DYNAMODB_ENDPOINT": ddb_tables.endpoint,
            "POWERTOOLS_SERVICE_NAME": "package-test",
        }
    )
    # WHEN a fresh interpreter imports the app from it and locks a card
    completed = subprocess.run(
        task.command("-c", LOCK_IN_THE_PACKAGE, str(task.task)),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    task.close()
    # THEN the lock is done by the shipped bytecode, all of it loaded from the package, and
    # loads nothing of the other channels
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["response"]["statusCode"] == 200, result["response"]
    assert json.loads(result["response"]["body"])["data"]["changed"] is True
    assert result["outside"] == []
    assert result["foreign"] == []  # nothing of MCP, Connect or the OpenAPI document
    assert ddb_tables.card("CARD001")["status"] == {"S": "locked"}
    assert sorted(p.relative_to(task.task) for p in task.task.rglob("*")) == files_before


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
