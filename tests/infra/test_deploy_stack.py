"""``scripts/deploy_stack.sh`` stops before creating anything when a precondition fails.

A fake ``aws`` on PATH records every call; the real CLI is kept off PATH.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "deploy_stack.sh"
SYSTEM_PATH = "/usr/bin:/bin"


@dataclass(frozen=True)
class Run:
    """Exit code, combined output and the aws calls of one deploy_stack.sh run."""

    returncode: int
    output: str
    calls: list[list[str]]

    def called(self, *words: str) -> bool:
        """Whether some aws call started with ``words``."""
        return any(call[: len(words)] == list(words) for call in self.calls)


@pytest.fixture(autouse=True)
def _no_real_aws_cli() -> None:
    if shutil.which("aws", path=SYSTEM_PATH):
        pytest.skip("a real aws CLI lives in /usr/bin or /bin; cannot hide it")


def _deploy(tmp_path: Path, *args: str, fake_aws: bool = True, **fake: str) -> Run:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if fake_aws:
        wrapper = bin_dir / "aws"
        fake_cli = Path(__file__).with_name("fake_aws.py")
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{fake_cli}" "$@"\n')
        wrapper.chmod(0o755)
    log = tmp_path / "aws-calls.jsonl"
    log.touch()
    env = {
        "PATH": f"{bin_dir}:{SYSTEM_PATH}",
        "HOME": str(tmp_path),
        "FAKE_AWS_LOG": str(log),
        "AWS_REGION": "eu-west-1",
        **{f"FAKE_AWS_{key.upper()}": value for key, value in fake.items()},
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), "dev", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return Run(result.returncode, result.stdout + result.stderr, calls)


def _assert_nothing_created(run: Run) -> None:
    assert run.returncode != 0
    assert not run.called("cloudformation", "deploy")
    assert not run.called("cloudformation", "package")


def test_without_the_aws_cli_it_says_so(tmp_path: Path) -> None:
    run = _deploy(tmp_path, "--bucket", "artifacts", fake_aws=False)
    _assert_nothing_created(run)
    assert "aws CLI is not installed" in run.output


def test_without_credentials_it_says_so(tmp_path: Path) -> None:
    run = _deploy(tmp_path, "--bucket", "artifacts", credentials="0", buckets="artifacts=eu-west-1")
    _assert_nothing_created(run)
    assert "no usable AWS credentials" in run.output


def test_without_a_bucket_name_it_asks_for_one(tmp_path: Path) -> None:
    run = _deploy(tmp_path)
    _assert_nothing_created(run)
    assert "--bucket" in run.output
    assert "DEPLOY_BUCKET" in run.output


def test_a_missing_bucket_stops_it(tmp_path: Path) -> None:
    run = _deploy(tmp_path, "--bucket", "no-such-bucket", buckets="other=eu-west-1")
    _assert_nothing_created(run)
    assert "S3 bucket 'no-such-bucket' does not exist" in run.output


def test_a_bucket_in_another_region_stops_it(tmp_path: Path) -> None:
    run = _deploy(tmp_path, "--bucket", "artifacts", buckets="artifacts=us-west-2")
    _assert_nothing_created(run)
    assert "is in us-west-2 but the stacks deploy to eu-west-1" in run.output


def test_a_us_east_1_bucket_reports_no_location_and_mismatches_too(tmp_path: Path) -> None:
    run = _deploy(tmp_path, "--bucket", "artifacts", buckets="artifacts=None")
    _assert_nothing_created(run)
    assert "is in us-east-1" in run.output


def test_a_stack_left_in_rollback_complete_is_explained(tmp_path: Path) -> None:
    run = _deploy(
        tmp_path,
        "--bucket",
        "artifacts",
        buckets="artifacts=eu-west-1",
        stack_status="ROLLBACK_COMPLETE",
    )
    _assert_nothing_created(run)
    assert "delete-stack" in run.output
    assert "describe-stack-events" in run.output


def test_with_every_precondition_met_it_deploys_the_vpc_stack_first(tmp_path: Path) -> None:
    # GIVEN a bucket in us-east-1 (location None) WHEN deploying there THEN preflight passes
    # and the first thing created is the VPC stack (the fake fails it to end the run).
    run = _deploy(
        tmp_path,
        "--bucket",
        "artifacts",
        "--region",
        "us-east-1",
        buckets="artifacts=None",
        deploy_fails="1",
    )
    assert run.returncode != 0
    deploys = [c for c in run.calls if c[:2] == ["cloudformation", "deploy"]]
    assert len(deploys) == 1
    assert deploys[0][deploys[0].index("--stack-name") + 1] == "betterbank-vpc-dev"
    assert "--no-fail-on-empty-changeset" in deploys[0]
