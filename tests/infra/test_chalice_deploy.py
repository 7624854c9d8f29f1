"""The quick path, ``chalice deploy --stage dev``, rehearsed on moto as far as moto goes.

Chalice deploys a copy of the project (it writes ``.chalice/deployed/`` and its caches into the
project it deploys, and this must not be the working tree). It creates every function with
its role and policy, then imports its Swagger 2.0 REST API. moto cannot
import that document (its ImportRestApi answers HTTP 500 on it), so the deploy fails there:
this test states that limit and checks everything created before it. That failure is also the
real-life case ``chalice delete`` cannot undo (no deployed record is written), so the test then
shows ``scripts/delete_quick_path.py`` removing what was left behind.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.store.tables import table_names
from infra.chalice_policies import APP_NAME, policy_file_name
from infra.permissions import FUNCTIONS
from tests.infra.conftest import package_lock
from tests.infra.moto_aws import ROOT, MotoServer, cli_environment

pytestmark = pytest.mark.slow
REGION = "eu-west-1"
CHALICE = Path(sys.executable).with_name("chalice")


def _project_copy(target: Path) -> Path:
    """The files Chalice deploys, its config and its wheel cache, in a scratch directory."""
    tracked = subprocess.run(
        ["git", "ls-files", "app.py", "requirements.txt", "chalicelib", "mcp_handlers", "vendor",
         ".chalice"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in tracked:
        source, copy = ROOT / name, target / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # vendor/mcp_handlers -> ../mcp_handlers
            copy.symlink_to(source.readlink())
        else:
            shutil.copy2(source, copy)
    with package_lock():  # not while another worker's chalice package writes the cache
        if (ROOT / ".chalice" / "deployments").is_dir():  # saves downloading the wheels again
            shutil.copytree(ROOT / ".chalice" / "deployments", target / ".chalice" / "deployments")
    return target


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd``; ``python -m scripts.NAME`` finds the project from any directory."""
    env = env | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _timeout(name: str) -> int:
    """The function's timeout in stage dev of .chalice/config.json (else the app's)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    own = config["stages"]["dev"].get("lambda_functions", {}).get(name, {})
    return int(own.get("lambda_timeout") or config["lambda_timeout"])


def _functions(moto: MotoServer) -> dict[str, dict[str, Any]]:
    listed = moto.client("lambda", REGION).list_functions()["Functions"]
    return {f["FunctionName"]: f for f in listed}


def test_chalice_deploy_creates_the_functions_then_stops_at_the_rest_api(
    moto: MotoServer, tmp_path: Path
) -> None:
    project = _project_copy(tmp_path / "project")
    # No retries: moto's 500 on the API import would only be retried into the same 500.
    env = cli_environment(moto, CHALICE.parent, tmp_path, REGION) | {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
    }
    # What the quick path needs first: the tables, whose card-events stream the publisher reads.
    tables = _run([sys.executable, "-m", "scripts.create_tables", "--stage", "dev"], env, project)
    assert tables.returncode == 0, tables.stderr
    stream_arn = tables.stdout.splitlines()[-1].removeprefix("stream: ")
    env["CARD_EVENTS_STREAM_ARN"] = stream_arn
    deploy = _run([str(CHALICE), "deploy", "--stage", "dev"], env, project)
    output = deploy.stdout + deploy.stderr

    # The moto limit, stated: the Swagger 2.0 import fails, after every function was created.
    assert deploy.returncode != 0
    assert "Creating Rest API" in output
    assert "ImportRestApi" in output
    functions = _functions(moto)
    expected = {f.chalice_deploy_name(APP_NAME, "dev"): f for f in FUNCTIONS}
    assert sorted(functions) == sorted(expected)
    iam = moto.client("iam", REGION)
    for name, function in expected.items():
        configuration = functions[name]
        role = f"{APP_NAME}-dev-{function.chalice_name}"
        assert configuration["Role"] == f"arn:aws:iam::123456789012:role/{role}"
        (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
        document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        committed = json.loads((ROOT / ".chalice" / policy_file_name(function, "dev")).read_text())
        assert document == committed, name
        variables = configuration["Environment"]["Variables"]
        assert {k: variables[k] for k in table_names("dev")} == table_names("dev")
        assert configuration["Timeout"] == _timeout(function.chalice_name)
        assert not configuration.get("VpcConfig", {}).get("SubnetIds")  # no VPC on this path

    # chalice delete knows nothing of a deploy that failed: everything stays ...
    assert not (project / ".chalice" / "deployed" / "dev.json").exists()
    delete = _run([str(CHALICE), "delete", "--stage", "dev"], env, project)
    assert delete.returncode == 0, delete.stderr
    assert sorted(_functions(moto)) == sorted(expected)
    # ... and the cleanup script removes it by name.
    cleanup = _run(
        [sys.executable, "-m", "scripts.delete_quick_path", "--stage", "dev", "--yes"],
        env,
        project,
    )
    assert cleanup.returncode == 0, cleanup.stderr
    assert _functions(moto) == {}
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
    assert cleanup.stdout.count("deleted: function") == len(FUNCTIONS)


def test_the_cleanup_asks_first(moto: MotoServer, tmp_path: Path) -> None:
    env = cli_environment(moto, CHALICE.parent, tmp_path, REGION)
    refused = _run(
        [sys.executable, "-m", "scripts.delete_quick_path", "--stage", "dev"], env, tmp_path
    )
    assert refused.returncode == 1
    assert "Type 'yes' to delete" in refused.stdout
    assert "nothing deleted" in refused.stderr


def test_the_cleanup_never_touches_what_a_stack_created(moto: MotoServer, tmp_path: Path) -> None:
    # GIVEN the packaged dev stack's REST handler: the same name as the quick path's, and
    # tagged by CloudFormation (as CloudFormation tags every function it creates)
    name = "betterbank-card-operations-dev"
    stack = {"aws:cloudformation:stack-name": name}
    role = moto.client("iam").create_role(RoleName="stack-role", AssumeRolePolicyDocument="{}")
    archive = tmp_path / "code.zip"
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("app.py", "app = None\n")
    moto.client("lambda", REGION).create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="app.app",
        Code={"ZipFile": archive.read_bytes()},
        Tags=stack,
    )
    moto.client("logs", REGION).create_log_group(logGroupName=f"/aws/lambda/{name}", tags=stack)
    env = cli_environment(moto, CHALICE.parent, tmp_path, REGION)
    cleanup = _run(
        [sys.executable, "-m", "scripts.delete_quick_path", "--stage", "dev", "--yes"],
        env,
        tmp_path,
    )
    assert cleanup.returncode == 0, cleanup.stderr
    assert f"left alone: function {name} and its logs belong to stack {name}" in cleanup.stdout
    assert sorted(_functions(moto)) == [name]
    groups = moto.client("logs", REGION).describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == [f"/aws/lambda/{name}"]
