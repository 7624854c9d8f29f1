"""Publish a card's events again from the audit log, for a consumer that lost some.

Reads the card's event items from the stage's card-events table (the audit log keeps 13 months),
from ``--from-version`` on, and puts them on the stage's bus exactly as the stream publisher
does: the same detail, the same ``event_id``, one card's versions in order. Consumers that
already have an event drop the copy by its ``event_id``. Items written before events carried
``customer_id`` and ``last4`` get them from the card (neither ever changes on a card).

    python -m scripts.replay_card_events --stage dev --card CARD001 --from-version 3
    python -m scripts.replay_card_events --stage dev --card CARD001 --dry-run   # print only

The bus is ``betterbank-cards-STAGE`` (``--bus`` to override); ``AWS_ENDPOINT_URL_EVENTBRIDGE``
points the SDK at an emulator (it is required when the tables are local, so a local card's
events never reach an account's bus). Exit 0 when every event was accepted, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from pydantic import ValidationError

from chalicelib.clients import EVENTS_BUDGET, is_local_endpoint, make_client
from chalicelib.models import CARD_ID_PATTERN
from chalicelib.publishing.detail import CardEventDetail, bus_name, detail_type
from chalicelib.publishing.publisher import CardEventPublisher, StreamRecord
from chalicelib.store.items import from_item
from chalicelib.store.tables import table_name
from scripts._common import (
    add_target_arguments,
    dynamodb_client,
    resolve_endpoint,
    resolve_region,
    run_script,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """``--stage``, ``--card``, ``--from-version``, ``--to-version``, ``--bus``, ``--dry-run``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_target_arguments(parser, stage_default=None)
    parser.add_argument("--card", required=True, help="card id, e.g. CARD001")
    parser.add_argument("--from-version", type=int, default=1, help="first version (default 1)")
    parser.add_argument("--to-version", type=int, help="last version (default: the latest)")
    parser.add_argument("--bus", help="event bus name (default: betterbank-cards-STAGE)")
    parser.add_argument("--dry-run", action="store_true", help="print the events, publish none")
    args = parser.parse_args(argv)
    if not re.fullmatch(CARD_ID_PATTERN, args.card):
        parser.error(f"--card {args.card!r} is not a card id (CARD followed by 3-32 of 0-9A-Z)")
    if args.from_version < 1 or (
        args.to_version is not None and args.to_version < args.from_version
    ):
        parser.error("versions start at 1 and --to-version must not be below --from-version")
    return args


def stored_events(
    client: Any, stage: str, card_id: str, first: int, last: int | None
) -> list[dict[str, Any]]:
    """The card's event items from ``first`` to ``last`` (inclusive), oldest first, all pages."""
    condition = "card_id = :c AND version >= :first"
    values: dict[str, Any] = {":c": {"S": card_id}, ":first": {"N": str(first)}}
    if last is not None:
        condition = "card_id = :c AND version BETWEEN :first AND :last"
        values[":last"] = {"N": str(last)}
    kwargs: dict[str, Any] = {
        "TableName": table_name("card_events", stage),
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ConsistentRead": True,
    }
    found: list[dict[str, Any]] = []
    while True:
        page = client.query(**kwargs)
        found += [from_item(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _with_card_facts(client: Any, stage: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill ``customer_id``/``last4`` of older items from the card item (read once)."""
    if all("customer_id" in e and "last4" in e for e in events):
        return events
    key = {"card_id": {"S": events[0]["card_id"]}}
    item = client.get_item(TableName=table_name("cards", stage), Key=key, ConsistentRead=True)
    card = from_item(item.get("Item", {}))
    facts = {k: card[k] for k in ("customer_id", "last4") if k in card}
    return [{**facts, **event} for event in events]


def details(client: Any, args: argparse.Namespace) -> list[CardEventDetail]:
    """The details to publish, in version order (raises ``ValueError`` naming a bad version)."""
    events = stored_events(client, args.stage, args.card, args.from_version, args.to_version)
    if not events:
        raise LookupError(f"{args.card} has no events from version {args.from_version}")
    result = []
    for event in _with_card_facts(client, args.stage, events):
        try:
            result.append(CardEventDetail.from_event_item(event))
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            raise ValueError(f"{args.card}:{event.get('version')} lacks valid {fields}") from exc
    return result


def publish(args: argparse.Namespace, found: list[CardEventDetail]) -> int:
    """Put the events on the bus; print one line per event; 1 if any was not accepted."""
    region = resolve_region(args.region)
    publisher = CardEventPublisher(
        make_client("events", EVENTS_BUDGET, region), args.bus or bus_name(args.stage)
    )
    records = [StreamRecord(d.event_id, detail=d) for d in found]
    outcome = publisher.publish(records)
    for detail in outcome.published:
        print(f"published {detail.event_id} {detail_type(detail.type)}")
    if outcome.failures:
        causes = ", ".join(sorted(set(outcome.causes)))
        print(f"error: not published from {outcome.failures[0]} on: {causes}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Replay one card's events from a version on."""
    args = parse_args(argv)
    endpoint = resolve_endpoint(args.stage, args.endpoint)
    emulated_bus = os.environ.get("AWS_ENDPOINT_URL_EVENTBRIDGE") or os.environ.get(
        "AWS_ENDPOINT_URL"
    )
    if is_local_endpoint(endpoint) and not (args.dry_run or emulated_bus):
        # Local tables but a real bus: the account's bus must not get a local card's events.
        print(
            "error: the tables are local but the bus would be AWS's: use --dry-run, or set "
            "AWS_ENDPOINT_URL_EVENTBRIDGE to an emulator",
            file=sys.stderr,
        )
        return 2

    def body() -> int:
        try:
            found = details(dynamodb_client(endpoint, args.region), args)
        except (LookupError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if args.dry_run:
            for detail in found:
                print(f"{detail_type(detail.type)} {detail.model_dump_json()}")
            return 0
        return publish(args, found)

    return run_script(body, endpoint)


if __name__ == "__main__":
    sys.exit(main())
