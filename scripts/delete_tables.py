"""Delete the four tables of a stage (all their data), after asking, unless ``--yes``.

For DynamoDB Local and quick ``chalice deploy`` stacks; tables of a CloudFormation stack are the
stack's to delete (``prod`` keeps them with ``Retain``). A missing table is reported, not an
error, so the script is safe to rerun.

    python -m scripts.delete_tables --yes                # stage local, http://localhost:8000
    python -m scripts.delete_tables --stage dev          # AWS; asks first
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chalicelib.store.tables import table_names
from scripts._common import add_target_arguments, dynamodb_client, resolve_endpoint, run_script


def delete_tables(client: Any, names: dict[str, str]) -> dict[str, bool]:
    """Delete every table in ``names`` (``{env var: table}``); ``{table: deleted}``.

    DynamoDB deletes asynchronously on AWS; the tables disappear shortly after this returns.
    """
    deleted: dict[str, bool] = {}
    for name in names.values():
        try:
            client.delete_table(TableName=name)
            deleted[name] = True
        except client.exceptions.ResourceNotFoundException:
            deleted[name] = False
    return deleted


def confirmed(stage: str, endpoint: str | None, names: dict[str, str]) -> bool:
    """Ask on the terminal; no terminal (CI, a pipe) counts as "no"."""
    where = endpoint or "AWS"
    print(f"This deletes {len(names)} tables of stage '{stage}' at {where}, with all their data:")
    for name in names.values():
        print(f"  {name}")
    try:
        answer = input("Type 'yes' to delete: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """``--stage`` (default local), ``--endpoint``, ``--region``, ``--yes``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_target_arguments(parser, stage_default="local")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Delete the stage's tables: exit 0 when done, 1 when refused or on an error."""
    args = parse_args(argv)
    endpoint = resolve_endpoint(args.stage, args.endpoint)
    names = table_names(args.stage)
    if not args.yes and not confirmed(args.stage, endpoint, names):
        print("not confirmed: nothing deleted", file=sys.stderr)
        return 1

    def body() -> int:
        client = dynamodb_client(endpoint, args.region)
        for name, was_deleted in delete_tables(client, names).items():
            print(f"{'deleted' if was_deleted else 'missing'}: {name}")
        return 0

    return run_script(body, endpoint)


if __name__ == "__main__":
    sys.exit(main())
