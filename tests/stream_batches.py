"""DynamoDB stream records as Lambda hands them to a function, from a real stream or built.

``lambda_batches`` reads a table's stream on DynamoDB Local with the streams API (the same
endpoint serves ``dynamodbstreams``), shard by shard from the oldest record, drops what the
event source mapping's filter drops, and cuts each shard's records into batches of the mapping's
size, in the shape Lambda delivers: ``{"Records": [...]}`` with ``eventSourceARN`` and the
creation time in epoch seconds. ``stream_event`` builds the same shape from items, for fault
tests that need no table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib.clients import endpoint_credentials
from chalicelib.publishing import STREAM_BATCH_SIZE
from chalicelib.store.items import to_item
from infra.publisher_resources import event_source_properties
from tests.dynamodb_local_fixture import REGION

OCCURRED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/betterbank-card-events-t/stream/x"


def _mapping_filter() -> dict[str, list[str]]:
    (source,) = event_source_properties().values()
    (only,) = source["Properties"]["FilterCriteria"]["Filters"]
    pattern: dict[str, list[str]] = json.loads(only["Pattern"])
    return pattern


def _passes_filter(record: dict[str, Any]) -> bool:
    return all(record.get(key) in allowed for key, allowed in _mapping_filter().items())


def _as_lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    dynamodb = dict(record["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = int(
        dynamodb["ApproximateCreationDateTime"].timestamp()
    )
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def _shard_records(streams: Any, stream_arn: str, shard_id: str) -> list[dict[str, Any]]:
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not page["Records"]:
            return records  # an open shard always has a next iterator: stop at its end
        records += page["Records"]
        iterator = page.get("NextShardIterator")
    return records


def lambda_batches(
    endpoint: str, table: str, batch_size: int = STREAM_BATCH_SIZE
) -> list[dict[str, Any]]:
    """Every record of ``table``'s stream, as the Lambda event batches the mapping delivers."""
    kwargs: dict[str, Any] = {
        "endpoint_url": endpoint,
        "region_name": REGION,
        **endpoint_credentials(endpoint),  # the key the app signs with: DynamoDB Local's database
    }
    session = boto3.session.Session()
    stream_arn = session.client("dynamodb", **kwargs).describe_table(TableName=table)["Table"][
        "LatestStreamArn"
    ]
    streams = session.client("dynamodbstreams", **kwargs)
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    batches: list[dict[str, Any]] = []
    for shard in _parents_first(shards):
        records = [
            _as_lambda_record(r, stream_arn)
            for r in _shard_records(streams, stream_arn, shard["ShardId"])
            if _passes_filter(r)
        ]
        for start in range(0, len(records), batch_size):
            batches.append({"Records": records[start : start + batch_size]})
    return batches


def _parents_first(shards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lambda finishes a parent shard before its children; so do we (shards form a tree)."""
    ids = {shard["ShardId"] for shard in shards}
    ordered: list[dict[str, Any]] = []
    done: set[str] = set()
    while len(ordered) < len(shards):
        for shard in shards:
            parent = shard.get("ParentShardId")
            if shard["ShardId"] not in done and (parent not in ids or parent in done):
                ordered.append(shard)
                done.add(shard["ShardId"])
    return ordered


def stream_record(
    values: dict[str, Any], sequence: int, event_name: str = "INSERT"
) -> dict[str, Any]:
    """One Lambda stream record of the card-events table for an event item's ``values``."""
    keys = {"card_id": {"S": values["card_id"]}, "version": {"N": str(values["version"])}}
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": 1764581400,
        "Keys": keys,
        "SequenceNumber": f"{sequence:021d}",
        "SizeBytes": 200,
        "StreamViewType": "NEW_IMAGE",
    }
    if event_name != "REMOVE":
        dynamodb["NewImage"] = to_item(values)
    return {
        "eventID": f"e{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": dynamodb,
        "eventSourceARN": STREAM_ARN,
    }


def event_values(card_id: str, version: int, event_type: str = "locked") -> dict[str, Any]:
    """An event item as the store writes it (values, not attribute maps)."""
    return {
        "card_id": card_id,
        "customer_id": "CUST001",
        "last4": "4821",
        "version": version,
        "type": event_type,
        "from_status": "active",
        "to_status": "locked",
        "reason": "customer_request",
        "channel": "api",
        "actor": "api",
        "request_id": f"req-{card_id}-{version}",
        "occurred_at": (OCCURRED + timedelta(seconds=version)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "expires_at": 1800000000,
    }


def stream_event(*records: dict[str, Any]) -> dict[str, Any]:
    """A Lambda event holding ``records``."""
    return {"Records": list(records)}


def sequence_numbers(event: dict[str, Any]) -> list[str]:
    """The sequence numbers of an event's records, in order."""
    return [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
