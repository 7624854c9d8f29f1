"""Create the four tables of a stage from ``chalicelib.store.tables``, with TTL; wait for them.

Deployed stages get their tables from CloudFormation; this script is for DynamoDB Local and
for a quick ``chalice deploy`` stack. It is safe to rerun: an existing table is reported as
``exists: NAME`` and left alone (its TTL and stream settings are still checked). The card-events
stream's ARN is printed last (``stream: ARN``): ``chalice deploy`` reads it from
``CARD_EVENTS_STREAM_ARN``.

    python -m scripts.create_tables                      # stage local, http://localhost:8000
    python -m scripts.create_tables --stage dev          # AWS, tables betterbank-*-dev
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from chalicelib.store.tables import (
    STREAM_VIEW_TYPES,
    TTL_ATTRIBUTES,
    create_table_request,
    table_names,
)
from scripts._common import (
    add_target_arguments,
    dynamodb_client,
    logical_names,
    resolve_endpoint,
    run_script,
)

ACTIVE_TIMEOUT_S = 300.0


def _table_status(client: Any, name: str) -> str | None:
    try:
        return str(client.describe_table(TableName=name)["Table"]["TableStatus"])
    except client.exceptions.ResourceNotFoundException:
        return None


def _wait_active(client: Any, name: str) -> None:
    """Poll quickly: DynamoDB Local is ACTIVE at once, AWS within seconds (the boto3 waiter
    sleeps 20 s before its first look)."""
    delay, deadline = 0.05, time.monotonic() + ACTIVE_TIMEOUT_S
    while _table_status(client, name) != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} is not ACTIVE after {ACTIVE_TIMEOUT_S:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


def _ensure_ttl(client: Any, name: str, attribute: str, known_new: bool) -> None:
    """Enable TTL unless it is on already (asking costs a call we skip for a new table)."""
    if not known_new:
        described = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if described.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            return
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def ensure_stream(client: Any, name: str, view_type: str) -> str:
    """Turn the table's stream on if it is off (a table created before it had one); return
    the stream's ARN (``chalice deploy`` needs it: ``CARD_EVENTS_STREAM_ARN``)."""
    table = client.describe_table(TableName=name)["Table"]
    spec = table.get("StreamSpecification") or {}
    if not spec.get("StreamEnabled"):
        spec = {"StreamEnabled": True, "StreamViewType": view_type}
        table = client.update_table(TableName=name, StreamSpecification=spec)["TableDescription"]
        _wait_active(client, name)
    elif spec.get("StreamViewType") != view_type:
        raise RuntimeError(f"{name} streams {spec.get('StreamViewType')}, not {view_type}")
    return str(table["LatestStreamArn"])


def create_tables(client: Any, names: dict[str, str]) -> dict[str, bool]:
    """Create every table in ``names`` (``{env var: table}``) that is missing; enable TTL.

    Returns ``{table: created}``: ``False`` for a table that already existed.
    """
    created: dict[str, bool] = {}
    active: set[str] = set()
    for logical, name in logical_names(names).items():
        try:
            response = client.create_table(**create_table_request(logical, name))
            created[name] = True
            if response["TableDescription"]["TableStatus"] == "ACTIVE":  # DynamoDB Local
                active.add(name)
        except client.exceptions.ResourceInUseException:
            created[name] = False
    for logical, name in logical_names(names).items():
        if name not in active:
            _wait_active(client, name)
        if logical in TTL_ATTRIBUTES:
            _ensure_ttl(client, name, TTL_ATTRIBUTES[logical], known_new=created[name])
        if logical in STREAM_VIEW_TYPES and not created[name]:
            ensure_stream(client, name, STREAM_VIEW_TYPES[logical])
    return created


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """``--stage`` (default local), ``--endpoint``, ``--region``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_target_arguments(parser, stage_default="local")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Create the stage's tables and say, per table, whether it was created or existed."""
    args = parse_args(argv)
    endpoint = resolve_endpoint(args.stage, args.endpoint)

    def body() -> int:
        client = dynamodb_client(endpoint, args.region)
        names = table_names(args.stage)
        for name, was_created in create_tables(client, names).items():
            print(f"{'created' if was_created else 'exists'}: {name}")
        for logical, name in logical_names(names).items():
            if logical in STREAM_VIEW_TYPES:
                arn = ensure_stream(client, name, STREAM_VIEW_TYPES[logical])
                print(f"stream: {arn}")
        return 0

    return run_script(body, endpoint)


if __name__ == "__main__":
    sys.exit(main())
