"""A moto server and the real AWS CLI for the deploy rehearsal: AWS's control plane, locally.

``moto_server`` (moto 5.2.5, the dev pin) runs as its own process on 127.0.0.1, on a free port,
tied to the test process (it dies with it) and stopped at session end. The AWS CLI is PyPI's
awscli (v1) from its own venv (``scripts/tool_venv.sh awscli``); it and boto3 find the server
through ``AWS_ENDPOINT_URL``. The URL names ``localhost``, not ``127.0.0.1``: moto's
CloudFormation reads a ``TemplateURL`` from its own S3 only when the URL's host says localhost.

moto is used single-threaded here (one script, one call at a time): it loses updates under
concurrency. Every test starts from an empty account (``reset``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from scripts.dynamodb_local_process import HOST, _die_with_parent, free_port

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"  # moto's account
START_TIMEOUT_S = 30.0


@dataclass
class MotoServer:
    """One ``moto_server`` process."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def endpoint(self) -> str:
        """What clients use: ``localhost`` (see the module docstring)."""
        return f"http://localhost:{self.port}"

    def reset(self) -> None:
        """Forget every resource (moto's own reset API), so a test starts with a new account."""
        request = urllib.request.Request(f"http://{HOST}:{self.port}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def client(self, service: str, region: str = "eu-west-1") -> Any:
        """A boto3 client of the server."""
        return boto3.session.Session().client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def stop(self) -> None:
        """Terminate the server (kill it if it does not go within 5 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/moto-api/data.json", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def start_moto(log_dir: Path) -> MotoServer:
    """Start ``moto_server`` on a free port of 127.0.0.1 and wait until it answers."""
    port = free_port()
    log = log_dir / f"moto-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", HOST, "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the parent-death signal
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"moto_server did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return MotoServer(port, process, log)


def tool_venv(tool: str) -> Path:
    """The tool's venv, created by the project's own script on first use."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "tool_venv.sh"), tool],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def cli_environment(server: MotoServer, aws_bin: Path, home: Path, region: str) -> dict[str, str]:
    """What a deploy run sees: the real CLI first on PATH, moto as every endpoint, test keys."""
    return {
        "PATH": f"{aws_bin}:/usr/bin:/bin",
        "HOME": str(home),
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }


@dataclass(frozen=True)
class ExistingVpc:
    """A VPC as a network team hands it over: subnet ids and a security group."""

    vpc_id: str
    subnet_ids: list[str]
    route_table_ids: list[str]
    security_group_id: str

    @property
    def subnets_arg(self) -> str:
        """``--subnet-ids`` value."""
        return ",".join(self.subnet_ids)


def make_vpc(
    server: MotoServer,
    region: str,
    zones: tuple[str, ...] = ("a", "b"),
    dynamodb_endpoint: bool = True,
) -> ExistingVpc:
    """Private subnets (one per zone, each its own route table), optionally the DynamoDB gateway
    endpoint on those route tables, and a security group (moto's default egress: all)."""
    ec2 = server.client("ec2", region)
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnets, tables = [], []
    for number, zone in enumerate(zones):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.60.{number}.0/24", AvailabilityZone=f"{region}{zone}"
        )["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        subnets.append(subnet)
        tables.append(table)
    if dynamodb_endpoint:
        ec2.create_vpc_endpoint(
            VpcId=vpc_id,
            ServiceName=f"com.amazonaws.{region}.dynamodb",
            VpcEndpointType="Gateway",
            RouteTableIds=tables,
        )
    group = ec2.create_security_group(
        GroupName="betterbank-lambda", Description="functions", VpcId=vpc_id
    )["GroupId"]
    return ExistingVpc(vpc_id, subnets, tables, group)


def objects(server: MotoServer, bucket: str) -> Iterator[tuple[str, int]]:
    """``(key, size)`` of every object in a bucket."""
    s3 = server.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"], item["Size"]
