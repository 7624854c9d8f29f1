"""Write the static ``.chalice/policy-<function>-<stage>.json`` files from ``infra.permissions``,
and keep ``.chalice/config.json`` naming exactly those functions and files.

These policies serve ``chalice deploy --stage dev`` (the quick path) only: static JSON has no
intrinsics, so the account and region are wildcards, while the table names carry the stage, so a
dev role can never touch prod tables. The packaged stack replaces every one of these documents
with the stage-, region- and account-scoped policy of ``infra/app_template.py``. The quick path
runs outside the VPC, so these grant no EC2 network-interface actions, and its functions create
their own log groups. In config.json each deployed stage's ``lambda_functions`` gets one entry
per function, in ``FUNCTIONS`` order, naming its policy file; what else an entry says (a
timeout, variables) is kept as written. ``tests/infra`` fails when a committed file differs
from what this writes.

    python -m infra.chalice_policies          # rewrite every policy file and config.json
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

from chalicelib.publishing.detail import bus_name
from chalicelib.store import tables
from infra.permissions import FUNCTIONS, PUT_EVENTS_ACTION, STREAM_ACTIONS, Function

APP_NAME = "betterbank-card-operations"
STAGES = ("dev", "prod")
CHALICE_DIR = Path(__file__).resolve().parent.parent / ".chalice"
CONFIG_PATH = CHALICE_DIR / "config.json"

#: Quick-path scoping of the Connect calls: the instance and assistant are not known statically.
CONNECT_QUICK_PATH = (
    ("connect:DescribeContact", "arn:aws:connect:*:*:instance/*/contact/*"),
    ("wisdom:UpdateSessionData", "arn:aws:wisdom:*:*:session/*/*"),
)


def policy_file_name(function: Function, stage: str) -> str:
    """File name under ``.chalice/`` (referenced from config.json)."""
    return f"policy-{function.chalice_name.replace('_', '-')}-{stage}.json"


def quick_path_policy(function: Function, stage: str) -> dict[str, Any]:
    """The static policy of one function on one stage."""
    log_group = function.chalice_deploy_name(APP_NAME, stage)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                f"arn:aws:logs:*:*:log-group:/aws/lambda/{log_group}",
                f"arn:aws:logs:*:*:log-group:/aws/lambda/{log_group}:*",
            ],
        }
    ]
    for number, grant in enumerate(function.grants, start=1):
        resource = f"arn:aws:dynamodb:*:*:table/{tables.table_name(grant.table, stage)}"
        if grant.index:
            resource += f"/index/{grant.index}"
        statements.append(
            {
                "Sid": f"DynamoDb{number}",
                "Effect": "Allow",
                "Action": list(grant.actions),
                "Resource": resource,
            }
        )
    if function.publishes_card_events:
        statements.extend(_publisher_statements(stage))
    if function.connect:
        for action, resource in CONNECT_QUICK_PATH:
            sid = action.split(":")[1]
            statements.append(
                {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
            )
    return {"Version": "2012-10-17", "Statement": statements}


def _publisher_statements(stage: str) -> list[dict[str, Any]]:
    """The stage's card-events stream (any label) and its bus; the quick path has no failure
    queue (``chalice deploy`` cannot configure an on-failure destination)."""
    table = tables.table_name("card_events", stage)
    return [
        {
            "Sid": "ReadCardEventsStream",
            "Effect": "Allow",
            "Action": list(STREAM_ACTIONS),
            "Resource": f"arn:aws:dynamodb:*:*:table/{table}/stream/*",
        },
        {
            "Sid": "PutCardEvents",
            "Effect": "Allow",
            "Action": PUT_EVENTS_ACTION,
            "Resource": f"arn:aws:events:*:*:event-bus/{bus_name(stage)}",
        },
    ]


def render_all() -> dict[str, str]:
    """``{file name: JSON text}`` of every policy file."""
    return {
        policy_file_name(function, stage): json.dumps(quick_path_policy(function, stage), indent=2)
        + "\n"
        for stage in STAGES
        for function in FUNCTIONS
    }


def render_config(config: dict[str, Any]) -> str:
    """``config.json``'s text: ``config`` with the deployed stages' ``lambda_functions`` entries
    made current (one per function, its policy file; an entry's other settings kept)."""
    current = copy.deepcopy(config)
    for stage in STAGES:
        written = config["stages"][stage].get("lambda_functions", {})
        current["stages"][stage]["lambda_functions"] = {
            function.chalice_name: {
                **written.get(function.chalice_name, {}),
                "iam_policy_file": policy_file_name(function, stage),
            }
            for function in FUNCTIONS
        }
    return json.dumps(current, indent=2) + "\n"


def committed_policy_files() -> set[str]:
    """The names of the policy files in ``.chalice/``."""
    return {path.name for path in CHALICE_DIR.glob("policy-*.json")}


def committed_config() -> dict[str, Any]:
    """``.chalice/config.json`` as committed."""
    config: dict[str, Any] = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    return config


def main(argv: list[str] | None = None) -> int:
    """Rewrite the policy files in ``.chalice/`` (removing those of no function) and make
    config.json name them."""
    argparse.ArgumentParser(
        prog="python -m infra.chalice_policies",
        description="Rewrite .chalice/policy-*.json and config.json's functions from "
        "infra/permissions.py. Takes no arguments.",
    ).parse_args(argv)
    files = render_all()
    for stale in sorted(committed_policy_files() - set(files)):
        (CHALICE_DIR / stale).unlink()
        print(f"removed .chalice/{stale}")
    for name, text in files.items():
        (CHALICE_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote .chalice/{name}")
    CONFIG_PATH.write_text(render_config(committed_config()), encoding="utf-8")
    print("wrote .chalice/config.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
