"""The deploy rehearsal: ``scripts/deploy_stack.sh`` for real, with the real AWS CLI, on moto.

Every preflight case of the old troubleshooting guide, the upload by ``cloudformation package``,
and the app-stack deploy reaching CloudFormation with a ``TemplateURL`` in the bucket. What
moto cannot do is stated where it stops a run, never worked around: its CloudFormation ignores
the SAM transform (so executing the app stack's change set fails on the first resource that
refers to a function) and has no ``Fn::Cidr`` (so the VPC stack cannot be created); it has no
rollback, so it never shows ``ROLLBACK_COMPLETE`` (that case stays in test_deploy_stack.py,
on the recorded fake CLI). The stacks' contract is checked offline in test_stack_contract.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.conftest import package_lock
from tests.infra.moto_aws import (
    ROOT,
    ExistingVpc,
    MotoServer,
    cli_environment,
    make_vpc,
    objects,
)

pytestmark = pytest.mark.slow
SCRIPT = ROOT / "scripts" / "deploy_stack.sh"
REGION = "eu-west-1"
BUCKET = "betterbank-artifacts"
APP_STACK = "betterbank-card-operations-dev"
PREFIX = "betterbank-card-operations/dev/"
INLINE_TEMPLATE_LIMIT = 51_200  # CloudFormation's TemplateBody limit; beyond it, TemplateURL


@dataclass(frozen=True)
class Run:
    """One run of the script: exit code and everything it printed."""

    returncode: int
    output: str


@pytest.fixture
def deploy(moto: MotoServer, aws_cli_bin: Path, tmp_path: Path) -> Callable[..., Run]:
    """``deploy(*args, **env)`` runs ``deploy_stack.sh dev`` against the emptied moto."""

    def run(*args: str, without: tuple[str, ...] = (), **extra: str) -> Run:
        env = cli_environment(moto, aws_cli_bin, tmp_path, REGION)
        env["PACKAGE_OUT"] = str(tmp_path / "package")
        env.update(extra)
        for name in without:
            env.pop(name)
        with package_lock():
            result = subprocess.run(
                ["bash", str(SCRIPT), "dev", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        return Run(result.returncode, result.stdout + result.stderr)

    return run


def _bucket(moto: MotoServer, region: str = REGION, name: str = BUCKET) -> None:
    moto.client("s3", region).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
    )


def _stacks(moto: MotoServer) -> dict[str, str]:
    stacks = moto.client("cloudformation").describe_stacks()["Stacks"]
    return {s["StackName"]: s["StackStatus"] for s in stacks}


def _vpc_args(vpc: ExistingVpc) -> list[str]:
    return ["--subnet-ids", vpc.subnets_arg, "--security-group-id", vpc.security_group_id]


def _change_set(moto: MotoServer, stack: str) -> dict[str, Any]:
    cloudformation = moto.client("cloudformation")
    summaries = cloudformation.list_change_sets(StackName=stack)["Summaries"]
    assert summaries, f"no change set for {stack}"
    described: dict[str, Any] = cloudformation.describe_change_set(
        ChangeSetName=summaries[-1]["ChangeSetId"]
    )
    return described


# --- preflight: each failure stops the run before anything is created --------------------------


def test_without_credentials_nothing_is_created(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    run = deploy("--bucket", BUCKET, without=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"))
    assert run.returncode == 1
    assert "no usable AWS credentials" in run.output
    assert _stacks(moto) == {}


def test_a_missing_bucket_stops_it(deploy: Callable[..., Run], moto: MotoServer) -> None:
    run = deploy("--bucket", "no-such-bucket")
    assert run.returncode == 1
    assert "S3 bucket 'no-such-bucket' does not exist" in run.output
    assert f"aws s3 mb s3://no-such-bucket --region {REGION}" in run.output
    assert _stacks(moto) == {}


def test_a_bucket_in_another_region_stops_it(deploy: Callable[..., Run], moto: MotoServer) -> None:
    _bucket(moto, region="us-west-2")
    run = deploy("--bucket", BUCKET)
    assert run.returncode == 1
    assert f"is in us-west-2 but the stacks deploy to {REGION}" in run.output
    assert _stacks(moto) == {}


def test_a_busy_stack_stops_it(deploy: Callable[..., Run], moto: MotoServer) -> None:
    # GIVEN an app stack whose creation is still running. moto has no asynchronous creation: a
    # creation whose resource fails stays CREATE_IN_PROGRESS (moto has no rollback), which is
    # exactly what describe-stacks shows for a busy stack.
    _bucket(moto)
    _bucket(moto, name="taken")
    with pytest.raises(Exception, match="BucketAlreadyExists"):
        moto.client("cloudformation").create_stack(
            StackName=APP_STACK,
            TemplateBody='{"Resources": {"B": {"Type": "AWS::S3::Bucket", '
            '"Properties": {"BucketName": "taken"}}}}',
        )
    assert _stacks(moto) == {APP_STACK: "CREATE_IN_PROGRESS"}
    run = deploy("--bucket", BUCKET)
    assert run.returncode == 1
    assert f"stack {APP_STACK} is busy (CREATE_IN_PROGRESS)" in run.output
    assert list(objects(moto, BUCKET)) == []


def test_an_existing_vpc_in_one_zone_is_refused(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    vpc = make_vpc(moto, REGION, zones=("a", "a"))
    run = deploy("--bucket", BUCKET, *_vpc_args(vpc))
    assert run.returncode == 1
    assert "give private subnets in at least two Availability Zones" in run.output
    assert list(objects(moto, BUCKET)) == []


def test_an_existing_vpc_without_a_dynamodb_endpoint_is_refused(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    vpc = make_vpc(moto, REGION, dynamodb_endpoint=False)
    run = deploy("--bucket", BUCKET, *_vpc_args(vpc))
    assert run.returncode == 1
    for subnet, table in zip(vpc.subnet_ids, vpc.route_table_ids, strict=True):
        assert (
            f"subnet {subnet} (route table {table}) has no DynamoDB gateway endpoint" in run.output
        )
    assert list(objects(moto, BUCKET)) == []


def test_an_existing_vpc_without_egress_is_refused_when_connect_is_configured(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    vpc = make_vpc(moto, REGION)  # no NAT: the route tables have no default route
    instance = (
        "arn:aws:connect:eu-west-1:123456789012:instance/0a1b2c3d-1111-2222-3333-444455556666"
    )
    run = deploy("--bucket", BUCKET, *_vpc_args(vpc), "--connect-instance-arn", instance)
    assert run.returncode == 1
    assert "has no default route" in run.output
    assert "cannot reach Q in Connect" in run.output
    assert list(objects(moto, BUCKET)) == []


# --- the deploy itself ---------------------------------------------------------------------------


def test_the_app_stack_reaches_cloudformation_through_the_bucket(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    # GIVEN an existing VPC that passes every check, and the artifact bucket
    _bucket(moto)
    vpc = make_vpc(moto, REGION)
    # WHEN the script runs to the end that moto allows
    run = deploy("--bucket", BUCKET, *_vpc_args(vpc))
    # THEN the code zip and the template went to the bucket under the stage's prefix ...
    uploaded = dict(objects(moto, BUCKET))
    zips = [key for key in uploaded if not key.endswith(".template")]
    templates = [key for key in uploaded if key.endswith(".template")]
    assert [k.startswith(PREFIX) for k in uploaded] == [True] * len(uploaded), uploaded
    assert len(zips) == 1, uploaded
    assert len(templates) == 1, run.output
    assert uploaded[templates[0]] > INLINE_TEMPLATE_LIMIT, "the template would fit inline now"
    # ... and CloudFormation read the template from its TemplateURL: the change set's template
    # is the object in the bucket, with the code's S3 location in it.
    change_set = _change_set(moto, APP_STACK)
    assert change_set["Status"] == "CREATE_COMPLETE", change_set
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in change_set["Parameters"]}
    assert parameters["PrivateSubnetIds"] == vpc.subnets_arg
    assert parameters["LambdaSecurityGroupId"] == vpc.security_group_id
    stored = moto.client("s3").get_object(Bucket=BUCKET, Key=templates[0])["Body"].read()
    changes = {c["ResourceChange"]["LogicalResourceId"] for c in change_set["Changes"]}
    assert changes == set(yaml.safe_load(stored)["Resources"])
    assert f"s3://{BUCKET}/{zips[0]}" in stored.decode()
    # The moto limit: its CloudFormation ignores the SAM transform, so executing the change set
    # fails on the first resource that refers to a function, and the stack stays where a failed
    # first change set leaves it (no rollback in moto).
    assert run.returncode != 0
    assert "Waiting for changeset to be created.." in run.output
    assert _stacks(moto) == {APP_STACK: "REVIEW_IN_PROGRESS"}


def test_a_stack_in_review_in_progress_is_created_again(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    # GIVEN the state a failed first deployment leaves: a CREATE change set never executed
    _bucket(moto)
    vpc = make_vpc(moto, REGION)
    moto.client("cloudformation").create_change_set(
        StackName=APP_STACK,
        ChangeSetName="failed-first-attempt",
        ChangeSetType="CREATE",
        TemplateBody='{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}',
    )
    assert _stacks(moto) == {APP_STACK: "REVIEW_IN_PROGRESS"}
    # WHEN the script is rerun THEN it says what the state means and creates the stack again
    run = deploy("--bucket", BUCKET, *_vpc_args(vpc))
    assert f"stack {APP_STACK} is in REVIEW_IN_PROGRESS" in run.output, run.output
    assert "busy" not in run.output
    assert f"deploy: deploying {APP_STACK}" in run.output
    change_set = _change_set(moto, APP_STACK)
    assert change_set["ChangeSetName"] != "failed-first-attempt"
    assert change_set["Status"] == "CREATE_COMPLETE"


def test_the_vpc_stack_reaches_cloudformation_through_the_bucket(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    # Without --subnet-ids the VPC stack goes first. moto has no Fn::Cidr, so its change set
    # cannot be executed; that it was created from the uploaded infra/vpc.yaml is what moto shows.
    _bucket(moto)
    run = deploy("--bucket", BUCKET)
    assert "deploy: deploying betterbank-vpc-dev" in run.output
    assert "packaging" not in run.output  # the VPC stack comes first, and its failure stops it
    assert run.returncode != 0
    templates = [key for key, _ in objects(moto, BUCKET) if key.endswith(".template")]
    assert len(templates) == 1
    assert templates[0].startswith(PREFIX)
    change_set = _change_set(moto, "betterbank-vpc-dev")
    assert change_set["Parameters"] == [{"ParameterKey": "Stage", "ParameterValue": "dev"}]


def test_an_unchanged_rerun_is_a_success(
    moto: MotoServer, aws_cli_bin: Path, tmp_path: Path
) -> None:
    # Both stacks are deployed with --no-fail-on-empty-changeset. moto cannot complete our
    # stacks, so this rehearses what the flag makes of a rerun on a stack it can complete: the
    # real CLI, the same template twice; the second run finds no change and succeeds.
    _bucket(moto)
    template = tmp_path / "topic.json"
    template.write_text('{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}')
    env = cli_environment(moto, aws_cli_bin, tmp_path, REGION) | {"AWS_DEFAULT_REGION": REGION}
    command = [
        "aws", "cloudformation", "deploy", "--stack-name", "rerun", "--template-file",
        str(template), "--s3-bucket", BUCKET, "--no-fail-on-empty-changeset",
    ]  # fmt: skip
    runs = [
        subprocess.run(command, env=env, capture_output=True, text=True, check=False) for _ in "12"
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "No changes to deploy. Stack rerun is up to date" in runs[1].stdout
    assert _stacks(moto) == {"rerun": "CREATE_COMPLETE"}
    assert re.search(r"--no-fail-on-empty-changeset", SCRIPT.read_text()) is not None
    assert SCRIPT.read_text().count("--no-fail-on-empty-changeset") == 2  # both stacks


# --- the CLI the script needs ------------------------------------------------------------------

CLI_V1_CHECK = """
import json, sys
from awscli.clidriver import create_clidriver

def subcommands(group):
    table = getattr(group, "subcommand_table", None)
    return table if table else group._get_command_table()

driver = create_clidriver()
services, global_options = driver._get_command_table(), set(driver._get_argument_table())
problems = []
for service, command, options in json.load(sys.stdin):
    found = services.get(service)
    for word in command.split():  # "wait stack-delete-complete": a waiter under wait
        found = subcommands(found).get(word) if found is not None else None
    if found is None:
        problems.append(f"aws {service} {command}: no such command")
        continue
    known = set(found.arg_table) | global_options
    problems += [f"aws {service} {command} --{o}: no such option" for o in options
                 if o not in known]
print(json.dumps(problems))
"""
AWS_CALL = re.compile(r"(?<![\w-])aws ([a-z0-9-]+) ([a-z0-9-]+)((?:(?!\baws )[^|;)])*)")


def script_commands(text: str) -> list[tuple[str, str, list[str]]]:
    """``(service, command, options)`` of every ``aws`` call in a bash script, also the ones
    its messages tell the user to run (``wait`` with its waiter name as the command)."""
    logical = re.sub(r"\\\n\s*", " ", text)  # join continued lines
    found = []
    for line in logical.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for match in AWS_CALL.finditer(line):
            service, command, rest = match.groups()
            options = re.findall(r"(?<![\w-])--([a-z0-9-]+)", rest)
            if command == "wait":
                command = f"wait {rest.split()[0]}"
            found.append((service, command, options))
    return found


def test_every_aws_command_of_the_script_exists_in_cli_v1(aws_cli_bin: Path) -> None:
    # The rehearsal runs PyPI's awscli, which is CLI v1; AWS CLI v2 has every one of these too.
    text = SCRIPT.read_text()
    # The one command it only suggests, and says is v2's: AWS CLI v1 has no `aws sso login`.
    assert "'aws sso login' (AWS CLI v2" in text
    commands = [c for c in script_commands(text) if c[:2] != ("sso", "login")]
    pairs = {(service, command) for service, command, _ in commands}
    assert {("cloudformation", "deploy"), ("cloudformation", "package")} <= pairs
    assert ("s3api", "get-bucket-location") in pairs
    result = subprocess.run(
        [str(aws_cli_bin / "python"), "-c", CLI_V1_CHECK],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_the_command_check_can_fail(aws_cli_bin: Path) -> None:
    script = (
        "aws s3api head-buckets --bucket b\naws cloudformation deploy --stack x \\\n  --s3-bu b\n"
    )
    commands = script_commands(script)
    result = subprocess.run(
        [str(aws_cli_bin / "python"), "-c", CLI_V1_CHECK],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == [
        "aws s3api head-buckets: no such command",
        "aws cloudformation deploy --stack: no such option",
        "aws cloudformation deploy --s3-bu: no such option",
    ]


def test_a_subnet_given_twice_is_named_not_called_missing(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    vpc = make_vpc(moto, REGION)
    (first, *_) = vpc.subnet_ids
    run = deploy(
        "--bucket",
        BUCKET,
        "--subnet-ids",
        f"{first},{first}",
        "--security-group-id",
        vpc.security_group_id,
    )
    assert run.returncode == 1
    assert f"--subnet-ids lists {first} more than once: give each subnet once" in run.output
    assert "does not exist" not in run.output
    assert list(objects(moto, BUCKET)) == []


def test_a_stage_with_a_typo_stops_before_anything_not_inside_chalice(
    deploy: Callable[..., Run], moto: MotoServer, aws_cli_bin: Path, tmp_path: Path
) -> None:
    # GIVEN a valid-looking stage that .chalice/config.json does not define (prod, mistyped)
    _bucket(moto)
    vpc = make_vpc(moto, REGION)
    env = {**cli_environment(moto, aws_cli_bin, tmp_path, REGION), "PACKAGE_OUT": str(tmp_path)}
    args = ["--bucket", BUCKET, *_vpc_args(vpc)]
    result = subprocess.run(
        ["bash", str(SCRIPT), "prdo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN one line says so, before any AWS call, and nothing is created
    assert result.returncode == 1
    assert result.stderr.startswith("deploy: ERROR: unknown stage 'prdo': ")
    assert "Traceback" not in result.stdout + result.stderr
    assert list(objects(moto, BUCKET)) == []
    assert _stacks(moto) == {}


def test_a_profile_that_does_not_exist_is_named(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    _bucket(moto)
    run = deploy("--bucket", BUCKET, AWS_PROFILE="prodd")
    assert run.returncode == 1
    assert run.output == (
        "deploy: ERROR: AWS_PROFILE 'prodd' names no profile of ~/.aws/config or "
        "~/.aws/credentials: set it to one that exists, or unset it\n"
    )
    assert _stacks(moto) == {}


def test_a_bucket_name_s3_cannot_have_is_not_offered_to_aws_s3_mb(
    deploy: Callable[..., Run], moto: MotoServer
) -> None:
    run = deploy("--bucket", "BetterBank_Artifacts")
    assert run.returncode == 1
    assert "'BetterBank_Artifacts' is not an S3 bucket name" in run.output
    assert "aws s3 mb" not in run.output
    assert _stacks(moto) == {}
