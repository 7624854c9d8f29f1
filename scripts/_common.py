"""What the table and seed scripts share: where DynamoDB is, a client for it, and error exits.

A script's failure is a single line and exit code 1: a developer running ``make dev`` needs to
know what to do next (start DynamoDB Local, configure credentials), not read a botocore trace.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from chalicelib.clients import ClientBudget, is_local_endpoint, make_client
from chalicelib.store.tables import TABLES

LOCAL_ENDPOINT = "http://localhost:8000"
DEFAULT_REGION = "us-east-1"
#: A script waits longer than a request would: creating a table can take seconds.
SCRIPT_BUDGET = ClientBudget(connect_timeout=5.0, read_timeout=20.0, max_attempts=3)


def add_target_arguments(
    parser: argparse.ArgumentParser, stage_default: str | None, use_env: bool = True
) -> None:
    """``--stage``, ``--endpoint`` and ``--region``, the same for every script.

    ``use_env=False`` is for a script that calls ``resolve_endpoint(..., use_env=False)``: its
    help must not promise that ``DYNAMODB_ENDPOINT`` is read.
    """
    parser.add_argument(
        "--stage",
        default=stage_default,
        required=stage_default is None,
        help="stage whose tables to use (local has no suffix)",
    )
    default = (
        f"$DYNAMODB_ENDPOINT, else {LOCAL_ENDPOINT} for stage local, else AWS"
        if use_env
        else "AWS; $DYNAMODB_ENDPOINT is ignored"
    )
    parser.add_argument("--endpoint", help=f"DynamoDB endpoint URL (default: {default})")
    parser.add_argument(
        "--region",
        help=f"AWS region (default: $AWS_REGION, else $AWS_DEFAULT_REGION, else {DEFAULT_REGION})",
    )


def resolve_endpoint(stage: str, endpoint: str | None, use_env: bool = True) -> str | None:
    """The endpoint to talk to; ``None`` means real AWS."""
    if endpoint:
        return endpoint
    if use_env and os.environ.get("DYNAMODB_ENDPOINT"):
        return os.environ["DYNAMODB_ENDPOINT"]
    return LOCAL_ENDPOINT if stage == "local" else None


def resolve_region(region: str | None) -> str:
    """``--region``, else the usual AWS variables, else us-east-1."""
    return (
        region
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )


def dynamodb_client(endpoint: str | None, region: str | None = None) -> Any:
    """A DynamoDB client, signed as the app's are (``chalicelib.clients.endpoint_credentials``:
    the fixed local key for an emulator, the usual chain for AWS)."""
    return make_client("dynamodb", SCRIPT_BUDGET, resolve_region(region), endpoint)


def logical_names(names: dict[str, str]) -> dict[str, str]:
    """``{env var: table}`` (as ``schema.table_names`` gives) as ``{logical: table}``."""
    return {logical: names[env] for logical, (env, _) in TABLES.items()}


def describe_failure(exc: Exception, endpoint: str | None) -> str:
    """One line saying what went wrong and what to do about it."""
    where = endpoint or "AWS"
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials: run 'aws configure' (or 'aws sso login'), or set AWS_PROFILE "
            "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(exc, NoRegionError):
        return "no AWS region: pass --region or set AWS_DEFAULT_REGION"
    if isinstance(exc, EndpointConnectionError):
        hint = (
            " (start DynamoDB Local with 'make dev', or 'python -m scripts.dynamodb_local start')"
            if is_local_endpoint(endpoint)
            else ""
        )
        return f"cannot reach DynamoDB at {where}{hint}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = exc.operation_name
        return f"{operation} on {where} failed: {error.get('Code')}: {error.get('Message')}"
    return f"DynamoDB call to {where} failed: {exc}"


def run_script(body: Callable[[], int], endpoint: str | None) -> int:
    """Run a script body, turning AWS errors and Ctrl-C into a one-line message."""
    try:
        return body()
    except (BotoCoreError, ClientError) as exc:
        print(f"error: {describe_failure(exc, endpoint)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
