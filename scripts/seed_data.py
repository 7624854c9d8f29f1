"""Seed the three demo customers and their five cards, repeatably.

Every value is fixed, timestamps included, so running the seed twice writes byte-identical
items. Each card's ``issued`` event expires 13 months after it occurred (the rule the app
applies to every event), not 13 months after the seed ran: that keeps the data identical
between runs. Before writing, the seed removes what the app may have added for the demo
customers (replacement cards, events other than the seed's, idempotency records) and rewrites
the seed's own items, so a reseed is a reset. The items are in ``seed_items.py``, the removal
in ``seed_reset.py``; this module writes them and is the CLI and the import path.

    python -m scripts.seed_data                          # stage local: $DYNAMODB_ENDPOINT,
                                                         # else http://localhost:8000
    python -m scripts.seed_data --endpoint http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from chalicelib.store.tables import table_names
from scripts._common import (
    add_target_arguments,
    dynamodb_client,
    logical_names,
    resolve_endpoint,
    run_script,
)
from scripts.seed_items import card_items, customer_items, event_items
from scripts.seed_reset import batch_write, remove_leftovers


def seed(dynamodb: Any, names: dict[str, str], fresh_tables: bool = False) -> dict[str, int]:
    """Reset the seed customers' data in the tables ``names`` (``{env var: table}``).

    ``dynamodb`` is a boto3 DynamoDB client or resource. ``fresh_tables=True`` skips looking for
    leftovers in tables just created (the test fixture). Returns item counts per table written,
    plus ``removed``: the items that are not part of the seed, deleted first.
    """
    client = dynamodb.meta.client if hasattr(dynamodb, "Table") else dynamodb
    tables = logical_names(names)
    removed = 0 if fresh_tables else remove_leftovers(client, tables)
    serializer = TypeSerializer()
    written = {"removed": removed}
    for logical, items in [
        ("customers", customer_items()),
        ("cards", card_items()),
        ("card_events", event_items()),
    ]:
        puts = [
            {"PutRequest": {"Item": {k: serializer.serialize(v) for k, v in item.items()}}}
            for item in items
        ]
        batch_write(client, tables[logical], puts)
        written[tables[logical]] = len(puts)
    return written


def parse_args(
    argv: list[str] | None,
    stage_default: str | None,
    description: str | None = None,
    use_env: bool = True,
) -> argparse.Namespace:
    """``--stage``, ``--endpoint``, ``--region``; ``use_env`` as in ``resolve_endpoint``."""
    parser = argparse.ArgumentParser(description=description or __doc__.splitlines()[0])
    add_target_arguments(parser, stage_default=stage_default, use_env=use_env)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, endpoint: str | None) -> int:
    """Seed the stage's tables at ``endpoint`` (``None``: AWS) and report what changed."""

    def body() -> int:
        client = dynamodb_client(endpoint, args.region)
        written = seed(client, table_names(args.stage))
        removed = written.pop("removed")
        where = endpoint or f"AWS stage {args.stage}"
        counts = ", ".join(f"{n} into {table}" for table, n in written.items())
        print(f"seeded {where}: {counts}; removed {removed} items that are not part of the seed")
        return 0

    return run_script(body, endpoint)


def main(argv: list[str] | None = None) -> int:
    """Seed the local tables (or ``--stage``'s tables at ``--endpoint``)."""
    args = parse_args(argv, stage_default="local")
    return run(args, resolve_endpoint(args.stage, args.endpoint))


if __name__ == "__main__":
    sys.exit(main())
