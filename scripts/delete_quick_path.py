"""Remove what ``chalice deploy --stage S`` created, by name, when ``chalice delete`` cannot.

``chalice delete`` removes only what ``.chalice/deployed/S.json`` records, and Chalice writes
that record only when a deploy succeeds: a deploy that fails half way (at the REST API, say)
leaves its functions and roles behind with no record, and ``chalice delete`` then removes
nothing. This deletes them by the names Chalice gives them (``infra.permissions``): every
function, its role with its inline policies and its log group, but never one that a
CloudFormation stack created (the packaged stack's REST handler has the same name as the quick
path's). A missing resource is reported, not an error, so it is safe to rerun. The REST API
(``betterbank-card-operations``) is only listed: other stages' quick-path APIs carry the same
name, so it is deleted by id, by hand. Tables are never touched (``scripts/delete_tables.py``).

    python -m scripts.delete_quick_path --stage dev [--region R] [--yes]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from infra.chalice_policies import APP_NAME
from infra.permissions import FUNCTIONS

#: CloudFormation tags what it creates with the stack's name; the quick path's functions lack it.
STACK_TAG = "aws:cloudformation:stack-name"


def quick_path_names(stage: str) -> list[tuple[str, str]]:
    """``(function, role)`` of every function ``chalice deploy --stage`` creates."""
    return [
        (f.chalice_deploy_name(APP_NAME, stage), f"{APP_NAME}-{stage}-{f.chalice_name}")
        for f in FUNCTIONS
    ]


def _gone(client: Any, call: Any, **kwargs: Any) -> bool:
    """Run a Lambda or Logs delete call; ``False`` when the thing was not there."""
    try:
        call(**kwargs)
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def delete_role(iam: Any, role: str) -> bool:
    """Delete a role after its inline and attached policies; ``False`` when it was not there."""
    try:
        policies = iam.list_role_policies(RoleName=role)["PolicyNames"]
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    except iam.exceptions.NoSuchEntityException:
        return False
    for name in policies:
        iam.delete_role_policy(RoleName=role, PolicyName=name)
    for policy in attached:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=role)
    return True


def _stack_of_function(lambda_: Any, function: str) -> str | None:
    """The CloudFormation stack that created a function ("" when none; None when no function)."""
    try:
        tags = lambda_.get_function(FunctionName=function).get("Tags", {})
    except lambda_.exceptions.ResourceNotFoundException:
        return None
    return str(tags.get(STACK_TAG, ""))


def _stack_of_log_group(logs: Any, group: str) -> str:
    try:
        return str(logs.list_tags_log_group(logGroupName=group)["tags"].get(STACK_TAG, ""))
    except logs.exceptions.ResourceNotFoundException:
        return ""


def delete_function(session: Any, function: str, role: str) -> list[str]:
    """One function, its role and its log group, unless a CloudFormation stack owns them.

    The quick path's REST handler has the very name of the packaged stack's
    (``betterbank-card-operations-S``), and so has its log group: those of a stack are left alone.
    """
    lambda_, iam, logs = (session.client(name) for name in ("lambda", "iam", "logs"))
    group = f"/aws/lambda/{function}"
    owner = _stack_of_function(lambda_, function) or _stack_of_log_group(logs, group)
    if owner:
        return [f"left alone: function {function} and its logs belong to stack {owner}"]
    done = _gone(lambda_, lambda_.delete_function, FunctionName=function)
    lines = [f"{'deleted' if done else 'missing'}: function {function}"]
    lines.append(f"{'deleted' if delete_role(iam, role) else 'missing'}: role {role}")
    done = _gone(logs, logs.delete_log_group, logGroupName=group)
    lines.append(f"{'deleted' if done else 'missing'}: log group {group}")
    return lines


def delete_quick_path(session: Any, stage: str) -> list[str]:
    """Delete every function, role and log group of the stage's quick path; one line each."""
    lines = []
    for function, role in quick_path_names(stage):
        lines += delete_function(session, function, role)
    apis = session.client("apigateway").get_rest_apis(limit=500)["items"]
    lines += [
        f"left alone: REST API {api['id']} named {APP_NAME} (delete it by id if it is this "
        f"stage's: aws apigateway delete-rest-api --rest-api-id {api['id']})"
        for api in apis
        if api["name"] == APP_NAME
    ]
    return lines


def confirmed(stage: str) -> bool:
    """Ask on the terminal; no terminal (CI, a pipe) counts as "no"."""
    print(f"This deletes the functions, roles and log groups of 'chalice deploy --stage {stage}':")
    for function, role in quick_path_names(stage):
        print(f"  {function} (role {role})")
    try:
        return input("Type 'yes' to delete: ").strip().lower() == "yes"
    except EOFError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when done, 1 when not confirmed or on an AWS error (one line)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="the stage given to chalice deploy")
    parser.add_argument(
        "--region", help="AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's)"
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    if not args.yes and not confirmed(args.stage):
        print("not confirmed: nothing deleted", file=sys.stderr)
        return 1

    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session(region_name=args.region or os.environ.get("AWS_REGION"))
    if session.region_name is None:
        print("error: no region: pass --region or set AWS_REGION", file=sys.stderr)
        return 1
    try:
        lines = delete_quick_path(session, args.stage)
    except (BotoCoreError, ClientError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
