"""The stacks' contract, checked on what CloudFormation itself would build, for dev and prod.

moto ignores the SAM transform, has no ``Fn::Cidr`` and gives change-set stacks no exports, so
the properties it cannot show are checked here on the real artifacts instead: the template
``aws cloudformation package`` (the real CLI v1, uploading to moto's S3) writes, and the plain
CloudFormation AWS's own ``aws-sam-translator`` makes of it (``scripts/sam_translate.py``, in
its own venv). Checked: every ``Fn::ImportValue`` is an export of ``infra/vpc.yaml`` for the same
stage; every ``Ref``, ``GetAtt``, ``Sub`` variable, condition and ``DependsOn`` resolves;
CloudFormation's limits, and the size that makes ``--s3-bucket`` necessary; the Connect
permission, the gateway role, the VPC choice and the alarms come through the transform.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import cfn_yaml

from infra.permissions import FUNCTIONS, MCP_FUNCTIONS, TABLE_LOGICAL_IDS
from tests.infra.conftest import Package
from tests.infra.moto_aws import ROOT, MotoServer, cli_environment, tool_venv

pytestmark = pytest.mark.slow
STAGES = ["dev", "prod"]
REGION = "eu-west-1"
BUCKET = "betterbank-contract-artifacts"
INLINE_TEMPLATE_LIMIT = 51_200  # TemplateBody; larger templates must come from S3
S3_TEMPLATE_LIMIT = 1_000_000  # TemplateURL (CloudFormation quotas: 1 MB)
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
PSEUDO = re.compile(
    r"^AWS::(AccountId|NotificationARNs|NoValue|Partition|Region|StackId|StackName|URLSuffix)$"
)
SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


@dataclass(frozen=True)
class Stack:
    """One stage's app stack: the packaged template (as deployed) and its transform."""

    stage: str
    packaged_bytes: int
    transformed: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        """``Resources`` after the transform."""
        resources: dict[str, Any] = self.transformed["Resources"]
        return resources


def _package_and_transform(package: Package, moto: MotoServer, aws_bin: Path, work: Path) -> Stack:
    env = cli_environment(moto, aws_bin, work, REGION) | {"AWS_DEFAULT_REGION": REGION}
    packaged = work / "packaged.yaml"
    command = [
        "aws", "cloudformation", "package", "--template-file", str(package.directory / "sam.json"),
        "--s3-bucket", BUCKET, "--s3-prefix", f"betterbank-card-operations/{package.stage}",
        "--output-template-file", str(packaged),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    as_json = work / "packaged.json"
    as_json.write_text(json.dumps(yaml.safe_load(packaged.read_text())))
    transformed = work / "transformed.json"
    python = tool_venv("sam-translator") / "bin" / "python"
    result = subprocess.run(
        [str(python), str(ROOT / "scripts" / "sam_translate.py"), str(as_json), str(transformed)],
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": REGION},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return Stack(package.stage, packaged.stat().st_size, json.loads(transformed.read_text()))


@pytest.fixture(scope="session")
def stacks(
    packaged: Callable[[str], Package],
    moto_server: MotoServer,
    aws_cli_bin: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Stack]:
    """``stacks("dev")``: packaged and transformed once per session."""
    cache: dict[str, Stack] = {}

    def get(stage: str) -> Stack:
        if stage not in cache:
            s3 = moto_server.client("s3", REGION)
            if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
                s3.create_bucket(
                    Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
                )
            work = tmp_path_factory.mktemp(f"contract-{stage}")
            cache[stage] = _package_and_transform(packaged(stage), moto_server, aws_cli_bin, work)
        return cache[stage]

    return get


@pytest.fixture(params=STAGES)
def stack(request: pytest.FixtureRequest, stacks: Callable[[str], Stack]) -> Stack:
    """Each stage's stack in turn."""
    stage: str = request.param
    return stacks(stage)


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _sub_variables(node: dict[str, Any]) -> list[str]:
    value = node["Fn::Sub"]
    text, local = (value, {}) if isinstance(value, str) else (value[0], value[1])
    return [name for name in SUB_VARIABLE.findall(text) if name not in local]


def _references(template: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(kind, name, what it must name)`` of every reference: resource, name, condition."""
    for node in _nodes(template):
        if isinstance(node.get("Ref"), str):
            yield "Ref", node["Ref"], "name"
        if "Fn::GetAtt" in node:
            target = node["Fn::GetAtt"]
            name = target[0] if isinstance(target, list) else target.split(".")[0]
            yield "GetAtt", name, "resource"
        if "Fn::Sub" in node:
            for variable in _sub_variables(node):
                yield "Sub", variable.split(".")[0], "resource" if "." in variable else "name"
        if "Fn::If" in node:
            yield "condition", node["Fn::If"][0], "condition"
    for logical_id, resource in template["Resources"].items():
        if "Condition" in resource:
            yield f"{logical_id} condition", resource["Condition"], "condition"
        depends = resource.get("DependsOn", [])
        for name in [depends] if isinstance(depends, str) else depends:
            yield f"{logical_id} DependsOn", name, "resource"


def unresolved(template: dict[str, Any]) -> list[str]:
    """Every reference in ``template`` that names nothing in it."""
    resources = set(template["Resources"])
    pools = {
        "resource": resources,
        "name": resources | set(template.get("Parameters", {})),
        "condition": set(template.get("Conditions", {})),
    }
    return [
        f"{kind} {name}"
        for kind, name, pool in _references(template)
        if name not in pools[pool] and not PSEUDO.match(name)
    ]


def vpc_exports(stage: str) -> set[str]:
    """The export names ``infra/vpc.yaml`` gives a stage."""
    template = cfn_yaml.load(str(ROOT / "infra" / "vpc.yaml"))
    names = set()
    for output in template["Outputs"].values():
        name = output["Export"]["Name"]
        names.add(name["Fn::Sub"].replace("${Stage}", stage) if isinstance(name, dict) else name)
    return names


def test_every_import_is_an_export_of_the_vpc_stack_of_the_same_stage(stack: Stack) -> None:
    imports = {n["Fn::ImportValue"] for n in _nodes(stack.transformed) if "Fn::ImportValue" in n}
    assert imports == {
        f"betterbank-vpc-{stack.stage}-{name}"
        for name in ("PrivateSubnet1", "PrivateSubnet2", "LambdaSecurityGroup")
    }
    assert imports <= vpc_exports(stack.stage)


def test_every_reference_resolves(stack: Stack) -> None:
    assert unresolved(stack.transformed) == []


def test_the_reference_check_can_fail() -> None:
    broken = {
        "Parameters": {"P": {}},
        "Conditions": {"C": {}},
        "Resources": {
            "A": {
                "Condition": "Missing",
                "DependsOn": "Nowhere",
                "Properties": {"X": {"Ref": "P"}},
            },
            "B": {
                "Properties": {"Y": {"Fn::GetAtt": ["Gone", "Arn"]}, "Z": {"Ref": "AWS::Region"}}
            },
            "D": {"Properties": {"S": {"Fn::Sub": "${A.Arn}/${Lost}/${!Lit}/${AWS::AccountId}"}}},
            "E": {"Properties": {"I": {"Fn::If": ["NoSuch", 1, 2]}}},
        },
    }
    assert sorted(unresolved(broken)) == sorted(
        [
            "A condition Missing",
            "A DependsOn Nowhere",
            "GetAtt Gone",
            "Sub Lost",
            "condition NoSuch",
        ]
    )


def test_the_template_is_within_cloudformations_limits(stack: Stack) -> None:
    # What `deploy` sends is the packaged template: beyond 51,200 bytes it must go through S3,
    # which is why deploy_stack.sh passes --s3-bucket. This asserts the size rather than
    # assuming it: were it to shrink below the limit, the flag would be merely harmless.
    print(f"{stack.stage}: packaged template {stack.packaged_bytes} bytes")
    assert INLINE_TEMPLATE_LIMIT < stack.packaged_bytes < S3_TEMPLATE_LIMIT
    assert len(json.dumps(stack.transformed)) < S3_TEMPLATE_LIMIT
    assert len(stack.resources) <= MAX_RESOURCES
    assert len(stack.transformed.get("Parameters", {})) <= MAX_PARAMETERS
    assert len(stack.transformed.get("Outputs", {})) <= MAX_OUTPUTS


def test_functions_keep_their_names_roles_and_vpc_choice(stack: Stack) -> None:
    for function in FUNCTIONS:
        resource = stack.resources[function.logical_id]
        assert resource["Type"] == "AWS::Lambda::Function"
        properties = resource["Properties"]
        assert properties["FunctionName"] == function.function_name(stack.stage)
        assert properties["Role"] == {"Fn::GetAtt": [function.role_logical_id, "Arn"]}
        role = stack.resources[function.role_logical_id]
        assert role["Type"] == "AWS::IAM::Role"
        assert role["Properties"]["RoleName"] == function.role_name(stack.stage)
        if not function.in_vpc:  # the stream publisher reads no table: outside the VPC
            assert "VpcConfig" not in properties
            continue
        condition, _, _ = properties["VpcConfig"]["Fn::If"]
        assert condition == "UsesExistingVpc"


def test_the_connect_permission_survives_the_transform(stack: Stack) -> None:
    permission = stack.resources["ConnectInvokePermission"]
    assert permission["Type"] == "AWS::Lambda::Permission"
    assert permission["Condition"] == "HasConnectInstance"
    assert permission["Properties"] == {
        "FunctionName": {"Fn::GetAtt": ["ConnectUpdateSessionData", "Arn"]},
        "Action": "lambda:InvokeFunction",
        "Principal": "connect.amazonaws.com",
        "SourceArn": {"Ref": "ConnectInstanceArn"},
        "SourceAccount": {"Ref": "AWS::AccountId"},
    }


def test_the_gateway_role_survives_the_transform(stack: Stack) -> None:
    role = stack.resources["GatewayRole"]
    assert role["Type"] == "AWS::IAM::Role"
    (policy,) = role["Properties"]["Policies"]
    invoke, call = policy["PolicyDocument"]["Statement"]
    functions = {r["Fn::GetAtt"][0] for r in invoke["Resource"]}
    assert functions == {f.logical_id for f in MCP_FUNCTIONS}
    for logical_id in functions:
        assert stack.resources[logical_id]["Type"] == "AWS::Lambda::Function"
    assert "${RestAPI}" in call["Resource"]["Fn::Sub"]
    assert stack.resources["RestAPI"]["Type"] == "AWS::ApiGateway::RestApi"


def test_the_alarms_survive_the_transform(stack: Stack) -> None:
    alarms = {k: r for k, r in stack.resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    publisher_alarms = {"CardEventsPublisherFailuresAlarm", "PublishCardEventsIteratorAgeAlarm"}
    assert publisher_alarms <= set(alarms)
    assert len(alarms) == len(FUNCTIONS) + len(TABLE_LOGICAL_IDS) + len(publisher_alarms)
    for function in FUNCTIONS:
        dimensions = alarms[f"{function.logical_id}ErrorsAlarm"]["Properties"]["Dimensions"]
        assert dimensions == [{"Name": "FunctionName", "Value": {"Ref": function.logical_id}}]
    for logical_id in TABLE_LOGICAL_IDS.values():
        assert f"{logical_id}ThrottleAlarm" in alarms
